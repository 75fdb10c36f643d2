// The minutes (biên bản) as one device holds them: the server's sections and status, kept current by the
// room's events, plus what the secretary typed on this device and has not had accepted yet. A section's
// edit is sent based on the version the device holds; a stale one (another device wrote first) comes back
// with the current section, into which the device merges its own typing and sends again: nothing is lost.
import type { MinutesSection, MinutesStatusPayload, MinutesVote } from "../api/minutes";

export type MinutesField = "text" | "conclusion";
export const MINUTES_FIELDS: readonly MinutesField[] = ["text", "conclusion"];

/** A section's key: its agenda item, null for the general part. */
export type SectionKey = number | null;

export interface SectionDraft {
  agendaItemId: SectionKey;
  version: number;
  /** The section's text and conclusion at `version`, as the server holds them. */
  base: Record<MinutesField, string>;
  /** What this device shows: base plus the typing not yet accepted. */
  draft: Record<MinutesField, string>;
  /** The edit on its way to the server (its fields only), null when none is. */
  sending: Partial<Record<MinutesField, string>> | null;
  updatedById: number | null;
  updatedAt: string | null;
}

export interface MinutesModel {
  status: MinutesStatusPayload | null;
  sections: SectionDraft[];
  votes: MinutesVote[];
}

export interface MinutesEdit {
  agenda_item_id: SectionKey;
  version: number;
  text?: string;
  conclusion?: string;
}

export function emptyMinutes(): MinutesModel {
  return { status: null, sections: [], votes: [] };
}

/** The edited region of `changed` against `base`: [start, end in base, end in changed]. */
function changedRegion(base: string, changed: string): [number, number, number] {
  let start = 0;
  const shortest = Math.min(base.length, changed.length);
  while (start < shortest && base[start] === changed[start]) start++;
  let endBase = base.length;
  let endChanged = changed.length;
  while (endBase > start && endChanged > start && base[endBase - 1] === changed[endChanged - 1]) {
    endBase--;
    endChanged--;
  }
  return [start, endBase, endChanged];
}

/**
 * Merge two edits of one text made from the same `base`: `mine` (this device) and `theirs` (the server's
 * current text). Edits of different passages both apply; edits of the same passage keep both versions of
 * it, theirs first, on lines of their own, so that no one's words are lost.
 */
export function mergeText(base: string, mine: string, theirs: string): string {
  if (mine === base || mine === theirs) return theirs;
  if (theirs === base) return mine;
  const [mineStart, mineEnd, mineEndChanged] = changedRegion(base, mine);
  const [theirStart, theirEnd, theirEndChanged] = changedRegion(base, theirs);
  const mineInserted = mine.slice(mineStart, mineEndChanged);
  const theirsInserted = theirs.slice(theirStart, theirEndChanged);
  // Two insertions at one place are one passage written twice: kept both, below.
  const samePoint = mineStart === mineEnd && theirStart === theirEnd && mineStart === theirStart;
  if (mineEnd <= theirStart && !samePoint) {
    return base.slice(0, mineStart) + mineInserted + base.slice(mineEnd, theirStart) + theirsInserted + base.slice(theirEnd);
  }
  if (theirEnd <= mineStart && !samePoint) {
    return base.slice(0, theirStart) + theirsInserted + base.slice(theirEnd, mineStart) + mineInserted + base.slice(mineEnd);
  }
  // The same passage changed on both sides: its span in base, as each side wrote it.
  const start = Math.min(mineStart, theirStart);
  const end = Math.max(mineEnd, theirEnd);
  const mineSpan = mine.slice(start, end + (mine.length - base.length));
  const theirSpan = theirs.slice(start, end + (theirs.length - base.length));
  if (mineSpan.includes(theirSpan)) return base.slice(0, start) + mineSpan + base.slice(end);
  if (theirSpan.includes(mineSpan)) return base.slice(0, start) + theirSpan + base.slice(end);
  const separator = theirSpan.endsWith("\n") || mineSpan.startsWith("\n") ? "" : "\n";
  return base.slice(0, start) + theirSpan + separator + mineSpan + base.slice(end);
}

function sectionFrom(section: MinutesSection): SectionDraft {
  const base = { text: section.text, conclusion: section.conclusion };
  return {
    agendaItemId: section.agenda_item_id,
    version: section.version,
    base,
    draft: { ...base },
    sending: null,
    updatedById: section.updated_by_id,
    updatedAt: section.updated_at,
  };
}

export function isDirty(section: SectionDraft): boolean {
  return MINUTES_FIELDS.some((field) => section.draft[field] !== section.base[field]);
}

/** The server's newer section merged with this device's typing (nothing sent is lost either). */
function rebase(held: SectionDraft, current: MinutesSection): SectionDraft {
  const next = sectionFrom(current);
  for (const field of MINUTES_FIELDS) {
    next.draft[field] = mergeText(held.base[field], held.draft[field], current[field]);
  }
  return next;
}

function replaceSection(model: MinutesModel, key: SectionKey, next: SectionDraft): MinutesModel {
  return { ...model, sections: model.sections.map((s) => (s.agendaItemId === key ? next : s)) };
}

export function findSection(model: MinutesModel, key: SectionKey): SectionDraft | undefined {
  return model.sections.find((s) => s.agendaItemId === key);
}

/**
 * The minutes of a join answer or of GET …/minutes: they replace the server's part. What this device typed
 * and has not had accepted stays, merged into the sections it held.
 */
