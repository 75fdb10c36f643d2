// The API client names the device on every request and tells the app when the device was revoked.
import { describe, expect, it } from "vitest";
import { ApiClient } from "../src/api/client";
import { ApiError } from "../src/api/errors";
import type { StoredTokens } from "../src/api/tokens";
import { deviceHeaders, deviceIdentity, deviceName, forgetDeviceId, makeUuid } from "../src/offline/device";
import { json, memoryStore, scriptedFetch, sharedLock } from "./fakes";

const NOW = 1_800_000_000_000;
const fresh: StoredTokens = { accessToken: "a1", refreshToken: "r1", accessExpiresAt: NOW + 600_000 };
const DEVICE = { id: "4b0f5a4e-6a43-4d2c-9a55-0d8cbf5a4a11", name: "Chrome · Android" };
const revoked = () => json(401, { error: { code: "device_revoked", message: "erase your data" } });

function storage(): Storage {
  const map = new Map<string, string>();
  return {
    getItem: (key) => map.get(key) ?? null,
    setItem: (key, value) => void map.set(key, value),
    removeItem: (key) => void map.delete(key),
    clear: () => map.clear(),
    key: (index) => [...map.keys()][index] ?? null,
    get length() {
      return map.size;
    },
  };
}

describe("the device", () => {
  it("keeps one id until it is forgotten, and reads as browser and system", () => {
    const local = storage();
    const first = deviceIdentity(local, "Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 Chrome/126.0 Safari/537.36");
    expect(first.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(deviceIdentity(local, "").id).toBe(first.id);
    expect(first.name).toBe("Chrome · Android");
    forgetDeviceId(local);
    expect(deviceIdentity(local, "").id).not.toBe(first.id);
    expect(deviceName("Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Safari/604.1")).toBe("Safari · iPad");
    expect(makeUuid()).not.toBe(makeUuid());
  });

  it("sends its name percent-encoded (a header carries Latin-1 only)", () => {
    expect(deviceHeaders({ id: DEVICE.id, name: "Máy tính bảng phòng họp" })).toEqual({
      "X-Device-Id": DEVICE.id,
      "X-Device-Name": "M%C3%A1y%20t%C3%ADnh%20b%E1%BA%A3ng%20ph%C3%B2ng%20h%E1%BB%8Dp",
    });
  });
});

describe("ApiClient and the device", () => {
  const client = (fetch: typeof globalThis.fetch, onDeviceRevoked: () => unknown = () => undefined, tokens: StoredTokens | null = fresh) => {
    const store = memoryStore(tokens);
    return {
      store,
      api: new ApiClient({ fetch, store, lock: sharedLock(), now: () => NOW, deviceHeaders: () => deviceHeaders(DEVICE), onDeviceRevoked }),
    };
  };

  it("names the device on requests, logins and refreshes", async () => {
    const server = scriptedFetch((call) =>
      call.url.endsWith("/refresh") || call.url.endsWith("/login")
        ? json(200, { access_token: "a2", refresh_token: "r2", expires_in: 900 })
        : json(200, {}),
    );
    const { api } = client(server.fetch, undefined, { ...fresh, accessExpiresAt: NOW });
    await api.get("/api/v1/me");
    await api.login("vanthu", "Demo@2026");
    const response = await api.raw("/api/v1/files/1/content", { Range: "bytes=100-" });
    expect(response.status).toBe(200);
    expect(server.calls.map((c) => c.url)).toEqual(["/api/v1/auth/refresh", "/api/v1/me", "/api/v1/auth/login", "/api/v1/files/1/content"]);
    for (const call of server.calls) expect(call.headers["X-Device-Id"]).toBe(DEVICE.id);
    expect(server.calls[3].headers.Range).toBe("bytes=100-");
  });

  it("on 401 device_revoked drops the session and tells the app, without trying a refresh", async () => {
    let told = 0;
    const server = scriptedFetch(() => revoked());
    const { api, store } = client(server.fetch, () => told++);
    const error = await api.get("/api/v1/me").catch((caught) => caught);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe("device_revoked");
    expect(told).toBe(1);
    expect(store.tokens).toBeNull();
    expect(server.calls).toHaveLength(1);
  });

  it("hears it from a refresh and from a download too", async () => {
    let told = 0;
    const refreshing = scriptedFetch(() => revoked());
    await client(refreshing.fetch, () => told++, { ...fresh, accessExpiresAt: NOW }).api.get("/x").catch(() => undefined);
    const downloading = scriptedFetch(() => revoked());
    await client(downloading.fetch, () => told++).api.raw("/api/v1/files/1/content").catch(() => undefined);
    expect(told).toBe(2);
  });

  it("an ordinary 401 still renews the token and is not a revocation", async () => {
    let told = 0;
    let calls = 0;
    const server = scriptedFetch((call) => {
      if (call.url.endsWith("/refresh")) return json(200, { access_token: "a2", refresh_token: "r2", expires_in: 900 });
      return ++calls === 1 ? json(401, { error: { code: "unauthorized", message: "expired" } }) : json(200, { ok: true });
    });
    expect(await client(server.fetch, () => told++).api.get("/x")).toEqual({ ok: true });
    expect(told).toBe(0);
  });
});
