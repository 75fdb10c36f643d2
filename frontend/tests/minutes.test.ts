import { describe, expect, it } from "vitest";
import type { MinutesSection, MinutesStatusPayload } from "../src/api/minutes";
import * as minutes from "../src/state/minutes";

const status = (seq: number, value: MinutesStatusPayload["status"] = "draft"): MinutesStatusPayload => ({
  meeting_id: 1,
  seq,
  status: value,
  submitted_at: null,
  submitted_by_id: null,
  return_comment: null,
  returned_at: null,
  approved_at: null,
  approved_by_id: null,
  pdf_available: false,
});

const section = (agenda_item_id: number | null, version: number, text = "", conclusion = ""): MinutesSection => ({
  agenda_item_id,
  text,
  conclusion,
  version,
  updated_by_id: 3,
  updated_at: null,
});

const loaded = (...sections: MinutesSection[]) =>
  minutes.loadMinutes(minutes.emptyMinutes(), { ...status(1), sections, votes: [] });

const shown = (model: minutes.MinutesModel, key: number | null) => minutes.findSection(model, key)!.draft;

describe("merging two devices' edits of one text", () => {
  it("applies edits of different passages both", () => {
    const base = "Khai mạc.\nBáo cáo tình hình.\nKết luận.";
    const mine = "Khai mạc lúc 8 giờ.\nBáo cáo tình hình.\nKết luận.";
    const theirs = "Khai mạc.\nBáo cáo tình hình.\nKết luận: thống nhất.";
    const merged = "Khai mạc lúc 8 giờ.\nBáo cáo tình hình.\nKết luận: thống nhất.";
    expect(minutes.mergeText(base, mine, theirs)).toEqual({ text: merged, conflict: false });
    expect(minutes.mergeText(base, theirs, mine)).toEqual({ text: merged, conflict: false });
  });

  it("calls the same passage changed on both devices a conflict, and proposes both versions, the server's first", () => {
    const merged = minutes.mergeText("Ý kiến:", "Ý kiến: đồng ý", "Ý kiến: cần bổ sung");
    expect(merged).toEqual({ text: "Ý kiến: cần bổ sung\nÝ kiến: đồng ý", conflict: true });
    const rewritten = minutes.mergeText("Kinh phí 2 tỷ đồng.", "Kinh phí 2,5 tỷ đồng.", "Kinh phí 3 tỷ đồng.");
    // Not "3,5": touching edits are one passage, and both lines are proposed whole.
    expect(rewritten).toEqual({ text: "Kinh phí 3 tỷ đồng.\nKinh phí 2,5 tỷ đồng.", conflict: true });
    const inText = minutes.mergeText("Mở đầu.\nKinh phí 2 tỷ.\nKết thúc.", "Mở đầu.\nKinh phí 4 tỷ.\nKết thúc.", "Mở đầu.\nKinh phí 3 tỷ.\nKết thúc.");
    expect(inText).toEqual({ text: "Mở đầu.\nKinh phí 3 tỷ.\nKinh phí 4 tỷ.\nKết thúc.", conflict: true });
  });

  it("takes one side when only it changed, when both wrote the same, or when one version holds the other", () => {
    expect(minutes.mergeText("a", "a", "b")).toEqual({ text: "b", conflict: false });
    expect(minutes.mergeText("a", "b", "a")).toEqual({ text: "b", conflict: false });
    expect(minutes.mergeText("a", "b", "b")).toEqual({ text: "b", conflict: false });
    expect(minutes.mergeText("", "tôi", "")).toEqual({ text: "tôi", conflict: false });
    expect(minutes.mergeText("Ý kiến:", "Ý kiến: đồng ý với báo cáo", "Ý kiến: đồng ý")).toEqual({
      text: "Ý kiến: đồng ý với báo cáo",
      conflict: false,
    });
  });

  it("marks where two versions in conflict differ", () => {
    const parts = minutes.conflictPassages({ mine: "Kinh phí 2,5 tỷ đồng.", theirs: "Kinh phí 3 tỷ đồng." });
    expect(parts.mine).toEqual(["Kinh phí ", "2,5", " tỷ đồng."]);
    expect(parts.theirs).toEqual(["Kinh phí ", "3", " tỷ đồng."]);
  });
});

