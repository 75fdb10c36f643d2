// The API client: bearer tokens, one refresh at a time (across tabs too), JSON errors as ApiError.
import { ApiError, SessionEnded, errorFromResponse } from "./errors";
import { toStored, type SharedLock, type StoredTokens, type TokenPair, type TokenStore } from "./tokens";

export type Query = Record<string, string | number | boolean | null | undefined>;

export interface RequestOptions {
  query?: Query;
  json?: unknown;
  body?: FormData | Blob;
  /** "json" (default), "blob" for downloads, "none" for 204. */
  expect?: "json" | "blob" | "none";
  /** Send without a token (login, refresh). */
  anonymous?: boolean;
  signal?: AbortSignal;
}

export interface ApiClientOptions {
  fetch: typeof fetch;
  store: TokenStore;
  lock: SharedLock;
  now?: () => number;
  baseUrl?: string;
  /** Called once when the refresh token is refused: the app goes to the login page. */
  onSessionEnded?: () => void;
  /** Headers naming this device, sent with every request (X-Device-Id, X-Device-Name). */
  deviceHeaders?: () => Record<string, string>;
  /** The server refused this device for good (401 device_revoked): the app erases what it holds. */
  onDeviceRevoked?: () => void;
}

// Renew a little before expiry so a request never leaves with a token about to lapse.
export const REFRESH_MARGIN_MS = 30_000;

export function buildUrl(baseUrl: string, path: string, query?: Query): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== "") params.set(key, String(value));
  }
  const search = params.toString();
  return `${baseUrl}${path}${search ? `?${search}` : ""}`;
}

const DEVICE_REVOKED = "device_revoked";

/** Whether a 401 says the device itself was revoked (not only that a token lapsed). */
async function isDeviceRevoked(response: Response): Promise<boolean> {
  if (response.status !== 401) return false;
  try {
    return (await response.clone().json())?.error?.code === DEVICE_REVOKED;
  } catch {
    return false;
  }
}

type OptionalHooks = "onSessionEnded" | "onDeviceRevoked";

export class ApiClient {
  private readonly options: Required<Omit<ApiClientOptions, OptionalHooks>> & Pick<ApiClientOptions, OptionalHooks>;
  private refreshing: Promise<StoredTokens> | null = null;

  constructor(options: ApiClientOptions) {
    this.options = { now: () => Date.now(), baseUrl: "", deviceHeaders: () => ({}), ...options };
  }

  get isLoggedIn(): boolean {
    return this.options.store.load() !== null;
  }

  async login(username: string, password: string): Promise<void> {
    const pair = await this.request<TokenPair>("POST", "/api/v1/auth/login", {
      json: { username, password },
      anonymous: true,
    });
    this.options.store.save(toStored(pair, this.options.now()));
  }

  async logout(): Promise<void> {
    const tokens = this.options.store.load();
    this.options.store.save(null);
    if (!tokens) return;
    try {
      await this.request("POST", "/api/v1/auth/logout", {
        json: { refresh_token: tokens.refreshToken },
        anonymous: true,
        expect: "none",
      });
    } catch {
      // Already revoked or offline: the local session is gone either way.
    }
  }

  /** Forget the session here without telling the server (it ended it already: a revoked device). */
  forgetSession(): void {
    this.options.store.save(null);
  }

  /** A valid access token, renewed first when it is about to expire. */
  async accessToken(): Promise<string> {
    const tokens = this.options.store.load();
    if (!tokens) throw new SessionEnded();
    if (tokens.accessExpiresAt - REFRESH_MARGIN_MS > this.options.now()) return tokens.accessToken;
    return (await this.refresh(tokens.accessToken)).accessToken;
  }

  /**
   * Renew the pair. One refresh per tab at a time, and across tabs under a shared lock: the server
   * treats a second use of a refresh token as theft and ends the session, so a tab that waited for
   * the lock takes the pair another tab already obtained instead of refreshing again.
   */
  refresh(staleAccessToken: string): Promise<StoredTokens> {
    if (!this.refreshing) {
      this.refreshing = this.options
        .lock(() => this.refreshUnderLock(staleAccessToken))
        .finally(() => {
          this.refreshing = null;
        });
    }
    return this.refreshing;
  }

  private async refreshUnderLock(staleAccessToken: string): Promise<StoredTokens> {
    const current = this.options.store.load();
    if (!current) throw this.endSession();
    if (current.accessToken !== staleAccessToken && current.accessExpiresAt - REFRESH_MARGIN_MS > this.options.now()) {
      return current;
    }
    const response = await this.options.fetch(buildUrl(this.options.baseUrl, "/api/v1/auth/refresh"), {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json", ...this.options.deviceHeaders() },
      body: JSON.stringify({ refresh_token: current.refreshToken }),
    });
    if (await isDeviceRevoked(response)) throw await this.deviceRevoked(response);
    if (response.status === 401 || response.status === 403) throw this.endSession();
    if (!response.ok) throw await errorFromResponse(response);
    const renewed = toStored((await response.json()) as TokenPair, this.options.now());
    this.options.store.save(renewed);
    return renewed;
  }

