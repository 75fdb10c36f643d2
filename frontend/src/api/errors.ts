// The server's JSON errors as ApiError, and the field messages they carry.

export interface ApiErrorBody {
  code: string;
  message: string;
  details?: unknown;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: unknown;

  constructor(status: number, body: ApiErrorBody) {
    super(body.message);
    this.name = "ApiError";
    this.status = status;
    this.code = body.code;
    this.details = body.details ?? null;
  }

  /** Messages per field from a 422/400 answer: {"issued_date": "Not a valid date."}. */
  fieldErrors(): Record<string, string> {
    return flattenFieldErrors(this.details);
  }

  /** Reason codes per field, where the server gave one (details.reasons): {"password": "wrong_password"}. */
  fieldReasons(): Record<string, string> {
    const reasons = (this.details as { reasons?: unknown } | null)?.reasons;
    if (!reasons || typeof reasons !== "object" || Array.isArray(reasons)) return {};
    return Object.fromEntries(Object.entries(reasons).filter(([, code]) => typeof code === "string"));
  }
}

/**
 * Messages per field from the server's one shape of field errors, {location: {field: [messages]}}
 * (location: json, form, query, files), into field → message; nested fields read "metadata.title",
 * list items "files[1]". Details of any other error name no field and give nothing.
 */
export function flattenFieldErrors(details: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (prefix: string, value: unknown): void => {
    if (Array.isArray(value) && value.every((item) => typeof item === "string")) {
      out[prefix || "_schema"] = value.join(" ");
    } else if (Array.isArray(value)) {
      value.forEach((item, index) => walk(`${prefix}[${index}]`, item));
    } else if (value && typeof value === "object") {
      for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
        walk(prefix ? `${prefix}.${key}` : key, inner);
      }
    }
  };
  if (details && typeof details === "object" && !Array.isArray(details)) {
    for (const [location, fields] of Object.entries(details as Record<string, unknown>)) {
      if (FIELD_LOCATIONS.has(location)) walk("", fields);
    }
  }
  return out;
}

const FIELD_LOCATIONS = new Set(["json", "form", "query", "files", "headers"]);


export class SessionEnded extends Error {
  constructor() {
    super("session ended");
    this.name = "SessionEnded";
  }
}


export async function errorFromResponse(response: Response): Promise<ApiError> {
  let body: ApiErrorBody = { code: "http_" + response.status, message: response.statusText || "request failed" };
  try {
    const parsed = await response.json();
    if (parsed && typeof parsed === "object" && parsed.error) body = parsed.error;
  } catch {
    // Not JSON (a proxy's error page): keep the status text.
  }
  return new ApiError(response.status, body);
}
