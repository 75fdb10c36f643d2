// Keyset pages of a list: "load more" appends the next page; a new filter starts over.
import { reactive } from "vue";

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export type PageFetcher<T> = (cursor: string | null) => Promise<Page<T>>;

export interface PagerState<T> {
  items: T[];
  loading: boolean;
  done: boolean;
  error: unknown;
}

export function createPager<T>(initialFetcher: PageFetcher<T>) {
  const state = reactive({ items: [], loading: false, done: false, error: null }) as PagerState<T>;
  let fetcher = initialFetcher;
  let cursor: string | null = null;
  // A page that arrives after the list was restarted belongs to the old filter: it is dropped.
  let generation = 0;

  async function loadMore(): Promise<void> {
    if (state.loading || state.done) return;
    const mine = generation;
    state.loading = true;
    state.error = null;
    try {
      const page = await fetcher(cursor);
      if (mine !== generation) return;
      state.items.push(...page.items);
      cursor = page.next_cursor;
      state.done = !page.next_cursor;
    } catch (error) {
      if (mine === generation) state.error = error;
    } finally {
      if (mine === generation) state.loading = false;
    }
  }

  function restart(next?: PageFetcher<T>): Promise<void> {
    generation += 1;
    if (next) fetcher = next;
    cursor = null;
    state.items = [];
    state.done = false;
    state.error = null;
    state.loading = false;
    return loadMore();
  }

  /** Replace one item in place (after an action changed it), or drop it when it no longer belongs. */
  function update(match: (item: T) => boolean, replacement: T | null): void {
    const index = state.items.findIndex(match);
    if (index < 0) return;
    if (replacement === null) state.items.splice(index, 1);
    else state.items.splice(index, 1, replacement);
  }

  return { state, loadMore, restart, update };
}

export type Pager<T> = ReturnType<typeof createPager<T>>;
