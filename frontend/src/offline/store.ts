// Where the device keeps what it holds for offline use: a few named key-value stores, in IndexedDB in the
// browser and in memory in unit tests (the same interface, so the code above it is tested as it runs).

export type StoreName = "keys" | "books" | "documents" | "chunks" | "outbox";
export const STORE_NAMES: StoreName[] = ["keys", "books", "documents", "chunks", "outbox"];

export interface OfflineStore {
  get<T>(store: StoreName, key: string): Promise<T | undefined>;
  put(store: StoreName, key: string, value: unknown): Promise<void>;
  /** Stores the value only when the key is free; whether it did (two tabs creating the same thing). */
  add(store: StoreName, key: string, value: unknown): Promise<boolean>;
  delete(store: StoreName, key: string): Promise<void>;
  /** The entries whose key starts with prefix, in key order. */
  entries<T>(store: StoreName, prefix?: string): Promise<[string, T][]>;
  deletePrefix(store: StoreName, prefix: string): Promise<void>;
  /** Everything gone, the database itself too. */
  destroy(): Promise<void>;
}

const UPPER = "\uffff";

export function memoryStore(): OfflineStore & { size(store: StoreName): number } {
  const maps = new Map<StoreName, Map<string, unknown>>(STORE_NAMES.map((name) => [name, new Map()]));
  const map = (name: StoreName) => maps.get(name) as Map<string, unknown>;
  // Values are copied in and out, as IndexedDB's structured clone does: nobody keeps a live reference.
  const copy = <T>(value: T): T => (value instanceof CryptoKey ? value : structuredClone(value));
  return {
    async get<T>(store: StoreName, key: string) {
      const value = map(store).get(key);
      return value === undefined ? undefined : copy(value as T);
    },
    async put(store, key, value) {
      map(store).set(key, copy(value));
    },
    async add(store, key, value) {
      if (map(store).has(key)) return false;
      map(store).set(key, copy(value));
      return true;
    },
    async delete(store, key) {
      map(store).delete(key);
    },
    async entries<T>(store: StoreName, prefix = "") {
      return [...map(store).entries()]
        .filter(([key]) => key.startsWith(prefix))
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([key, value]) => [key, copy(value as T)] as [string, T]);
    },
    async deletePrefix(store, prefix) {
      for (const key of [...map(store).keys()]) if (key.startsWith(prefix)) map(store).delete(key);
    },
    async destroy() {
      maps.forEach((inner) => inner.clear());
    },
    size: (store) => map(store).size,
  };
}

export const DB_NAME = "eoffice-offline";
const DB_VERSION = 1;

function done<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/** The browser's store: one IndexedDB database, one object store per name, keys out of line. */
export function indexedDbStore(factory: IDBFactory = indexedDB, name = DB_NAME): OfflineStore {
  let opening: Promise<IDBDatabase> | null = null;
  const open = () => {
    opening ??= new Promise<IDBDatabase>((resolve, reject) => {
      const request = factory.open(name, DB_VERSION);
      request.onupgradeneeded = () => {
        for (const store of STORE_NAMES) {
          if (!request.result.objectStoreNames.contains(store)) request.result.createObjectStore(store);
        }
      };
      request.onsuccess = () => {
        const db = request.result;
        // Another tab erasing the device (a revoked device, a logout) must not wait for this one.
        db.onversionchange = () => {
          db.close();
          opening = null;
        };
        resolve(db);
      };
      request.onerror = () => {
        opening = null;
        reject(request.error);
      };
    });
    return opening;
  };
  const run = async <T>(store: StoreName, mode: IDBTransactionMode, act: (s: IDBObjectStore) => IDBRequest<T>) => {
    const db = await open();
    const tx = db.transaction(store, mode);
    const result = done(act(tx.objectStore(store)));
    await new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onabort = tx.onerror = () => reject(tx.error);
    });
    return result;
  };
  const range = (prefix: string) => (prefix ? IDBKeyRange.bound(prefix, prefix + UPPER) : undefined);
  return {
    get: <T>(store: StoreName, key: string) => run(store, "readonly", (s) => s.get(key)) as Promise<T | undefined>,
    put: async (store, key, value) => {
      await run(store, "readwrite", (s) => s.put(value, key));
    },
    add: async (store, key, value) => {
      try {
        await run(store, "readwrite", (s) => s.add(value, key));
        return true;
      } catch (error) {
        if ((error as DOMException)?.name === "ConstraintError") return false;
        throw error;
      }
    },
    delete: async (store, key) => {
      await run(store, "readwrite", (s) => s.delete(key));
    },
    entries: async <T>(store: StoreName, prefix = "") => {
      // One transaction for keys and values, so that they match even while another tab writes.
      const db = await open();
      const tx = db.transaction(store, "readonly");
      const keys = done(tx.objectStore(store).getAllKeys(range(prefix)));
      const values = done(tx.objectStore(store).getAll(range(prefix)));
      const [k, v] = await Promise.all([keys, values]);
      return k.map((key, index) => [String(key), v[index] as T] as [string, T]);
    },
    deletePrefix: async (store, prefix) => {
      await run(store, "readwrite", (s) => s.delete(range(prefix) as IDBKeyRange));
    },
    destroy: async () => {
      const db = await opening?.catch(() => null);
      db?.close();
      opening = null;
      await new Promise<void>((resolve, reject) => {
        const request = factory.deleteDatabase(name);
        request.onsuccess = () => resolve();
        request.onerror = () => reject(request.error);
        // Blocked: other tabs close on versionchange, then the deletion proceeds and succeeds.
      });
    },
  };
}
