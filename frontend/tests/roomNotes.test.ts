// Private notes per page in the live room, including those waiting in the offline outbox.
import { describe, expect, it } from "vitest";
import type { Annotation } from "../src/api/room";
import * as room from "../src/state/room";
import { ME, joined } from "./roomFixtures";

describe("private notes per page", () => {
  let nextId = 1;
  const annotation = (author: number, page: number, text: string, shared = false): Annotation => ({
    meeting_id: 1, id: nextId++, document_id: 10, page, author_id: author, shared, data: { kind: "note", text }, created_at: null,
  });

  it("shows only my latest note of each page", () => {
    let model = joined({ annotations: [annotation(ME, 2, "first"), annotation(9, 2, "someone else's")] });
    model = room.applyAnnotation(model, annotation(ME, 2, "second"));
    model = room.applyAnnotation(model, annotation(ME, 3, "page three"));
    model = room.applyAnnotation(model, annotation(2, 4, "shared by the presenter", true));
    expect(room.myNote(model, ME, { documentId: 10, page: 2 })).toBe("second");
    expect(room.myNote(model, ME, { documentId: 10, page: 3 })).toBe("page three");
    expect(room.myNote(model, ME, { documentId: 10, page: 4 })).toBe("");
    expect(room.myNote(model, 9, { documentId: 10, page: 2 })).toBe("someone else's");
    expect(room.pagesWithNotes(model, ME, 10)).toEqual([2, 3]);
  });

  it("an emptied note no longer lists its page, and an annotation seen twice counts once", () => {
    const a = annotation(ME, 2, "x");
    let model = room.applyAnnotation(room.applyAnnotation(joined(), a), a);
    expect(model.annotations).toHaveLength(1);
    model = room.applyAnnotation(model, annotation(ME, 2, ""));
    expect(room.pagesWithNotes(model, ME, 10)).toEqual([]);
  });

  it("a note waiting in the outbox shows at once and gives way to the server's copy, never the reverse", () => {
    const waiting = { ...annotation(ME, 2, "ghi khi mất mạng"), id: -1, client_id: "c0ffee00-0000-4000-8000-000000000001" };
    const stored = { ...waiting, id: 41 };
    let model = room.applyAnnotation(joined(), waiting);
    expect(room.myNote(model, ME, { documentId: 10, page: 2 })).toBe("ghi khi mất mạng");
    model = room.applyAnnotation(model, stored);
    expect(model.annotations.map((a) => a.id)).toEqual([41]);
    // After a join the waiting copy is laid over the server's state again: it does not come back.
    model = room.applyAnnotation(model, waiting);
    expect(model.annotations.map((a) => a.id)).toEqual([41]);
  });

  it("a deleted annotation leaves the page, the others stay", () => {
    const kept = annotation(ME, 2, "kept");
    const gone = annotation(ME, 3, "deleted on my other tablet");
    const model = room.applyAnnotationDeleted(joined({ annotations: [kept, gone] }), { id: gone.id });
    expect(model.annotations).toEqual([kept]);
    expect(room.pagesWithNotes(model, ME, 10)).toEqual([2]);
  });
});
