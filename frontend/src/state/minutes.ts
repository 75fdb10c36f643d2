// The minutes (biên bản) as one device holds them: the server's sections and status, kept current by the
// room's events, plus what the secretary typed on this device and has not had accepted yet. A section's
// edit is sent based on the version the device holds; a stale one (another device wrote first) comes back
// with the current section, into which the device merges its own typing and sends again. Edits of
// different passages merge by themselves; when both devices changed the same passage, the field waits for
// this device's user, who sees both versions and chooses or edits: nothing is lost, nothing is guessed.
import type { MinutesSection, MinutesStatusPayload, MinutesVote } from "../api/minutes";
import type { RoomMinutes } from "../api/room";

export type MinutesField = "text" | "conclusion";
export const MINUTES_FIELDS: readonly MinutesField[] = ["text", "conclusion"];

/** A section's key: its agenda item, null for the general part. */
export type SectionKey = number | null;

/** One field that both this device and another changed in the same passage: both versions, whole. */
export interface Conflict {
  /** What this device had typed. */
  mine: string;
  /** What the server holds now (the other device's). */
  theirs: string;
}

export interface SectionDraft {
  agendaItemId: SectionKey;
  version: number;
  /** The section's text and conclusion at `version`, as the server holds them. */
  base: Record<MinutesField, string>;
  /** What this device shows: base plus the typing not yet accepted. */
  draft: Record<MinutesField, string>;
  /** The edit on its way to the server (its fields only), null when none is. */
  sending: Partial<Record<MinutesField, string>> | null;
  /** Fields waiting for the user's choice between two versions; never sent while they wait. */
  conflicts: Partial<Record<MinutesField, Conflict>>;
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

export interface Merged {
  text: string;
  /** Both changed the same passage: `text` then proposes both versions of its lines, theirs first. */
  conflict: boolean;
}

/**
 * Merge two edits of one text made from the same `base`: `mine` (this device) and `theirs` (the server's
 * current text). Edits of different passages (unchanged text between them) both apply. When the same
 * passage changed on both sides (one version holding the other is no conflict: the longer one stands), it
 * is a conflict for the user to settle; the text proposed keeps both versions of the lines it touches,
 * theirs first.
 */
export function mergeText(base: string, mine: string, theirs: string): Merged {
  const clean = (text: string): Merged => ({ text, conflict: false });
  if (mine === base || mine === theirs) return clean(theirs);
  if (theirs === base) return clean(mine);
  const [mineStart, mineEnd, mineEndChanged] = changedRegion(base, mine);
  const [theirStart, theirEnd, theirEndChanged] = changedRegion(base, theirs);
  const mineInserted = mine.slice(mineStart, mineEndChanged);
  const theirsInserted = theirs.slice(theirStart, theirEndChanged);
  // Edits that overlap or touch are one passage changed twice ("2" made "2,5" here and "3" there): only
  // edits with unchanged text between them merge.
  if (mineEnd < theirStart) {
    return clean(base.slice(0, mineStart) + mineInserted + base.slice(mineEnd, theirStart) + theirsInserted + base.slice(theirEnd));
  }
  if (theirEnd < mineStart) {
    return clean(base.slice(0, theirStart) + theirsInserted + base.slice(theirEnd, mineStart) + mineInserted + base.slice(mineEnd));
  }
  // The same passage changed on both sides: the lines of base it touches, as each side wrote them.
  const start = base.lastIndexOf("\n", Math.min(mineStart, theirStart) - 1) + 1;
  const after = base.indexOf("\n", Math.max(mineEnd, theirEnd));
  const end = after < 0 ? base.length : after;
  const mineSpan = mine.slice(start, end + (mine.length - base.length));
  const theirSpan = theirs.slice(start, end + (theirs.length - base.length));
  if (mineSpan.includes(theirSpan)) return clean(base.slice(0, start) + mineSpan + base.slice(end));
  if (theirSpan.includes(mineSpan)) return clean(base.slice(0, start) + theirSpan + base.slice(end));
  return { text: base.slice(0, start) + theirSpan + "\n" + mineSpan + base.slice(end), conflict: true };
}

/** Where two versions of a field differ, for showing both: [before, passage, after] of each. */
export function conflictPassages(conflict: Conflict): Record<"mine" | "theirs", [string, string, string]> {
  const [start, endTheirs, endMine] = changedRegion(conflict.theirs, conflict.mine);
  const split = (text: string, end: number): [string, string, string] => [text.slice(0, start), text.slice(start, end), text.slice(end)];
  return { mine: split(conflict.mine, endMine), theirs: split(conflict.theirs, endTheirs) };
}

function sectionFrom(section: MinutesSection): SectionDraft {
  const base = { text: section.text, conclusion: section.conclusion };
  return {
    agendaItemId: section.agenda_item_id,
    version: section.version,
    base,
    draft: { ...base },
    sending: null,
    conflicts: {},
    updatedById: section.updated_by_id,
    updatedAt: section.updated_at,
  };
}

export function isDirty(section: SectionDraft): boolean {
  return MINUTES_FIELDS.some((field) => section.draft[field] !== section.base[field] || field in section.conflicts);
}

/**
 * The server's newer section merged with this device's typing (nothing sent is lost either). A field
 * already waiting for the user's choice keeps what this device had typed, and shows the newest of theirs.
 */
function rebase(held: SectionDraft, current: MinutesSection): SectionDraft {
  const next = sectionFrom(current);
  for (const field of MINUTES_FIELDS) {
    const merged = mergeText(held.base[field], held.draft[field], current[field]);
    next.draft[field] = merged.text;
    const waiting = held.conflicts[field];
    if (waiting) next.conflicts[field] = { mine: waiting.mine, theirs: current[field] };
    else if (merged.conflict) next.conflicts[field] = { mine: held.draft[field], theirs: current[field] };
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

/** The minutes as the server last gave them to this device (its typing left out): what the room keeps for
 * a start without the network, in the shape `loadMinutes` takes. */
export function heldMinutes(model: MinutesModel): RoomMinutes | null {
  if (!model.status) return null;
  const sections = model.sections.map((section) => ({
    agenda_item_id: section.agendaItemId,
    text: section.base.text,
    conclusion: section.base.conclusion,
    version: section.version,
    updated_by_id: section.updatedById,
    updated_at: section.updatedAt,
  }));
  return { ...model.status, sections, votes: model.votes };
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

/** The user settled a conflict with this text (their version, the other, or one edited from both). */
export function resolveConflict(model: MinutesModel, key: SectionKey, field: MinutesField, text: string): MinutesModel {
  const held = findSection(model, key);
  if (!held || !held.conflicts[field]) return model;
  const conflicts = { ...held.conflicts };
  delete conflicts[field];
  return replaceSection(model, key, { ...held, draft: { ...held.draft, [field]: text }, conflicts });
}

/** Fields of a section waiting for the user's choice. */
export function conflictsOf(model: MinutesModel, key: SectionKey): MinutesField[] {
  const held = findSection(model, key);
  return held ? MINUTES_FIELDS.filter((field) => field in held.conflicts) : [];
}

/**
 * What to send for a section now (its changed fields, based on the version held); null when nothing. A
 * field waiting for the user's choice is not sent.
 */
export function pendingEdit(model: MinutesModel, key: SectionKey): MinutesEdit | null {
  const held = findSection(model, key);
  if (!held || held.sending) return null;
  const edit: MinutesEdit = { agenda_item_id: key, version: held.version };
  for (const field of MINUTES_FIELDS) {
    if (held.draft[field] !== held.base[field] && !(field in held.conflicts)) edit[field] = held.draft[field];
  }
  return MINUTES_FIELDS.some((field) => field in edit) ? edit : null;
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
 * typing kept. A field that the merge found changed in the same passage on both sides waits for the user
 * (conflictsOf); the section's other fields are sent. The model lives with the caller (get/set), so events
 * applied meanwhile are not lost.
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
