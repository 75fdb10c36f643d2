// The session's tokens: where they are kept between page loads, and the lock that lets one tab renew them.

export interface TokenPair {
  access_token: string;
  refresh_token: string;
  expires_in: number;
}

export interface StoredTokens {
  accessToken: string;
  refreshToken: string;
  /** Epoch milliseconds after which the access token is no longer accepted. */
  accessExpiresAt: number;
}

/** Where the tokens live between page loads (localStorage in the browser, a variable in tests). */
export interface TokenStore {
  load(): StoredTokens | null;
  save(tokens: StoredTokens | null): void;
}

/** Runs fn while holding a lock shared by every tab of the site (navigator.locks in the browser). */
export type SharedLock = <T>(fn: () => Promise<T>) => Promise<T>;

export function toStored(pair: TokenPair, now: number): StoredTokens {
  return {
    accessToken: pair.access_token,
    refreshToken: pair.refresh_token,
    accessExpiresAt: now + pair.expires_in * 1000,
  };
}

export function localStorageStore(storage: Storage, key = "eoffice.session"): TokenStore {
  return {
    load() {
      const raw = storage.getItem(key);
      if (!raw) return null;
      try {
        const parsed = JSON.parse(raw) as StoredTokens;
        return parsed.accessToken && parsed.refreshToken ? parsed : null;
      } catch {
        return null;
      }
    },
    save(tokens) {
      if (tokens) storage.setItem(key, JSON.stringify(tokens));
      else storage.removeItem(key);
    },
  };
}

/**
 * navigator.locks where the browser has it. It exists only in secure contexts (HTTPS, localhost):
 * an intranet server on plain HTTP gets a lease kept in localStorage instead.
 */
export function browserLock(name = "eoffice-token-refresh"): SharedLock {
  const locks = (globalThis.navigator as Navigator | undefined)?.locks;
  if (locks) return (fn) => locks.request(name, fn) as ReturnType<typeof fn>;
  return storageLock(globalThis.localStorage, name);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A lock shared by the tabs through a lease in storage: write a claim, wait for other tabs' writes
 * to land, and hold it only if the claim is still ours. A lease expires, so a tab closed while
 * holding it does not block the others for long.
 */
export function storageLock(
  storage: Storage,
  key: string,
  { leaseMs = 10_000, settleMs = 50, pollMs = 100, now = () => Date.now() } = {},
): SharedLock {
  let tail: Promise<unknown> = Promise.resolve();
  const read = (): { id: string; until: number } | null => {
    try {
      return JSON.parse(storage.getItem(key) ?? "null");
    } catch {
      return null;
    }
  };
  const acquire = async (id: string) => {
    for (;;) {
      const held = read();
      if (!held || held.until < now()) {
        storage.setItem(key, JSON.stringify({ id, until: now() + leaseMs }));
        await sleep(settleMs);
        if (read()?.id === id) return;
      } else {
        await sleep(pollMs);
      }
    }
  };
  return (fn) => {
    const run = tail.then(async () => {
      const id = `${now()}-${Math.random()}`;
      await acquire(id);
      try {
        return await fn();
      } finally {
        if (read()?.id === id) storage.removeItem(key);
      }
    });
    tail = run.catch(() => undefined);
    return run;
  };
}
