import { describe, expect, it } from "vitest";
import type { Person } from "../src/api/accounts";
import { certificateHolders, expiryState } from "../src/state/certificates";

const person = (id: number, full_name: string, roles: Person["roles"]): Person => ({
  id,
  full_name,
  agency_id: "000.00.01.H43",
  unit_id: null,
  unit_name: null,
  roles,
});

describe("certificate expiry", () => {
  const now = new Date("2026-12-02T00:00:00Z");

  it("is expiring from 30 days before the end of validity, expired once it has passed", () => {
    expect(expiryState("2027-01-02T00:00:00+00:00", now)).toBe("valid");
    expect(expiryState("2027-01-01T00:00:00+00:00", now)).toBe("expiring");
    expect(expiryState("2026-12-02T00:00:01+00:00", now)).toBe("expiring");
    expect(expiryState("2026-12-02T00:00:00+00:00", now)).toBe("expired");
    expect(expiryState("2025-06-30T00:00:00+00:00", now)).toBe("expired");
  });
});

describe("certificate holders", () => {
  it("lists the leaders first, then the others, by name within each", () => {
    const people = [
      person(1, "Nguyễn Văn An", ["specialist"]),
      person(2, "Trần Thị Bích", ["leader"]),
      person(3, "Lê Văn Cường", ["clerk", "admin"]),
      person(4, "Đặng Minh Đức", ["leader", "admin"]),
    ];
    expect(certificateHolders(people).map((p) => p.id)).toEqual([4, 2, 3, 1]);
    expect(people.map((p) => p.id)).toEqual([1, 2, 3, 4]);
  });
});
