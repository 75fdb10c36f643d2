// Files picked or dropped for a document: the first is the main document, the rest attachments.

export interface Picked {
  name: string;
  size: number;
  lastModified: number;
}

const sameFile = (a: Picked, b: Picked) =>
  a.name === b.name && a.size === b.size && a.lastModified === b.lastModified;

/** Adds files, skipping ones already in the list (dropping the same file twice is common). */
export function addFiles<T extends Picked>(list: readonly T[], incoming: Iterable<T>): T[] {
  const out = [...list];
  for (const file of incoming) if (!out.some((known) => sameFile(known, file))) out.push(file);
  return out;
}

export function removeAt<T>(list: readonly T[], index: number): T[] {
  return list.filter((_, position) => position !== index);
}

/** Makes the file at index the main document. */
export function makeMain<T>(list: readonly T[], index: number): T[] {
  if (index <= 0 || index >= list.length) return [...list];
  return [list[index], ...list.slice(0, index), ...list.slice(index + 1)];
}
