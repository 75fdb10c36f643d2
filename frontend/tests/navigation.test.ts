import { describe, expect, it } from "vitest";
import { mayOpen, navigationFor, type NavItem } from "../src/state/navigation";

const items: NavItem[] = [
  { name: "home", path: "/", label: "nav.home", roles: [] },
  { name: "register", path: "/r", label: "nav.register", roles: ["clerk"] },
  { name: "inbox", path: "/i", label: "nav.inbox", roles: ["leader"] },
];

describe("navigation", () => {
  it("shows each role its own screens and the shared ones", () => {
    expect(navigationFor(["clerk"], items).map((item) => item.name)).toEqual(["home", "register"]);
    expect(navigationFor(["leader", "clerk"], items).map((item) => item.name)).toEqual(["home", "register", "inbox"]);
    expect(navigationFor([], items).map((item) => item.name)).toEqual(["home"]);
  });

  it("lets a route without roles open for anyone logged in", () => {
    expect(mayOpen(["specialist"], undefined)).toBe(true);
    expect(mayOpen(["specialist"], ["clerk"])).toBe(false);
  });
});