  private async deviceRevoked(response: Response): Promise<ApiError> {
    this.forgetSession();
    this.options.onDeviceRevoked?.();
    return errorFromResponse(response);
  }

  private endSession(): SessionEnded {
    this.options.store.save(null);
    this.options.onSessionEnded?.();
    return new SessionEnded();
  }

  async request<T = unknown>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const send = async (token: string | null) => {
      const headers: Record<string, string> = { Accept: "application/json", ...this.options.deviceHeaders() };
      if (token) headers.Authorization = `Bearer ${token}`;
      let body: BodyInit | undefined;
      if (options.json !== undefined) {
        headers["Content-Type"] = "application/json";
        body = JSON.stringify(options.json);
      } else if (options.body !== undefined) {
        body = options.body;
      }
      return this.options.fetch(buildUrl(this.options.baseUrl, path, options.query), {
        method,
        headers,
        body,
        signal: options.signal,
      });
    };
    const response = await this.authorised(options.anonymous ? null : await this.accessToken(), send);
    if (!response.ok) throw await errorFromResponse(response);
    if (options.expect === "none" || response.status === 204) return undefined as T;
    if (options.expect === "blob") return (await response.blob()) as T;
    return (await response.json()) as T;
  }

  /** Send with the token; a 401 renews it once and sends again; a revoked device is told to the app. */
  private async authorised(token: string | null, send: (token: string | null) => Promise<Response>) {
    let response = await send(token);
    if (await isDeviceRevoked(response)) throw await this.deviceRevoked(response);
    if (response.status === 401 && token) {
      // Expired early (clock skew, key rotation): renew once and try again.
      token = (await this.refresh(token)).accessToken;
      response = await send(token);
      if (await isDeviceRevoked(response)) throw await this.deviceRevoked(response);
    }
    return response;
  }

  /**
   * A GET whose answer the caller reads itself (a download by ranges: 200, 206): the token, the device's
   * headers and the extra ones given; only a refused device throws here.
   */
  async raw(path: string, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<Response> {
    const send = (token: string | null) =>
      this.options.fetch(buildUrl(this.options.baseUrl, path), {
        headers: { ...this.options.deviceHeaders(), ...headers, ...(token ? { Authorization: `Bearer ${token}` } : {}) },
        signal,
      });
    return this.authorised(await this.accessToken(), send);
  }

  /** The headers a request of another library (pdf.js reading by ranges) sends: token and device. */
  async authHeaders(): Promise<Record<string, string>> {
    return { ...this.options.deviceHeaders(), Authorization: `Bearer ${await this.accessToken()}` };
  }

  get<T>(path: string, query?: Query): Promise<T> {
    return this.request<T>("GET", path, { query });
  }

  post<T>(path: string, json?: unknown): Promise<T> {
    return this.request<T>("POST", path, { json: json ?? {} });
  }

  patch<T>(path: string, json: unknown): Promise<T> {
    return this.request<T>("PATCH", path, { json });
  }

  put<T>(path: string, json: unknown): Promise<T> {
    return this.request<T>("PUT", path, { json });
  }

  /** Multipart upload reporting progress (fetch cannot): XMLHttpRequest with the same token rules. */
  async upload<T>(path: string, form: FormData, onProgress?: (fraction: number) => void): Promise<T> {
    const attempt = (token: string) =>
      new Promise<{ status: number; text: string }>((resolve, reject) => {
        const xhr = new XMLHttpRequest();
        xhr.open("POST", buildUrl(this.options.baseUrl, path));
        xhr.setRequestHeader("Authorization", `Bearer ${token}`);
        xhr.setRequestHeader("Accept", "application/json");
        for (const [name, value] of Object.entries(this.options.deviceHeaders())) xhr.setRequestHeader(name, value);
        xhr.upload.onprogress = (event) => {
          if (event.lengthComputable && onProgress) onProgress(event.loaded / event.total);
        };
        xhr.onload = () => resolve({ status: xhr.status, text: xhr.responseText });
        xhr.onerror = () => reject(new ApiError(0, { code: "network_error", message: "network error" }));
        xhr.send(form);
      });
    let token = await this.accessToken();
    const asResponse = (result: { status: number; text: string }) =>
      new Response(result.text || null, { status: result.status, headers: { "Content-Type": "application/json" } });
    let response = asResponse(await attempt(token));
    if (await isDeviceRevoked(response)) throw await this.deviceRevoked(response);
    if (response.status === 401) {
      token = (await this.refresh(token)).accessToken;
      response = asResponse(await attempt(token));
      if (await isDeviceRevoked(response)) throw await this.deviceRevoked(response);
    }
    if (!response.ok) throw await errorFromResponse(response);
    return (await response.json()) as T;
  }
}
