// The "Chứng thư số" screen's rules: whose certificates come first and when a certificate needs renewing.
import type { Person } from "../api/accounts";

/** Days before the end of validity from which a certificate is shown as about to expire. */
export const EXPIRY_WARNING_DAYS = 30;
const DAY_MS = 86_400_000;

export type ExpiryState = "valid" | "expiring" | "expired";

export function expiryState(validTo: string, now: Date = new Date()): ExpiryState {
  const left = new Date(validTo).getTime() - now.getTime();
  if (left <= 0) return "expired";
  return left <= EXPIRY_WARNING_DAYS * DAY_MS ? "expiring" : "valid";
}

/** Leaders first (they sign most), then everyone else; by name within each group. */
export function certificateHolders(people: readonly Person[]): Person[] {
  const rank = (person: Person) => (person.roles.includes("leader") ? 0 : 1);
  return [...people].sort((a, b) => rank(a) - rank(b) || a.full_name.localeCompare(b.full_name, "vi"));
}
