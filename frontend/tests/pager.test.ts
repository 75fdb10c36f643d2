import { describe, expect, it } from "vitest";
import { createPager, type Page } from "../src/state/pager";

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe("pager", () => {
  it("appends pages until the server has no next cursor", async () => {
    const pages: Record<string, Page<number>> = {
      start: { items: [1, 2], next_cursor: "c2" },
      c2: { items: [3], next_cursor: null },
    };
    const asked: (string | null)[] = [];
    const pager = createPager<number>(async (cursor) => {
      asked.push(cursor);
      return pages[cursor ?? "start"];
    });
    await pager.restart();
    expect(pager.state.items).toEqual([1, 2]);
    expect(pager.state.done).toBe(false);
    await pager.loadMore();
    await pager.loadMore();
    expect(pager.state.items).toEqual([1, 2, 3]);
    expect(pager.state.done).toBe(true);
    expect(asked).toEqual([null, "c2"]);
  });

  it("asks once when 'load more' is pressed twice while a page is on its way", async () => {
    const pending = deferred<Page<number>>();
    let calls = 0;
    const pager = createPager<number>(() => {
      calls += 1;
      return pending.promise;
    });
    const first = pager.loadMore();
    const second = pager.loadMore();
    pending.resolve({ items: [1], next_cursor: null });
    await Promise.all([first, second]);
    expect(calls).toBe(1);
    expect(pager.state.items).toEqual([1]);
  });

  it("drops a page of the previous filter that arrives after a new search started", async () => {
    const old = deferred<Page<string>>();
    const pager = createPager<string>(() => old.promise);
    const stale = pager.loadMore();
    const fresh = pager.restart(async () => ({ items: ["new"], next_cursor: null }));
    old.resolve({ items: ["old"], next_cursor: "x" });
    await Promise.all([stale, fresh]);
    expect(pager.state.items).toEqual(["new"]);
    expect(pager.state.done).toBe(true);
  });

  it("keeps the error and the items so far, and tries the same page again", async () => {
    let fail = true;
    const pager = createPager<number>(async (cursor) => {
      if (cursor === "c2" && fail) throw new Error("offline");
      return cursor ? { items: [2], next_cursor: null } : { items: [1], next_cursor: "c2" };
    });
    await pager.restart();
    await pager.loadMore();
    expect(pager.state.error).toBeInstanceOf(Error);
    expect(pager.state.items).toEqual([1]);
    fail = false;
    await pager.loadMore();
    expect(pager.state.error).toBeNull();
    expect(pager.state.items).toEqual([1, 2]);
  });

  it("replaces or drops one item after an action", async () => {
    const pager = createPager<{ id: number; s: string }>(async () => ({
      items: [
        { id: 1, s: "a" },
        { id: 2, s: "b" },
      ],
      next_cursor: null,
    }));
    await pager.restart();
    pager.update((item) => item.id === 1, { id: 1, s: "changed" });
    pager.update((item) => item.id === 2, null);
    expect(pager.state.items).toEqual([{ id: 1, s: "changed" }]);
  });
});
