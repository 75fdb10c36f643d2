// What the live room sends and answers (README.md, "Meetings"): the join state and the events' payloads.
import type { AgendaItem as MeetingAgendaItem } from "./meetings";
import type { MinutesSection, MinutesStatusPayload, MinutesVote } from "./minutes";

export interface Presentation {
  meeting_id: number;
  document_id: number | null;
  page: number | null;
  seq: number;
  presenter_id: number | null;
}

export interface RoomDocument {
  id: number;
  name: string;
  page_count: number | null;
  agenda_item_id: number | null;
}

/** An agenda item as the room's state gives it: the meeting page's, without who is named on it. */
export type AgendaItem = Omit<MeetingAgendaItem, "named_user_ids">;

export interface Attendee {
  user_id: number;
  role: string;
  mode: "in_person" | "online" | null;
  checked_in_at: string | null;
}

/** The counts of the attendance, as of the room `version` they were read with (a newer one: newer counts). */
export interface AttendanceCounts {
  meeting_id: number;
  version: number;
  /** Everyone checked in as of `version`: a present list that disagrees missed an event (absent in a room
   * kept on the device by an older client). */
  present_count?: number;
  voting_present: number;
  voting_total: number;
  quorum_percent: number;
  quorum_met: boolean;
}

/** The join state's attendance, and the `attendance_full` answer's: everyone present, in user_id order. */
export interface AttendanceState extends AttendanceCounts {
  present: Attendee[];
}

/** The `attendance` event: the check-ins it tells of (those of one interval of one server process). */
export interface AttendanceEvent extends AttendanceCounts {
  changed: Attendee[];
}

export interface SpeakersState {
  meeting_id: number;
  queue: { user_id: number; requested_at: string | null }[];
  current: { user_id: number; started_at: string | null } | null;
}

export interface VoteResult {
  counts: Record<string, number>;
  votes_cast: number;
  present: number;
  eligible: number;
  quorum_met: boolean;
  passed: boolean;
}

export interface VoteState {
  meeting_id: number;
  vote_id: number;
  question: string;
  options: string[];
  is_secret: boolean;
  is_open: boolean;
  votes_cast: number;
  has_voted?: boolean;
  result?: VoteResult;
}

export interface VoteCount {
  meeting_id: number;
  vote_id: number;
  votes_cast: number;
}

export interface Annotation {
  meeting_id: number;
  id: number;
  document_id: number;
  page: number;
  author_id: number;
  shared: boolean;
  data: Record<string, unknown>;
  /** The UUID the author's device gave it (a repeat of it is answered with the first). */
  client_id?: string | null;
  created_at: string | null;
}

export type { MinutesVote } from "./minutes";

/** The minutes in the join state: null before the meeting starts. */
export type RoomMinutes = MinutesStatusPayload & { sections: MinutesSection[]; votes: MinutesVote[] };

/** The `meeting_status` event: the meeting took a step (started, closed, cancelled). */
export interface MeetingStatusEvent {
  meeting_id: number;
  status: string;
  started_at: string | null;
  closed_at: string | null;
}

/** What a device may do in the room (the server's meetings.workflow.ROOM_ACTIONS): each is the name of its
 * event, but share_annotation, an `annotate` with shared true. */
export type RoomAction =
  | "present"
  | "designate_presenter"
  | "agenda_goto"
  | "check_in"
  | "speak_request"
  | "speak_withdraw"
  | "speakers_order"
  | "give_floor"
  | "end_floor"
  | "vote_open"
  | "vote_cast"
  | "vote_close"
  | "annotate"
  | "share_annotation";

/** The `allowed_actions` event: a change of roles changed what this user may do. */
export interface AllowedActionsEvent {
  meeting_id: number;
  allowed_actions: RoomAction[];
}

export interface RoomJoinState {
  meeting: {
    id: number;
    title: string;
    status: string;
    chair_id: number | null;
    secretary_id: number | null;
    designated_presenter_id: number | null;
    my_role: string;
  };
  presentation: Presentation;
  agenda: { current_item_id: number | null; items: AgendaItem[] };
  documents: RoomDocument[];
  attendance: AttendanceState;
  speakers: SpeakersState;
  vote: VoteState | null;
  annotations: Annotation[];
  minutes: RoomMinutes | null;
  /** What this user may do now, as the server's rules say: the client offers exactly these. */
  allowed_actions: RoomAction[];
}

export interface Participant {
  user_id: number;
  role: string;
  full_name: string | null;
}

export interface MeetingSummary {
  id: number;
  title: string;
  status: string;
  location: string;
  starts_at: string;
  participants: Participant[];
}

export type Ack<T = Record<string, unknown>> =
  | ({ ok: true } & T)
  | { ok: false; error: { code: string; message: string } };
