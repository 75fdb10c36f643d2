// Which device this is: a UUID made once and kept (a new one after the device was revoked: the server
// refuses the old one for good), and a name the user recognises in "Thiết bị của tôi".

const ID_KEY = "eoffice.device";

export interface DeviceIdentity {
  id: string;
  name: string;
}

/** A random UUID (v4): crypto.randomUUID exists only over HTTPS, getRandomValues everywhere. */
export function makeUuid(): string {
  const c = globalThis.crypto;
  if (typeof c.randomUUID === "function") return c.randomUUID();
  const b = c.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** "Chrome · Android" from what the browser says of itself. */
export function deviceName(userAgent: string, platform = ""): string {
  const browser =
    [
      [/Edg\//, "Edge"],
      [/OPR\//, "Opera"],
      [/SamsungBrowser\//, "Samsung Internet"],
      [/Firefox\//, "Firefox"],
      [/Chromium\//, "Chromium"],
      [/Chrome\//, "Chrome"],
      [/Safari\//, "Safari"],
    ].find(([pattern]) => (pattern as RegExp).test(userAgent))?.[1] ?? "Web";
  const system =
    [
      [/iPad/, "iPad"],
      [/iPhone/, "iPhone"],
      [/Android/, "Android"],
      [/Windows/, "Windows"],
      [/Mac OS X|Macintosh/, "macOS"],
      [/CrOS/, "ChromeOS"],
      [/Linux/, "Linux"],
    ].find(([pattern]) => (pattern as RegExp).test(userAgent))?.[1] ?? platform;
  return system ? `${browser} · ${system}` : String(browser);
}

export function deviceIdentity(storage: Storage, userAgent: string, makeId: () => string = makeUuid): DeviceIdentity {
  let id = storage.getItem(ID_KEY);
  if (!id || !/^[0-9a-f-]{36}$/i.test(id)) {
    id = makeId();
    storage.setItem(ID_KEY, id);
  }
  return { id, name: deviceName(userAgent) };
}

/** The device becomes a new one (after it was revoked and erased). */
export function forgetDeviceId(storage: Storage): void {
  storage.removeItem(ID_KEY);
}

/** The headers naming the device on every API request (a header carries Latin-1: the name is encoded). */
export function deviceHeaders(device: DeviceIdentity): Record<string, string> {
  return { "X-Device-Id": device.id, "X-Device-Name": encodeURIComponent(device.name) };
}