describe("a section written live", () => {
  it("sends only the changed fields, based on the version held", () => {
    let model = loaded(section(null, 0), section(5, 2, "Báo cáo", ""));
    expect(minutes.pendingEdit(model, 5)).toBeNull();
    model = minutes.editDraft(model, 5, "conclusion", "Thống nhất");
    expect(minutes.pendingEdit(model, 5)).toEqual({ agenda_item_id: 5, version: 2, conclusion: "Thống nhất" });
    expect(minutes.unsaved(model)).toEqual([5]);
  });

  it("takes its own edit coming back as accepted and keeps what was typed meanwhile", () => {
    let model = loaded(section(null, 1, "Khai mạc"));
    model = minutes.editDraft(model, null, "text", "Khai mạc lúc 8 giờ");
    const edit = minutes.pendingEdit(model, null)!;
    model = minutes.markSending(model, edit);
    // Typing goes on while the edit travels; then our own broadcast arrives before the ack.
    model = minutes.editDraft(model, null, "text", "Khai mạc lúc 8 giờ 30");
    model = minutes.applySection(model, section(null, 2, "Khai mạc lúc 8 giờ"));
    expect(shown(model, null).text).toBe("Khai mạc lúc 8 giờ 30");
    model = minutes.applyAccepted(model, edit, 2);
    expect(minutes.findSection(model, null)!.version).toBe(2);
    expect(minutes.pendingEdit(model, null)).toEqual({ agenda_item_id: null, version: 2, text: "Khai mạc lúc 8 giờ 30" });
  });

  it("merges another device's edit into unsent typing, and ignores older versions", () => {
    let model = loaded(section(null, 1, "Dòng một.\nDòng hai."));
    model = minutes.editDraft(model, null, "text", "Dòng một (sửa).\nDòng hai.");
    model = minutes.applySection(model, section(null, 2, "Dòng một.\nDòng hai.\nDòng ba."));
    expect(shown(model, null).text).toBe("Dòng một (sửa).\nDòng hai.\nDòng ba.");
    expect(minutes.pendingEdit(model, null)?.version).toBe(2);
    const before = model;
    expect(minutes.applySection(model, section(null, 2, "cũ"))).toBe(before);
    expect(minutes.applySection(model, section(null, 1, "cũ hơn"))).toBe(before);
  });

  it("a join answer keeps this device's unsent typing, merged into the newer section", () => {
    let model = loaded(section(null, 1, "A."));
    model = minutes.editDraft(model, null, "text", "A. B.");
    model = minutes.loadMinutes(model, { ...status(4), sections: [section(null, 3, "Z. A.")], votes: [] });
    expect(shown(model, null).text).toBe("Z. A. B.");
    expect(model.status?.seq).toBe(4);
  });

  it("applies a status only when newer", () => {
    let model = loaded(section(null, 0));
    model = minutes.applyStatus(model, status(5, "submitted"));
    model = minutes.applyStatus(model, status(4, "draft"));
    expect(model.status?.status).toBe("submitted");
  });
});

