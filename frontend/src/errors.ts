// One sentence for an error a screen cannot place on a field.
import { ApiError, SessionEnded } from "./api/client";
import { t } from "./i18n";

export function describeError(error: unknown): string {
  if (error instanceof SessionEnded) return t("app.sessionEnded");
  if (error instanceof ApiError) {
    if (error.status === 0) return t("app.networkError");
    if (error.status === 403) return t("app.forbidden");
    return error.message;
  }
  return t("app.networkError");
}
