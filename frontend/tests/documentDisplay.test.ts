import { describe, expect, it } from "vitest";
import type { DocumentRecipient, TraceEntry } from "../src/api/documents";
import { recipientName, recipientStatus, traceTitle, tracePercent } from "../src/state/documentDisplay";

const entry = (action: string, details: Record<string, unknown> = {}): TraceEntry => ({
  actor_id: 1,
  actor_name: "Nguyễn Thị Hoa",
  action,
  note: null,
  details,
  created_at: "2026-12-01T02:00:00+00:00",
});

const recipient = (over: Partial<DocumentRecipient>): DocumentRecipient => ({
  id: 1,
  kind: "external",
  unit_id: null,
  unit_name: null,
  user_id: null,
  user_name: null,
  agency_id: "000.00.01.H49",
  agency_name: "Sở Nội vụ tỉnh Quảng Nam",
  delivery_status: "sent",
  ...over,
});

describe("document history", () => {
  it("names the leader a document was submitted to", () => {
    expect(traceTitle(entry("submit_for_direction", { leader_id: 3, leader_name: "Trần Văn Minh" }))).toBe(
      "Trình lãnh đạo: Trần Văn Minh",
    );
    expect(traceTitle(entry("register"))).toBe("Vào sổ");
  });

  it("shows the progress percentage a step recorded", () => {
    expect(tracePercent(entry("record_progress", { percent: 60 }))).toBe(60);
    expect(tracePercent(entry("record_progress", { percent: 0 }))).toBe(0);
    expect(tracePercent(entry("record_progress"))).toBeNull();
  });
});

describe("recipients", () => {
  it("says how far the delivery went and what the other agency reported", () => {
    expect(recipientStatus(recipient({ delivery_status: "queued" }))).toBe("Đang chờ gửi");
    expect(recipientStatus(recipient({ delivery_status: "failed" }))).toBe("Gửi lỗi");
    expect(recipientStatus(recipient({ status_code: "03" }))).toBe("Đã gửi lên trục · 03 Đã tiếp nhận");
    expect(recipientStatus(recipient({ status_code: "99" }))).toBe("Đã gửi lên trục · Mã trạng thái 99");
    expect(recipientStatus(recipient({ kind: "unit", unit_name: "Phòng Kinh tế", delivery_status: "delivered" }))).toBe(
      "Đã chuyển",
    );
  });

  it("names a person, a unit or another agency", () => {
    expect(recipientName(recipient({}))).toBe("Sở Nội vụ tỉnh Quảng Nam");
    expect(recipientName(recipient({ kind: "unit", unit_name: "Phòng Kinh tế", agency_name: null }))).toBe("Phòng Kinh tế");
  });
});