describe("saving a section until the server holds it", () => {
  it("after a stale refusal merges with the current section and sends again: nothing is lost", async () => {
    // The server: the secretary's other tablet wrote the section first (version 1 → 2).
    let server = section(7, 2, "Ý kiến đại biểu A.\nÝ kiến đại biểu B.");
    const sent: minutes.MinutesEdit[] = [];
    const send: minutes.SendEdit = async (edit) => {
      sent.push(edit);
      if (edit.version !== server.version) return { ok: false, error: { code: "stale_version", message: "" }, section: server };
      server = { ...server, version: server.version + 1, text: edit.text ?? server.text, conclusion: edit.conclusion ?? server.conclusion };
      return { ok: true, version: server.version };
    };
    let model = loaded(section(7, 1, "Ý kiến đại biểu A."));
    model = minutes.editDraft(model, 7, "text", "Ý kiến đại biểu A.");
    model = minutes.editDraft(model, 7, "conclusion", "Thống nhất.");
    model = minutes.editDraft(model, 7, "text", "Mở đầu.\nÝ kiến đại biểu A.");
    const answer = await minutes.saveSection(7, () => model, (next) => (model = next), send);
    expect(answer).toEqual({ ok: true });
    expect(sent.map((e) => e.version)).toEqual([1, 2]);
    expect(server.text).toBe("Mở đầu.\nÝ kiến đại biểu A.\nÝ kiến đại biểu B.");
    expect(server.conclusion).toBe("Thống nhất.");
    expect(minutes.findSection(model, 7)).toMatchObject({ version: 3, sending: null });
    expect(minutes.unsaved(model)).toEqual([]);
  });

  it("keeps the typing when the server refuses for another reason", async () => {
    let model = loaded(section(null, 0));
    model = minutes.editDraft(model, null, "text", "Nội dung");
    const answer = await minutes.saveSection(
      null,
      () => model,
      (next) => (model = next),
      async () => ({ ok: false, error: { code: "invalid_state", message: "" } }),
    );
    expect(answer).toEqual({ ok: false, code: "invalid_state" });
    expect(shown(model, null).text).toBe("Nội dung");
    expect(minutes.pendingEdit(model, null)).not.toBeNull();
  });
});

