import { describe, expect, it, vi } from "vitest";
import { ApiClient, buildUrl } from "../src/api/client";
import { ApiError, SessionEnded, flattenFieldErrors } from "../src/api/errors";
import { storageLock, type StoredTokens } from "../src/api/tokens";
import { json, memoryStore, scriptedFetch, sharedLock } from "./fakes";

const NOW = 1_800_000_000_000;

function tokens(access: string, refresh: string, expiresInMs: number): StoredTokens {
  return { accessToken: access, refreshToken: refresh, accessExpiresAt: NOW + expiresInMs };
}

/** A server that rotates refresh tokens and, like the real one, ends the session on reuse. */
function rotatingServer() {
  let generation = 1;
  const used = new Set<string>();
  let revoked = false;
  return scriptedFetch((call) => {
    if (call.url.endsWith("/api/v1/auth/refresh")) {
      const presented = (call.body as { refresh_token: string }).refresh_token;
      if (revoked || used.has(presented) || presented !== `r${generation}`) {
        revoked = true;
        return json(401, { error: { code: "unauthorized", message: "refresh token reused" } });
      }
      used.add(presented);
      generation += 1;
      return json(200, { access_token: `a${generation}`, refresh_token: `r${generation}`, token_type: "Bearer", expires_in: 900 });
    }
    const auth = call.headers.Authorization;
    if (auth !== `Bearer a${generation}`) return json(401, { error: { code: "unauthorized", message: "expired" } });
    return json(200, { ok: true, url: call.url });
  });
}

describe("ApiClient", () => {
  it("logs in and stores the pair with its expiry", async () => {
    const server = scriptedFetch(() =>
      json(200, { access_token: "a1", refresh_token: "r1", token_type: "Bearer", expires_in: 900 }),
    );
    const store = memoryStore();
    const client = new ApiClient({ fetch: server.fetch, store, lock: sharedLock(), now: () => NOW });
    await client.login("vanthu", "Demo@2026");
    expect(store.tokens).toEqual(tokens("a1", "r1", 900_000));
    expect(server.calls[0].body).toEqual({ username: "vanthu", password: "Demo@2026" });
    expect(server.calls[0].headers.Authorization).toBeUndefined();
  });

  it("renews an expiring token once for many concurrent requests", async () => {
    const server = rotatingServer();
    const store = memoryStore(tokens("a1", "r1", 10_000));
    const client = new ApiClient({ fetch: server.fetch, store, lock: sharedLock(), now: () => NOW });
    const results = await Promise.all([client.get("/x"), client.get("/y"), client.get("/z")]);
    expect(results).toHaveLength(3);
    expect(server.calls.filter((call) => call.url.endsWith("/refresh"))).toHaveLength(1);
    expect(store.tokens?.accessToken).toBe("a2");
    expect(store.tokens?.refreshToken).toBe("r2");
  });

  it("retries once with a renewed token when the server answers 401", async () => {
    const server = rotatingServer();
    // The device's clock says the token is fresh; the server has already moved on.
    const store = memoryStore(tokens("a0", "r1", 600_000));
    const client = new ApiClient({ fetch: server.fetch, store, lock: sharedLock(), now: () => NOW });
    await expect(client.get("/documents")).resolves.toMatchObject({ ok: true });
    expect(server.calls.map((call) => call.url)).toEqual(["/documents", "/api/v1/auth/refresh", "/documents"]);
  });

  it("two tabs sharing the stored session refresh only once and both keep working", async () => {
    const server = rotatingServer();
    const store = memoryStore(tokens("a1", "r1", 5_000));
    const lock = sharedLock();
    const tabA = new ApiClient({ fetch: server.fetch, store, lock, now: () => NOW });
    const tabB = new ApiClient({ fetch: server.fetch, store, lock, now: () => NOW });
    await Promise.all([tabA.get("/a"), tabB.get("/b")]);
    expect(server.calls.filter((call) => call.url.endsWith("/refresh"))).toHaveLength(1);
    expect(store.tokens?.refreshToken).toBe("r2");
  });

  it("ends the session when the refresh token is refused", async () => {
    const server = scriptedFetch((call) =>
      call.url.endsWith("/refresh")
        ? json(401, { error: { code: "unauthorized", message: "revoked" } })
        : json(401, { error: { code: "unauthorized", message: "expired" } }),
    );
    const store = memoryStore(tokens("a1", "r1", 600_000));
    const ended = vi.fn();
    const client = new ApiClient({ fetch: server.fetch, store, lock: sharedLock(), now: () => NOW, onSessionEnded: ended });
    await expect(client.get("/documents")).rejects.toBeInstanceOf(SessionEnded);
    expect(store.tokens).toBeNull();
    expect(ended).toHaveBeenCalledTimes(1);
  });

  it("keeps the session when renewal fails for another reason (server down)", async () => {
    const server = scriptedFetch(() => json(503, { error: { code: "unavailable", message: "database down" } }));
    const store = memoryStore(tokens("a1", "r1", 1_000));
    const client = new ApiClient({ fetch: server.fetch, store, lock: sharedLock(), now: () => NOW });
    await expect(client.get("/documents")).rejects.toMatchObject({ status: 503, code: "unavailable" });
    expect(store.tokens?.refreshToken).toBe("r1");
  });

  it("turns error bodies into ApiError with per-field messages", async () => {
    const server = scriptedFetch(() =>
      json(422, {
        error: {
          code: "validation_error",
          message: "issued_date: Not a valid date.",
          details: { form: { metadata: { issued_date: ["Not a valid date."], number: ["Must be at least 1."] } } },
        },
      }),
    );
    const client = new ApiClient({ fetch: server.fetch, store: memoryStore(tokens("a", "r", 600_000)), lock: sharedLock(), now: () => NOW });
    const error = (await client.post("/api/v1/documents/incoming", {}).catch((caught) => caught)) as ApiError;
    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(422);
    expect(error.fieldErrors()).toEqual({
      "metadata.issued_date": "Not a valid date.",
      "metadata.number": "Must be at least 1.",
    });
  });

  it("logs out by revoking the refresh token and forgetting the pair", async () => {
    const server = scriptedFetch(() => json(204, null));
    const store = memoryStore(tokens("a1", "r1", 600_000));
    const client = new ApiClient({ fetch: server.fetch, store, lock: sharedLock(), now: () => NOW });
    await client.logout();
    expect(store.tokens).toBeNull();
    expect(server.calls[0]).toMatchObject({ url: "/api/v1/auth/logout", body: { refresh_token: "r1" } });
  });
});

