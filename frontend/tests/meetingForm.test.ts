import { describe, expect, it } from "vitest";
import { ApiError } from "../src/api/errors";
import {
  agendaFields,
  agendaItemBody,
  agendaServerErrors,
  emptyAgendaItem,
  emptyMeeting,
  emptyPoll,
  meetingBody,
  meetingFields,
  meetingServerErrors,
  neighbourPosition,
  pollBody,
  validateAgendaItem,
  validateMeeting,
  validatePoll,
  unitMembers,
  unitsOf,
  withParticipant,
  type MeetingFields,
} from "../src/state/meetingForm";
import type { Meeting } from "../src/api/meetings";

const filled = (): MeetingFields => ({
  ...emptyMeeting(),
  title: "  Họp giao ban tháng 12 ",
  starts_at: "2026-12-01T08:00",
  ends_at: "2026-12-01T11:30",
  location: "Phòng họp số 1",
  chair_id: 2,
  secretary_id: 3,
  participants: [
    { user_id: 4, role: "delegate", full_name: "Lê Thị Thu Trang" },
    { user_id: 5, role: "guest", full_name: "Phạm Văn Khách" },
  ],
});

describe("meeting form", () => {
  it("accepts a complete form and sends Vietnam times with their offset", () => {
    expect(validateMeeting(filled())).toEqual({});
    expect(meetingBody(filled())).toEqual({
      title: "Họp giao ban tháng 12",
      starts_at: "2026-12-01T08:00:00+07:00",
      ends_at: "2026-12-01T11:30:00+07:00",
      location: "Phòng họp số 1",
      online_link: null,
      chair_id: 2,
      secretary_id: 3,
      quorum_percent: 50,
      offline_download: "manual",
      participants: [
        { user_id: 4, role: "delegate" },
        { user_id: 5, role: "guest" },
      ],
    });
    expect(meetingBody({ ...filled(), offline_download: "day_before" }).offline_download).toBe("day_before");
  });

  it("names each field the server would refuse", () => {
    const errors = validateMeeting({
      ...filled(),
      title: " ",
      ends_at: "2026-12-01T07:00",
      online_link: "ftp://example.org",
      chair_id: null,
      quorum_percent: "100",
    });
    expect(errors.title).toEqual({ key: "form.required" });
    expect(errors.ends_at).toEqual({ key: "form.endsAfterStarts" });
    expect(errors.online_link).toEqual({ key: "form.url" });
    expect(errors.chair_id).toEqual({ key: "form.required" });
    expect(errors.quorum_percent).toEqual({ key: "form.quorum" });
    expect(validateMeeting({ ...filled(), starts_at: "" }).starts_at).toEqual({ key: "form.required" });
  });

  it("refuses one person in two roles", () => {
    expect(validateMeeting({ ...filled(), secretary_id: 2 }).secretary_id).toEqual({ key: "form.secretaryIsChair" });
    const chairAsDelegate = { ...filled(), participants: [{ user_id: 2, role: "delegate" as const, full_name: "Trần Văn Minh" }] };
    expect(validateMeeting(chairAsDelegate).participants).toEqual({
      key: "form.participantTwice",
      params: { name: "Trần Văn Minh" },
    });
  });

  it("puts the API's messages on the fields, participants' nested paths on the list", () => {
    const nested = new ApiError(422, {
      code: "validation_error",
      message: "participants[1].user_id: no active user 99",
      details: { json: { "participants[1].user_id": ["no active user 99"] } },
    });
    expect(meetingServerErrors(nested)).toEqual({ participants: { key: "form.refused" } });
    const schema = new ApiError(422, {
      code: "validation_error",
      message: "invalid",
      details: { json: { participants: { "0": { role: ["Must be one of: delegate, guest."] } }, ends_at: ["must be after starts_at"] } },
    });
    expect(meetingServerErrors(schema)).toEqual({
      participants: { key: "form.refused" },
      ends_at: { key: "form.refused" },
    });
    const forbidden = new ApiError(403, { code: "forbidden", message: "only clerks, leaders and administrators organise meetings" });
    // No field named: the client's message for the code, never the server's English.
    expect(meetingServerErrors(forbidden)).toEqual({ _form: { key: "error.forbidden" } });
  });

  it("adds a person once and changes the role of one already listed", () => {
    const list = withParticipant([], { user_id: 4, role: "delegate", full_name: "A" });
    expect(withParticipant(list, { user_id: 4, role: "guest", full_name: "A" })).toEqual([{ user_id: 4, role: "guest", full_name: "A" }]);
  });

  it("adds a whole unit at once, leaving out the chair, the secretary and those already invited", () => {
    const people = [
      { id: 1, unit_id: 10, unit_name: "Phòng Kinh tế" },
      { id: 2, unit_id: 10, unit_name: "Phòng Kinh tế" },
      { id: 3, unit_id: 10, unit_name: "Phòng Kinh tế" },
      { id: 4, unit_id: 11, unit_name: "Văn phòng" },
      { id: 5, unit_id: null, unit_name: null },
    ];
    expect(unitMembers(people, 10, [1, null, 3]).map((p) => p.id)).toEqual([2]);
    expect(unitMembers(people, 11, []).map((p) => p.id)).toEqual([4]);
    expect(unitsOf(people)).toEqual([
      { id: 10, name: "Phòng Kinh tế" },
      { id: 11, name: "Văn phòng" },
    ]);
  });

  it("fills the form back from a stored meeting in Vietnam time, leaving chair and secretary out of the list", () => {
    const stored = {
      title: "Họp",
      starts_at: "2026-12-01T01:00:00+00:00",
      ends_at: "2026-12-01T17:30:00+00:00",
      location: "",
      online_link: null,
      chair_id: 2,
      secretary_id: null,
      quorum_percent: 60,
      participants: [
        { user_id: 2, role: "chair", full_name: "Chủ trì" },
        { user_id: 4, role: "delegate", full_name: "Đại biểu" },
      ],
    } as unknown as Meeting;
    expect(meetingFields(stored)).toMatchObject({
      starts_at: "2026-12-01T08:00",
      ends_at: "2026-12-02T00:30",
      quorum_percent: "60",
      participants: [{ user_id: 4, role: "delegate", full_name: "Đại biểu" }],
    });
  });
});

