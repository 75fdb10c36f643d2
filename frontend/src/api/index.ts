// The one API client of the app, bound to the browser's fetch, localStorage and locks.
import { deviceHeaders, deviceIdentity, forgetDeviceId, type DeviceIdentity } from "../offline/device";
import { ApiClient } from "./client";
import { browserLock, localStorageStore } from "./tokens";

const sessionEndedListeners = new Set<() => void>();
const deviceRevokedListeners = new Set<() => void>();
let device: DeviceIdentity = deviceIdentity(window.localStorage, navigator.userAgent);

export const api = new ApiClient({
  fetch: (...args) => window.fetch(...args),
  store: localStorageStore(window.localStorage),
  lock: browserLock(),
  onSessionEnded: () => sessionEndedListeners.forEach((listener) => listener()),
  deviceHeaders: () => deviceHeaders(device),
  onDeviceRevoked: () => deviceRevoked(),
});

/** The server said this device is revoked (an API answer, or the live room refusing to connect). */
export function deviceRevoked(): void {
  api.forgetSession();
  // A new id at once: the next login (even one already on its way) must not name the revoked device.
  forgetDeviceId(window.localStorage);
  device = deviceIdentity(window.localStorage, navigator.userAgent);
  deviceRevokedListeners.forEach((listener) => listener());
}

export function onSessionEnded(listener: () => void): void {
  sessionEndedListeners.add(listener);
}

/** The server refused this device for good: the app erases what it holds and shows the login. */
export function onDeviceRevoked(listener: () => void): void {
  deviceRevokedListeners.add(listener);
}

export function currentDevice(): DeviceIdentity {
  return device;
}

export { ApiError, SessionEnded } from "./errors";

import { documentsApi } from "./documents";
import { mailboxApi } from "./mailbox";
import { meetingsApi } from "./meetings";
import { minutesApi } from "./minutes";
import { recordsApi } from "./records";
import { signaturesApi } from "./signatures";

export const documents = documentsApi(api);
export const mailbox = mailboxApi(api);
export const meetings = meetingsApi(api);
export const minutes = minutesApi(api);
export const records = recordsApi(api);
export const signatures = signaturesApi(api);
