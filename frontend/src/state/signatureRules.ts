// What a validated signature means to a reader: green, amber or red, and why, in words.
//
// Green: intact, trusted, not revoked, and nothing changed after signing but what the flow allows —
// filling reserved fields (number, issue date) and further signatures ("form_filling").
// Amber: the signed content is intact but something cannot be vouched for: the certificate does not
// chain to a trusted authority, its revocation status could not be checked, annotations were added
// after signing (they leave the signed content alone but can cover it up on screen), or the
// signature does not cover the whole file with nothing to explain the rest.
// Red: the signature is broken, the file was modified in a way not allowed after signing, or the
// certificate is revoked.
import type { Signature } from "../api/signatures";
import { translate, type Locale, type MessageKey } from "../i18n/translate";

export type SignatureLevel = "green" | "amber" | "red";

export interface SignatureReason {
  level: SignatureLevel;
  text: string;
}

export interface SignatureAssessment {
  level: SignatureLevel;
  /** The worst first; a green signature says what makes it good. */
  reasons: SignatureReason[];
}

const RANK: Record<SignatureLevel, number> = { green: 0, amber: 1, red: 2 };

type Check = Pick<Signature, "intact" | "modification" | "trusted" | "revocation" | "covers_whole_document">;

function findings(signature: Check): [SignatureLevel, MessageKey][] {
  const found: [SignatureLevel, MessageKey][] = [];
  if (!signature.intact) found.push(["red", "signature.reason.broken"]);
  if (signature.modification === "other") found.push(["red", "signature.reason.changed"]);
  if (signature.revocation === "revoked") found.push(["red", "signature.reason.revoked"]);
  // A broken signature vouches for nothing: the server reports its certificate as untrusted and its
  // revocation as unknown because it could not get that far, and saying so would blur why it is red.
  if (!signature.intact) return found;
  // A revoked certificate is untrusted too (the server's `trusted`); saying so twice would blur why.
  if (!signature.trusted && signature.revocation !== "revoked") found.push(["amber", "signature.reason.untrusted"]);
  if (signature.revocation === "unknown") found.push(["amber", "signature.reason.revocationUnknown"]);
  if (signature.modification === "annotations") found.push(["amber", "signature.reason.annotations"]);
  if (signature.modification === "form_filling") found.push(["green", "signature.reason.formFilling"]);
  if (!signature.covers_whole_document) {
    // Later revisions explain the uncovered part when there are any; with none, nothing does.
    found.push(
      signature.modification === "none"
        ? ["amber", "signature.reason.partial"]
        : ["green", "signature.reason.laterRevisions"],
    );
  }
  return found;
}

export function assessSignature(signature: Check, locale: Locale = "vi"): SignatureAssessment {
  const found = findings(signature);
  const level = found.reduce<SignatureLevel>((worst, [next]) => (RANK[next] > RANK[worst] ? next : worst), "green");
  if (level === "green") found.unshift(["green", "signature.reason.good"]);
  // Worst first (sort is stable: within a level, the order above).
  found.sort(([a], [b]) => RANK[b] - RANK[a]);
  return { level, reasons: found.map(([reasonLevel, key]) => ({ level: reasonLevel, text: translate(locale, key) })) };
}

/** Where a signature's time comes from, in words, or null when it names no time. */
export function signedAtSourceKey(source: Signature["signed_at_source"]): MessageKey | null {
  if (source === "timestamp") return "signature.source.timestamp";
  if (source === "claimed") return "signature.source.claimed";
  return null;
}
