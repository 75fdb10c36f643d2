// One sentence for an error a screen cannot place on a field: the client's own words for the server's code
// (frontend/src/i18n/errors.*.ts), never the server's English message.
import { ApiError, SessionEnded } from "./api/errors";
import { t, type MessageKey } from "./i18n";
import { errorKey } from "./i18n/translate";

// Codes the client gives its own failures (no answer, no connection, a session it could not renew).
const CLIENT_CODES: Record<string, MessageKey> = {
  network_error: "app.networkError",
  offline: "app.networkError",
  timeout: "app.networkError",
  session_ended: "app.sessionEnded",
  corrupt: "offline.corrupt",
  cancelled: "offline.cancelled",
};

/** The message for an error code of the server (eoffice/errors.py) or of the client: a live-room refusal's,
 * an API error's. */
export function describeCode(code: string): string {
  return t(CLIENT_CODES[code] ?? errorKey(code));
}

export function describeError(error: unknown): string {
  if (error instanceof SessionEnded) return t("app.sessionEnded");
  if (error instanceof ApiError) {
    if (error.status === 0) return t("app.networkError");
    return describeCode(error.code);
  }
  return t("app.networkError");
}