describe("two devices changing the same passage", () => {
  /** The server of one section, which refuses an edit based on an old version as minutes_edit does. */
  function serverOf(initial: MinutesSection) {
    const state = { section: initial, sent: [] as minutes.MinutesEdit[] };
    const send: minutes.SendEdit = async (edit) => {
      state.sent.push(edit);
      const held = state.section;
      if (edit.version !== held.version) return { ok: false, error: { code: "stale_version", message: "" }, section: held };
      state.section = { ...held, version: held.version + 1, text: edit.text ?? held.text, conclusion: edit.conclusion ?? held.conclusion };
      return { ok: true, version: state.section.version };
    };
    return { state, send };
  }

  it("shows the stale device both versions and sends nothing of that field until its user chooses", async () => {
    // Both tablets held version 1; the other tablet rewrote the amount first.
    const server = serverOf(section(7, 2, "Kinh phí 3 tỷ đồng.", ""));
    let model = loaded(section(7, 1, "Kinh phí 2 tỷ đồng."));
    model = minutes.editDraft(model, 7, "text", "Kinh phí 2,5 tỷ đồng.");
    model = minutes.editDraft(model, 7, "conclusion", "Thống nhất.");
    const set = (next: minutes.MinutesModel) => (model = next);

    expect(await minutes.saveSection(7, () => model, set, server.send)).toEqual({ ok: true });
    // The conclusion, changed on this device alone, went through; the text did not overwrite theirs.
    expect(server.state.section).toMatchObject({ version: 3, text: "Kinh phí 3 tỷ đồng.", conclusion: "Thống nhất." });
    expect(server.state.sent.map((edit) => edit.text)).toEqual(["Kinh phí 2,5 tỷ đồng.", undefined]);
    expect(minutes.conflictsOf(model, 7)).toEqual(["text"]);
    expect(minutes.findSection(model, 7)!.conflicts.text).toEqual({ mine: "Kinh phí 2,5 tỷ đồng.", theirs: "Kinh phí 3 tỷ đồng." });
    // Nothing is lost while the choice waits: the page still warns before it is left.
    expect(minutes.unsaved(model)).toEqual([7]);

    model = minutes.resolveConflict(model, 7, "text", "Kinh phí 2,5 tỷ đồng.");
    expect(minutes.conflictsOf(model, 7)).toEqual([]);
    expect(await minutes.saveSection(7, () => model, set, server.send)).toEqual({ ok: true });
    expect(server.state.section).toMatchObject({ version: 4, text: "Kinh phí 2,5 tỷ đồng.", conclusion: "Thống nhất." });
    expect(minutes.unsaved(model)).toEqual([]);
  });

  it("lets the user keep the other version, or save the merged text edited", () => {
    let model = loaded(section(null, 1, "Giao Sở Tài chính."));
    model = minutes.editDraft(model, null, "text", "Giao Sở Kế hoạch.");
    model = minutes.applySection(model, section(null, 2, "Giao Sở Nội vụ."));
    expect(shown(model, null).text).toBe("Giao Sở Nội vụ.\nGiao Sở Kế hoạch.");
    expect(minutes.pendingEdit(model, null)).toBeNull();

    const kept = minutes.resolveConflict(model, null, "text", "Giao Sở Nội vụ.");
    expect(minutes.pendingEdit(kept, null)).toBeNull();
    expect(minutes.unsaved(kept)).toEqual([]);

    model = minutes.editDraft(model, null, "text", "Giao Sở Nội vụ chủ trì, Sở Kế hoạch phối hợp.");
    expect(minutes.pendingEdit(model, null)).toBeNull();
    model = minutes.resolveConflict(model, null, "text", shown(model, null).text);
    expect(minutes.pendingEdit(model, null)).toEqual({
      agenda_item_id: null,
      version: 2,
      text: "Giao Sở Nội vụ chủ trì, Sở Kế hoạch phối hợp.",
    });
  });

  it("keeps this device's version through newer edits from the other device, and shows the newest of theirs", () => {
    let model = loaded(section(null, 1, "Dòng một.\nDòng hai."));
    model = minutes.editDraft(model, null, "text", "Dòng một (bản A).\nDòng hai.");
    model = minutes.applySection(model, section(null, 2, "Dòng một (bản B).\nDòng hai."));
    model = minutes.applySection(model, section(null, 3, "Dòng một (bản B).\nDòng hai (sửa)."));
    const held = minutes.findSection(model, null)!;
    expect(held.version).toBe(3);
    expect(held.conflicts.text).toEqual({ mine: "Dòng một (bản A).\nDòng hai.", theirs: "Dòng một (bản B).\nDòng hai (sửa)." });
    expect(held.draft.text).toContain("Dòng hai (sửa).");
    // A join after a reconnection keeps the choice waiting.
    model = minutes.loadMinutes(model, { ...status(2), sections: [section(null, 3, "Dòng một (bản B).\nDòng hai (sửa).")], votes: [] });
    expect(minutes.conflictsOf(model, null)).toEqual(["text"]);
  });
});

describe("the minutes kept for a room opened without the network", () => {
  it("are the sections as last received, the device's unsent typing left out, and load back the same", () => {
    let model = loaded(section(null, 1, "Khai mạc."), section(5, 2, "Báo cáo.", "Thống nhất."));
    model = minutes.applySection(model, section(null, 2, "Khai mạc lúc 8 giờ."));
    model = minutes.editDraft(model, 5, "text", "Báo cáo (chưa gửi).");
    const kept = minutes.heldMinutes(model)!;
    expect(kept.sections.map((s) => [s.agenda_item_id, s.version, s.text])).toEqual([
      [null, 2, "Khai mạc lúc 8 giờ."],
      [5, 2, "Báo cáo."],
    ]);
    const reopened = minutes.loadMinutes(minutes.emptyMinutes(), kept);
    expect(shown(reopened, null).text).toBe("Khai mạc lúc 8 giờ.");
    expect(shown(reopened, 5)).toEqual({ text: "Báo cáo.", conclusion: "Thống nhất." });
    expect(reopened.status?.status).toBe("draft");
  });

  it("are nothing before the minutes exist", () => {
    expect(minutes.heldMinutes(minutes.emptyMinutes())).toBeNull();
  });
});