export function loadMinutes(
  model: MinutesModel,
  state: (MinutesStatusPayload & { sections: MinutesSection[]; votes?: MinutesVote[] }) | null,
): MinutesModel {
  if (!state) return emptyMinutes();
  const { sections, votes, ...status } = state;
  const loaded = sections.map((section) => {
    const held = findSection(model, section.agenda_item_id);
    if (!held) return sectionFrom(section);
    if (section.version > held.version) return rebase(held, section);
    if (section.version === held.version) return { ...held, sending: null };
    return held;
  });
  const keepStatus = model.status && model.status.seq > status.seq ? model.status : status;
  return { status: keepStatus, sections: loaded, votes: votes ?? model.votes };
}

/**
 * A `minutes_section` event. Only a newer version than held applies. Our own edit coming back (the
 * fields we are sending, one version on) is taken as accepted; anyone else's is merged with our typing.
 */
export function applySection(model: MinutesModel, section: MinutesSection): MinutesModel {
  const held = findSection(model, section.agenda_item_id);
  if (!held) return model;
  if (section.version <= held.version) return model;
  const sent = held.sending;
  const ours =
    sent !== null &&
    section.version === held.version + 1 &&
    MINUTES_FIELDS.every((field) => (field in sent ? sent[field] === section[field] : held.base[field] === section[field]));
  if (ours) {
    const base = { text: section.text, conclusion: section.conclusion };
    return replaceSection(model, held.agendaItemId, {
      ...held,
      version: section.version,
      base,
      sending: null,
      updatedById: section.updated_by_id,
      updatedAt: section.updated_at,
    });
  }
  return replaceSection(model, held.agendaItemId, { ...rebase(held, section), sending: held.sending });
}

/** A `minutes_status` event: applied when newer than the status held. */
export function applyStatus(model: MinutesModel, status: MinutesStatusPayload): MinutesModel {
  if (model.status && status.seq <= model.status.seq) return model;
  return { ...model, status: { ...model.status, ...status } };
}

/** A closed vote enters the minutes by itself. */
export function applyClosedVote(model: MinutesModel, vote: MinutesVote): MinutesModel {
  if (!model.status || model.votes.some((v) => v.vote_id === vote.vote_id)) return model;
  return { ...model, votes: [...model.votes, vote] };
}

/** The secretary typed in a field of a section. */
export function editDraft(model: MinutesModel, key: SectionKey, field: MinutesField, value: string): MinutesModel {
  const held = findSection(model, key);
  if (!held) return model;
  return replaceSection(model, key, { ...held, draft: { ...held.draft, [field]: value } });
}

/** What to send for a section now (its changed fields, based on the version held); null when nothing. */
export function pendingEdit(model: MinutesModel, key: SectionKey): MinutesEdit | null {
  const held = findSection(model, key);
  if (!held || held.sending || !isDirty(held)) return null;
  const edit: MinutesEdit = { agenda_item_id: key, version: held.version };
  for (const field of MINUTES_FIELDS) {
    if (held.draft[field] !== held.base[field]) edit[field] = held.draft[field];
  }
  return edit;
}

export function markSending(model: MinutesModel, edit: MinutesEdit): MinutesModel {
  const held = findSection(model, edit.agenda_item_id);
  if (!held) return model;
  const sending: Partial<Record<MinutesField, string>> = {};
  for (const field of MINUTES_FIELDS) if (edit[field] !== undefined) sending[field] = edit[field];
  return replaceSection(model, edit.agenda_item_id, { ...held, sending });
}

/** The server accepted the edit as `version` (its own broadcast may have said so already). */
export function applyAccepted(model: MinutesModel, edit: MinutesEdit, version: number): MinutesModel {
  const held = findSection(model, edit.agenda_item_id);
  if (!held) return model;
  if (version <= held.version) return replaceSection(model, edit.agenda_item_id, { ...held, sending: null });
  const base = { ...held.base };
  for (const field of MINUTES_FIELDS) if (edit[field] !== undefined) base[field] = edit[field] as string;
  return replaceSection(model, edit.agenda_item_id, { ...held, version, base, sending: null });
}

/** The edit was refused: stale (merge into the current section, then send again) or otherwise (kept to retry). */
export function applyRefused(model: MinutesModel, edit: MinutesEdit, current?: MinutesSection): MinutesModel {
  const merged = current ? applySection(model, current) : model;
  const held = findSection(merged, edit.agenda_item_id);
  if (!held) return merged;
  return replaceSection(merged, edit.agenda_item_id, { ...held, sending: null });
}

/** Sections with typing not yet accepted (the page warns before it is left). */
export function unsaved(model: MinutesModel): SectionKey[] {
  return model.sections.filter(isDirty).map((s) => s.agendaItemId);
}

export type SendEdit = (
  edit: MinutesEdit,
) => Promise<
  | { ok: true; version: number }
  | { ok: false; error: { code: string; message: string }; section?: MinutesSection }
>;

/**
 * Sends one section's typing until the server holds it: after a stale refusal it merges and sends again
 * (a few times: each refusal means another device wrote meanwhile). Other refusals are reported and the
 * typing kept. The model lives with the caller (get/set), so events applied meanwhile are not lost.
 */
export async function saveSection(
  key: SectionKey,
  get: () => MinutesModel,
  set: (model: MinutesModel) => void,
  send: SendEdit,
  attempts = 5,
): Promise<{ ok: true } | { ok: false; code: string }> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    const edit = pendingEdit(get(), key);
    if (!edit) return { ok: true };
    set(markSending(get(), edit));
    const answer = await send(edit);
    if (answer.ok) {
      set(applyAccepted(get(), edit, answer.version));
      continue;
    }
    set(applyRefused(get(), edit, answer.error.code === "stale_version" ? answer.section : undefined));
    if (answer.error.code !== "stale_version") return { ok: false, code: answer.error.code };
  }
  return pendingEdit(get(), key) ? { ok: false, code: "stale_version" } : { ok: true };
}
