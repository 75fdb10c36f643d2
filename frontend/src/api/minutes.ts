// The minutes of a meeting over REST (meetings/minutes/api.py); their live edits go through the room's socket.
import type { ApiClient } from "./client";
import type { VoteResult } from "./room";

export type MinutesStatus = "draft" | "submitted" | "returned" | "approved";
/** What the server lets the caller do now (meetings/workflow.py MINUTES_TRANSITIONS). */
export type MinutesAction = "edit_minutes" | "submit_minutes" | "return_minutes" | "approve_minutes";

/** The `minutes_status` event, and the head of the minutes. */
export interface MinutesStatusPayload {
  meeting_id: number;
  seq: number;
  status: MinutesStatus;
  submitted_at: string | null;
  submitted_by_id: number | null;
  return_comment: string | null;
  returned_at: string | null;
  approved_at: string | null;
  approved_by_id: number | null;
  pdf_available: boolean;
}

export interface MinutesSection {
  agenda_item_id: number | null;
  text: string;
  conclusion: string;
  version: number;
  updated_by_id: number | null;
  updated_at: string | null;
}

export interface MinutesVote {
  vote_id: number;
  question: string;
  options: string[];
  is_secret: boolean;
  closed_at: string | null;
  result: VoteResult | null;
}

export interface MinutesPerson {
  user_id: number;
  full_name: string;
  role: string;
  mode: "in_person" | "online" | null;
}

export interface MinutesRecord extends MinutesStatusPayload {
  sections: MinutesSection[];
  votes: MinutesVote[];
  attendance: {
    present: MinutesPerson[];
    absent: MinutesPerson[];
    voting_present: number;
    voting_total: number;
    quorum_met: boolean;
  };
  allowed_actions: MinutesAction[];
}

export function minutesApi(client: ApiClient) {
  const base = (meetingId: number) => `/api/v1/meetings/${meetingId}/minutes`;
  return {
    get: (meetingId: number) => client.get<MinutesRecord>(base(meetingId)),
    submit: (meetingId: number) => client.post<MinutesStatusPayload>(`${base(meetingId)}/submit`),
    returnToSecretary: (meetingId: number, comment: string) =>
      client.post<MinutesStatusPayload>(`${base(meetingId)}/return`, { comment }),
    /** pin: unlocks the chair's signing key for this act only (never kept). */
    approve: (meetingId: number, pin: string | null) =>
      client.post<MinutesStatusPayload>(`${base(meetingId)}/approve`, pin ? { pin } : {}),
    pdf: (meetingId: number) => client.request<Blob>("GET", `${base(meetingId)}/pdf`, { expect: "blob" }),
  };
}
