// Test doubles for the API client: an in-memory token store, a shared lock, a scripted fetch.
import type { SharedLock, StoredTokens, TokenStore } from "../src/api/tokens";

export function memoryStore(initial: StoredTokens | null = null): TokenStore & { tokens: StoredTokens | null } {
  const store = {
    tokens: initial,
    load: () => store.tokens,
    save: (tokens: StoredTokens | null) => {
      store.tokens = tokens;
    },
  };
  return store;
}

/** A lock shared by every client given it, like navigator.locks across tabs. */
export function sharedLock(): SharedLock {
  let tail: Promise<unknown> = Promise.resolve();
  return (fn) => {
    const run = tail.then(() => fn());
    tail = run.catch(() => undefined);
    return run;
  };
}

export interface Call {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
}

type Handler = (call: Call) => Response | Promise<Response>;

export function json(status: number, body: unknown): Response {
  return new Response(status === 204 ? null : JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json" },
  });
}

export function scriptedFetch(handler: Handler) {
  const calls: Call[] = [];
  const fetchFn = async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const body = typeof init.body === "string" ? JSON.parse(init.body) : init.body;
    const call = {
      method: init.method ?? "GET",
      url: String(input),
      headers: (init.headers ?? {}) as Record<string, string>,
      body,
    };
    calls.push(call);
    // Let concurrent callers interleave as real network calls would.
    await new Promise((resolve) => setTimeout(resolve, 1));
    return handler(call);
  };
  return { fetch: fetchFn as typeof fetch, calls };
}
