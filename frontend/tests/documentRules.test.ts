import { describe, expect, it } from "vitest";
import type { DocumentSummary } from "../src/api/documents";
import { byPressure, deadlineState, effectiveDeadline } from "../src/state/documentRules";

function doc(id: number, overrides: Partial<DocumentSummary> = {}): DocumentSummary {
  return {
    id,
    agency_id: "000.00.00.H49",
    direction: "incoming",
    status: "assigned",
    issuer_id: null,
    issuer_name: null,
    document_type: "CV",
    number: id,
    notation: "STC-NS",
    number_and_notation: `${id}/STC-NS`,
    issued_date: "2026-11-01",
    subject: `Văn bản ${id}`,
    urgency: "normal",
    confidentiality: "none",
    due_date: null,
    arrival_number: id,
    arrival_date: "2026-11-02",
    deadline: null,
    created_at: `2026-11-0${id}T01:00:00+00:00`,
    ...overrides,
  };
}

describe("deadlines", () => {
  const today = "2026-11-20";

  it("is overdue the day after the deadline, near within two days", () => {
    expect(deadlineState("2026-11-19", today)).toBe("overdue");
    expect(deadlineState("2026-11-20", today)).toBe("soon");
    expect(deadlineState("2026-11-22", today)).toBe("soon");
    expect(deadlineState("2026-11-23", today)).toBe("ok");
    expect(deadlineState(null, today)).toBeNull();
  });

  it("stops counting once the document is finished", () => {
    expect(deadlineState("2026-11-01", today, "completed")).toBeNull();
    expect(deadlineState("2026-11-01", today, "in_progress")).toBe("overdue");
  });

  it("takes the leader's deadline before the sender's due date", () => {
    expect(effectiveDeadline({ deadline: "2026-12-01", due_date: "2026-11-25" })).toBe("2026-12-01");
    expect(effectiveDeadline({ deadline: null, due_date: "2026-11-25" })).toBe("2026-11-25");
  });
});

describe("byPressure", () => {
  it("puts higher urgency first, then overdue, then the nearest deadline, then the newest", () => {
    const items = [
      doc(1),
      doc(2, { deadline: "2026-11-30" }),
      doc(3, { urgency: "flash" }),
      doc(4, { deadline: "2026-11-10" }),
      doc(5, { urgency: "urgent", deadline: "2026-12-30" }),
      doc(6),
    ];
    expect(byPressure(items, "2026-11-20").map((item) => item.id)).toEqual([3, 5, 4, 2, 6, 1]);
  });
});