describe("agenda item form", () => {
  it("places the time slot on the meeting's Vietnam day", () => {
    const meeting = { starts_at: "2026-12-01T23:30:00Z" }; // 06:30 on 2 December in Vietnam
    const fields = { ...emptyAgendaItem(), title: "Báo cáo", presenter_id: 4, starts_at: "07:00", ends_at: "07:45" };
    expect(validateAgendaItem(fields)).toEqual({});
    expect(agendaItemBody(fields, meeting)).toEqual({
      title: "Báo cáo",
      presenter_id: 4,
      starts_at: "2026-12-02T07:00:00+07:00",
      ends_at: "2026-12-02T07:45:00+07:00",
      is_confidential: false,
      named_user_ids: [],
    });
    expect(agendaItemBody({ ...fields, starts_at: "", ends_at: "" }, meeting).starts_at).toBeNull();
  });

  it("refuses an empty title, an end before the start and a confidential item naming nobody", () => {
    const errors = validateAgendaItem({ ...emptyAgendaItem(), starts_at: "09:00", ends_at: "08:00", is_confidential: true });
    expect(errors.title).toEqual({ key: "form.required" });
    expect(errors.ends_at).toEqual({ key: "form.endsAfterStarts" });
    expect(errors.named_user_ids).toEqual({ key: "form.namedRequired" });
    const named = new ApiError(422, {
      code: "validation_error",
      message: "named_user_ids[0]: user 9 is not a participant of the meeting",
      details: { json: { "named_user_ids[0]": ["user 9 is not a participant of the meeting"] } },
    });
    expect(agendaServerErrors(named)).toEqual({ named_user_ids: { key: "form.refused" } });
  });
});

describe("opinion poll form", () => {
  const now = new Date("2026-12-01T00:00:00Z");

  it("sends one option a line and a deadline in Vietnam time", () => {
    const fields = { ...emptyPoll(), question: "Thông qua quy chế?", deadline: "2026-12-05T17:00" };
    expect(validatePoll(fields, now)).toEqual({});
    expect(pollBody({ ...fields, options: "Đồng ý\n\n Không đồng ý \n" })).toEqual({
      question: "Thông qua quy chế?",
      options: ["Đồng ý", "Không đồng ý"],
      deadline: "2026-12-05T17:00:00+07:00",
    });
  });

  it("refuses a single option, repeated options and a deadline already past", () => {
    expect(validatePoll({ question: "?", options: "Đồng ý", deadline: "2026-12-05T17:00" }, now).options).toEqual({ key: "form.pollOptions" });
    expect(validatePoll({ question: "?", options: "A\nA", deadline: "2026-12-05T17:00" }, now).options).toEqual({ key: "form.pollOptionsDiffer" });
    // 06:59 on 1 December in Vietnam is 23:59 UTC on 30 November: already past at 00:00 UTC.
    expect(validatePoll({ question: "?", options: "A\nB", deadline: "2026-12-01T06:59" }, now).deadline).toEqual({ key: "form.future" });
  });
});

describe("changing agenda items", () => {
  const item = {
    id: 7,
    position: 2,
    title: "Báo cáo",
    presenter_id: 4,
    starts_at: "2026-12-01T23:30:00Z",
    ends_at: "2026-12-02T00:15:00Z",
    is_confidential: true,
    named_user_ids: [4, 5],
  };

  it("fills the form back with the slot in Vietnam time", () => {
    expect(agendaFields(item)).toEqual({
      title: "Báo cáo",
      presenter_id: 4,
      starts_at: "06:30",
      ends_at: "07:15",
      is_confidential: true,
      named_user_ids: [4, 5],
    });
    expect(agendaFields({ ...item, starts_at: null, ends_at: null }).starts_at).toBe("");
  });

  it("moves an item past its visible neighbour, skipping positions of items the user does not see", () => {
    // Position 3 is a confidential item this user does not see.
    const visible = [
      { id: 1, position: 1 },
      { id: 2, position: 2 },
      { id: 4, position: 4 },
    ];
    expect(neighbourPosition(visible, 2, 1)).toBe(4);
    expect(neighbourPosition(visible, 4, -1)).toBe(2);
    expect(neighbourPosition(visible, 1, -1)).toBeNull();
    expect(neighbourPosition(visible, 4, 1)).toBeNull();
    expect(neighbourPosition(visible, 99, 1)).toBeNull();
  });
});
