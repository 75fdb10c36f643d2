// The one API client of the app, bound to the browser's fetch, localStorage and locks.
import { ApiClient, browserLock, localStorageStore } from "./client";

const sessionEndedListeners = new Set<() => void>();

export const api = new ApiClient({
  fetch: (...args) => window.fetch(...args),
  store: localStorageStore(window.localStorage),
  lock: browserLock(),
  onSessionEnded: () => sessionEndedListeners.forEach((listener) => listener()),
});

export function onSessionEnded(listener: () => void): void {
  sessionEndedListeners.add(listener);
}

export { ApiError, SessionEnded } from "./client";

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
