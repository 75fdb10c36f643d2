// How a document's page words its history and its recipients: the leader a step named, the progress
// percentage, and each recipient's delivery with the other agency's own status (edXML 01–06, 13, 15, 16).
import type { DocumentRecipient, TraceEntry } from "../api/documents";
import { t, type MessageKey } from "../i18n";
import { catalogues } from "../i18n/translate";

function known(key: string): key is MessageKey {
  return key in catalogues.vi;
}

/** "Trình lãnh đạo: Trần Văn Minh" when the step named a leader; otherwise the action's own name. */
export function traceTitle(entry: TraceEntry): string {
  const action = known(`action.${entry.action}`) ? t(`action.${entry.action}` as MessageKey) : entry.action;
  const leader = entry.details?.leader_name;
  return typeof leader === "string" && leader ? t("trace.toLeader", { action, name: leader }) : action;
}

/** The completion percentage a progress step recorded, if any. */
export function tracePercent(entry: TraceEntry): number | null {
  const percent = entry.details?.percent;
  return typeof percent === "number" ? percent : null;
}

export function recipientName(recipient: DocumentRecipient): string {
  return recipient.user_name ?? recipient.unit_name ?? recipient.agency_name ?? recipient.agency_id ?? "";
}

/** The delivery (queued/sent/failed to another agency, delivered inside) and, once it reported, its status. */
export function recipientStatus(recipient: DocumentRecipient): string {
  const delivery = known(`delivery.${recipient.delivery_status}`)
    ? t(`delivery.${recipient.delivery_status}` as MessageKey)
    : recipient.delivery_status;
  const code = recipient.status_code;
  if (!code) return delivery;
  const reported = known(`axisStatus.${code}`)
    ? `${code} ${t(`axisStatus.${code}` as MessageKey)}`
    : t("axisStatus.other", { code });
  return `${delivery} · ${reported}`;
}