describe("helpers", () => {
  it("builds URLs leaving out empty filters", () => {
    expect(buildUrl("", "/api/v1/documents", { q: "quyết định", status: "", limit: 20, cursor: undefined })).toBe(
      "/api/v1/documents?q=quy%E1%BA%BFt+%C4%91%E1%BB%8Bnh&limit=20",
    );
  });

  it("flattens the one shape of field errors, {location: {field: [messages]}}", () => {
    expect(flattenFieldErrors({ json: { leader_id: ["Missing data for required field."] } })).toEqual({
      leader_id: "Missing data for required field.",
    });
    expect(flattenFieldErrors({ json: { _schema: ["give exactly one"] } })).toEqual({ _schema: "give exactly one" });
    expect(
      flattenFieldErrors({
        form: { metadata: { issued_date: ["Not a valid date."] } },
        files: { "files[1]": ["the file is empty"] },
        json: { participants: { 0: { user_id: ["unknown user"] } } },
      }),
    ).toEqual({
      "metadata.issued_date": "Not a valid date.",
      "files[1]": "the file is empty",
      "participants.0.user_id": "unknown user",
    });
    expect(flattenFieldErrors(null)).toEqual({});
  });

  it("reads no fields from details of another shape", () => {
    // A field name at the top, without its location, is not the shape the server sends.
    expect(flattenFieldErrors({ leader_id: ["Missing data for required field."] })).toEqual({});
    expect(flattenFieldErrors({ owner: "person-lanhdao" })).toEqual({});
    expect(flattenFieldErrors({ max_size: 1024 })).toEqual({});
  });
});

describe("storageLock (plain-HTTP intranets have no navigator.locks)", () => {
  function memoryStorage(): Storage {
    const data = new Map<string, string>();
    return {
      get length() {
        return data.size;
      },
      clear: () => data.clear(),
      getItem: (key) => data.get(key) ?? null,
      key: (index) => [...data.keys()][index] ?? null,
      removeItem: (key) => void data.delete(key),
      setItem: (key, value) => void data.set(key, value),
    };
  }

  it("lets one tab at a time in, and two tabs sharing storage refresh once", async () => {
    const storage = memoryStorage();
    const options = { settleMs: 5, pollMs: 5 };
    const server = rotatingServer();
    const store = memoryStore(tokens("a1", "r1", 5_000));
    const tabA = new ApiClient({ fetch: server.fetch, store, lock: storageLock(storage, "l", options), now: () => NOW });
    const tabB = new ApiClient({ fetch: server.fetch, store, lock: storageLock(storage, "l", options), now: () => NOW });
    await Promise.all([tabA.get("/a"), tabB.get("/b"), tabA.get("/c")]);
    expect(server.calls.filter((call) => call.url.endsWith("/refresh"))).toHaveLength(1);
    expect(storage.getItem("l")).toBeNull();
  });

  it("takes over a lease left by a closed tab once it expires", async () => {
    const storage = memoryStorage();
    let clock = 1_000;
    storage.setItem("l", JSON.stringify({ id: "closed-tab", until: 5_000 }));
    const lock = storageLock(storage, "l", { settleMs: 1, pollMs: 1, now: () => clock });
    const entered = lock(async () => "in");
    await new Promise((resolve) => setTimeout(resolve, 20));
    clock = 6_000;
    await expect(entered).resolves.toBe("in");
  });
});
