// The meetings REST API (meetings/api.py, meetings/schemas.py): meetings, agenda, documents, opinion polls.
import type { ApiClient } from "./client";
import type { AutoDownload } from "./offline";

export type MeetingStatus = "draft" | "invited" | "in_progress" | "closed" | "cancelled";
export type ParticipantRole = "chair" | "secretary" | "delegate" | "guest";
/** Roles given in the participants list; the chair and the secretary have fields of their own. */
export type InvitedRole = "delegate" | "guest";
export type MeetingTransition = "invite" | "start" | "close" | "cancel";
/** What the server lets the caller do now (meetings/workflow.py); the page offers exactly these. */
export type MeetingAction = MeetingTransition | "create" | "edit" | "upload_document" | "create_poll" | "enter_room";
export const MEETING_TRANSITIONS: MeetingTransition[] = ["invite", "start", "close", "cancel"];

export interface Participant {
  user_id: number;
  role: ParticipantRole;
  full_name: string | null;
  attendance_mode: "in_person" | "online" | null;
  checked_in_at: string | null;
}

export interface Meeting {
  id: number;
  agency_id: string;
  title: string;
  starts_at: string;
  ends_at: string;
  location: string;
  online_link: string | null;
  status: MeetingStatus;
  organiser_id: number;
  chair_id: number | null;
  secretary_id: number | null;
  quorum_percent: number;
  /** When tablets fetch the meeting's book for offline reading by themselves. */
  offline_download?: AutoDownload;
  calendar_sequence: number;
  participants: Participant[];
  created_at: string;
}

export interface AgendaItem {
  id: number;
  position: number;
  title: string;
  presenter_id: number | null;
  starts_at: string | null;
  ends_at: string | null;
  is_confidential: boolean;
  named_user_ids: number[];
  /** In a meeting's detail: what the caller may do on this item ("upload_document"). */
  allowed_actions?: MeetingAction[];
}

export interface MeetingDocument {
  id: number;
  meeting_id: number;
  agenda_item_id: number | null;
  file_id: number;
  name: string;
  /** Pages of a PDF; null for any other file. */
  page_count: number | null;
  size: number | null;
  content_type: string | null;
  created_at: string;
}

/** A meeting as the caller sees it: only the agenda items and documents open to them, and what they may do. */
export interface MeetingDetail extends Meeting {
  agenda: AgendaItem[];
  documents: MeetingDocument[];
  allowed_actions: MeetingAction[];
}

export interface MeetingBody {
  title: string;
  starts_at: string;
  ends_at: string;
  location: string;
  online_link: string | null;
  chair_id: number;
  secretary_id: number | null;
  quorum_percent?: number;
  offline_download?: AutoDownload;
  participants: { user_id: number; role: InvitedRole }[];
}

export interface AgendaItemBody {
  title: string;
  presenter_id: number | null;
  starts_at: string | null;
  ends_at: string | null;
  is_confidential: boolean;
  named_user_ids: number[];
  position?: number | null;
}

export interface OpinionAnswer {
  user_id: number;
  option: string;
  comment: string | null;
  answered_at: string;
}

export interface OpinionPoll {
  id: number;
  meeting_id: number;
  question: string;
  options: string[];
  deadline: string;
  created_by_id: number;
  /** Totals per option. */
  results: Record<string, number>;
  answered: number;
  eligible: number;
  my_answer: OpinionAnswer | null;
  /** Who answered what: only for the organiser, chair and secretary (empty for others). */
  answers: OpinionAnswer[];
  /** "answer" while the caller may answer (a voting participant, before the deadline, not yet answered). */
  allowed_actions: "answer"[];
}

export interface OpinionPollBody {
  question: string;
  options: string[];
  deadline: string;
}

export interface MeetingPeriod {
  status?: MeetingStatus;
  /** Instants with an offset: the meetings overlapping [from, to). */
  from?: string;
  to?: string;
}

export function meetingsApi(client: ApiClient) {
  const base = "/api/v1/meetings";
  return {
    list(period: MeetingPeriod = {}): Promise<Meeting[]> {
      return client.get<Meeting[]>(base, { ...period });
    },
    get(id: number): Promise<MeetingDetail> {
      return client.get<MeetingDetail>(`${base}/${id}`);
    },
    create(body: MeetingBody): Promise<MeetingDetail> {
      return client.request<MeetingDetail>("POST", base, { json: body });
    },
    update(id: number, body: Partial<MeetingBody>): Promise<MeetingDetail> {
      return client.patch<MeetingDetail>(`${base}/${id}`, body);
    },
    transition(id: number, action: MeetingTransition): Promise<MeetingDetail> {
      return client.post<MeetingDetail>(`${base}/${id}/${action}`);
    },
    addAgendaItem(id: number, body: AgendaItemBody): Promise<AgendaItem> {
      return client.post<AgendaItem>(`${base}/${id}/agenda`, body);
    },
    updateAgendaItem(id: number, itemId: number, body: Partial<AgendaItemBody>): Promise<AgendaItem> {
      return client.patch<AgendaItem>(`${base}/${id}/agenda/${itemId}`, body);
    },
    uploadDocument(
      id: number,
      file: File,
      agendaItemId: number | null,
      onProgress?: (fraction: number) => void,
    ): Promise<MeetingDocument> {
      const form = new FormData();
      form.append("file", file, file.name);
      if (agendaItemId !== null) form.append("agenda_item_id", String(agendaItemId));
      return client.upload<MeetingDocument>(`${base}/${id}/documents`, form, onProgress);
    },
    downloadDocument(id: number, documentId: number): Promise<Blob> {
      return client.request<Blob>("GET", `${base}/${id}/documents/${documentId}/content`, { expect: "blob" });
    },
    polls(id: number): Promise<OpinionPoll[]> {
      return client.get<OpinionPoll[]>(`${base}/${id}/opinions`);
    },
    createPoll(id: number, body: OpinionPollBody): Promise<OpinionPoll> {
      return client.post<OpinionPoll>(`${base}/${id}/opinions`, body);
    },
    answerPoll(id: number, pollId: number, option: string, comment: string | null): Promise<OpinionAnswer> {
      return client.post<OpinionAnswer>(`${base}/${id}/opinions/${pollId}/answers`, { option, comment });
    },
  };
}

export type MeetingsApi = ReturnType<typeof meetingsApi>;
