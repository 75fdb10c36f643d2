// Rules of the records screens that need no server: what a handled document is, how a retention reads,
// and when a change asks for the archivist's reason. What the caller may do comes from allowed_actions.
import type { Status } from "../api/documents";
import type { CaseFileStatus } from "../api/records";

/** The states in which a document is filed (eoffice/records/operations/case_files.py FILEABLE). */
export const FILEABLE: readonly Status[] = ["completed", "issued", "recalled", "replaced"];

export function isFileable(status: Status): boolean {
  return FILEABLE.includes(status);
}

/** Closed and proposed case files change only by an archivist, who says why. */
export function needsReason(status: CaseFileStatus): boolean {
  return status === "closed" || status === "proposed";
}

/** "10" years, or null for permanently, as the server takes `retention_years`. */
export function parseRetention(value: string): number | null | undefined {
  const text = value.trim();
  if (text === "" || text === "permanent") return null;
  const years = Number(text);
  return Number.isInteger(years) && years >= 1 && years <= 100 ? years : undefined;
}

export function currentYear(today: string): number {
  return Number(today.slice(0, 4));
}
