// The live room's wire: the /meetings Socket.IO namespace (contract in README.md, "Meetings") and the
// REST call the room needs for participants' names (documents: state/offlineRoom.ts).
import { REFRESH_MARGIN_MS, type ApiClient } from "./client";
import type { Ack, AttendanceState, MeetingSummary, RoomJoinState } from "./roomTypes";

export * from "./roomTypes";

/** The part of socket.io-client's Socket the room uses (a fake in tests). */
export interface RoomSocket {
  readonly connected: boolean;
  readonly active: boolean;
  on(event: string, listener: (...args: any[]) => void): unknown;
  emit(event: string, ...args: any[]): unknown;
  connect(): unknown;
  disconnect(): unknown;
}

/**
 * connecting: first connection; live: joined and current; reconnecting: lost, trying again (the banner);
 * refused: the server will not let this device in (not invited, meeting gone, session ended).
 */
export type ConnectionStatus = "connecting" | "live" | "reconnecting" | "refused";

export interface RoomHandlers {
  state(state: RoomJoinState): void;
  status(status: ConnectionStatus, error?: { code: string; message: string }): void;
  event(name: RoomEventName, payload: any): void;
}

/** Broadcasts of the room that change what a device shows. */
export const ROOM_EVENTS = [
  "presentation",
  "presenter",
  "agenda",
  "attendance",
  "speakers",
  "vote_opened",
  "vote_count",
  "vote_closed",
  "annotation",
  "annotation_deleted",
  "minutes_section",
  "minutes_status",
  "meeting_status",
  "allowed_actions",
] as const;
export type RoomEventName = (typeof ROOM_EVENTS)[number];

const AUTH_CODES = new Set(["unauthorized", "token_expired", "invalid_token"]);
export const ACK_TIMEOUT_MS = 10_000;

/**
 * One device's presence in one meeting room. Every (re)connection joins again and the join answer
 * replaces the device's state: that is how it catches up after a lost connection or a server restart.
 */
export class RoomConnection {
  private everJoined = false;
  private closed = false;
  /** A reconnection we asked for (a new token): not a lost connection, so no banner. */
  private renewing = false;
  private readonly closeHooks: (() => void)[] = [];

  constructor(
    private readonly socket: RoomSocket,
    readonly meetingId: number,
    private readonly handlers: RoomHandlers,
    /** Renew the access token after the server refused it at connect (the next connect asks again). */
    private readonly renewToken: () => Promise<void> = async () => undefined,
  ) {
    socket.on("connect", () => void this.join());
    socket.on("disconnect", (reason: string) => {
      if (this.closed || this.renewing) return;
      this.handlers.status(this.everJoined ? "reconnecting" : "connecting");
      // The server closed the connection on purpose: socket.io will not retry by itself.
      if (reason === "io server disconnect") socket.connect();
    });
    socket.on("connect_error", (error: Error & { data?: { code?: string; message?: string } }) => {
      if (this.closed) return;
      this.renewing = false;
      if (socket.active) {
        // A transport error (server down or restarting): socket.io retries with backoff.
        this.handlers.status(this.everJoined ? "reconnecting" : "connecting");
        return;
      }
      const code = error.data?.code ?? "";
      if (AUTH_CODES.has(code)) {
        this.handlers.status(this.everJoined ? "reconnecting" : "connecting");
        this.renewToken().then(
          () => socket.connect(),
          () => this.handlers.status("refused", { code: "session_ended", message: "session ended" }),
        );
      } else {
        this.handlers.status("refused", { code: code || "refused", message: error.data?.message ?? error.message });
      }
    });
    for (const name of ROOM_EVENTS) {
      socket.on(name, (payload: { meeting_id?: number }) => {
        if (payload && payload.meeting_id !== undefined && payload.meeting_id !== this.meetingId) return;
        this.handlers.event(name, payload);
      });
    }
    if (socket.connected) void this.join();
  }

  private async join(): Promise<void> {
    const answer = await this.call<{ state: RoomJoinState }>("join", {});
    if (this.closed) return;
    this.renewing = false;
    if (answer.ok) {
      this.everJoined = true;
      this.handlers.state(answer.state);
      this.handlers.status("live");
    } else if (answer.error.code === "timeout" || answer.error.code === "unavailable") {
      // Connected but the server could not answer: leave it to the next reconnection.
      this.handlers.status(this.everJoined ? "reconnecting" : "connecting");
      this.socket.disconnect();
      this.socket.connect();
    } else {
      this.handlers.status("refused", answer.error);
    }
  }

  /** Send one event of the room (meeting_id added) and wait for the server's ack. */
  call<T = Record<string, unknown>>(event: string, payload: Record<string, unknown>): Promise<Ack<T>> {
    return new Promise((resolve) => {
      if (!this.socket.connected) {
        resolve({ ok: false, error: { code: "offline", message: "not connected" } });
        return;
      }
      const timer = setTimeout(
        () => resolve({ ok: false, error: { code: "timeout", message: "no answer from the server" } }),
        ACK_TIMEOUT_MS,
      );
      this.socket.emit(event, { meeting_id: this.meetingId, ...payload }, (answer: Ack<T>) => {
        clearTimeout(timer);
        resolve(answer);
      });
    });
  }

  /** The whole attendance of one snapshot, for a device whose present list missed an event (joined members only). */
  fullAttendance(): Promise<Ack<{ attendance: AttendanceState }>> {
    return this.call<{ attendance: AttendanceState }>("attendance_full", {});
  }

  /**
   * Connect again with a renewed token (the server checks the token at connect only): the device stays
   * "live" meanwhile and the join answer brings it up to date, as after any reconnection.
   */
  reauthenticate(): void {
    if (this.closed || !this.socket.connected) return;
    this.renewing = true;
    this.socket.disconnect();
    this.socket.connect();
  }

  /** Join again (the answer replaces the device's state), as after a reconnection. */
  rejoin(): void {
    if (!this.closed && this.socket.connected) void this.join();
  }

  onClose(hook: () => void): void {
    this.closeHooks.push(hook);
  }

  close(): void {
    this.closed = true;
    this.closeHooks.forEach((hook) => hook());
    if (this.socket.connected) this.socket.emit("leave", { meeting_id: this.meetingId }, () => undefined);
    this.socket.disconnect();
  }
}

/**
 * Open the room's socket (socket.io-client is loaded with the room only). The token is asked for at every
 * (re)connection, so a reconnect after the access token was renewed carries the new one.
 */
/** Epoch ms at which a JWT expires (its `exp`), null when it cannot be read. */
export function tokenExpiry(token: string): number | null {
  try {
    const payload = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const exp = JSON.parse(atob(payload)).exp;
    return typeof exp === "number" ? exp * 1000 : null;
  } catch {
    return null;
  }
}

/**
 * Open the room's socket (socket.io-client is loaded with the room only). The token is asked for at every
 * (re)connection, so a reconnect carries the current one; and when the token the socket connected with
 * is about to expire, the API client renews it and the socket reconnects with the new one (an ended
 * session then ends the room too, through the client's session-ended path).
 */
export async function openRoom(
  api: ApiClient,
  meetingId: number,
  handlers: RoomHandlers,
  /** The device this is (auth device_id, device_name): a revoked one is refused at connect. */
  device: () => { id: string; name: string } | null = () => null,
): Promise<RoomConnection> {
  const { io } = await import("socket.io-client");
  let lastToken = "";
  let renewal: ReturnType<typeof setTimeout> | undefined;
  let connection: RoomConnection | null = null;
  const scheduleRenewal = (token: string) => {
    clearTimeout(renewal);
    const expiry = tokenExpiry(token);
    if (expiry === null) return;
    const delay = Math.max(5_000, expiry - Date.now() - REFRESH_MARGIN_MS / 2);
    renewal = setTimeout(() => {
      api.accessToken().then(
        () => connection?.reauthenticate(),
        () => undefined,
      );
    }, delay);
  };
  const socket = io("/meetings", {
    transports: ["websocket", "polling"],
    reconnectionDelay: 500,
    reconnectionDelayMax: 1500,
    auth: (send) => {
      api.accessToken().then(
        (token) => {
          lastToken = token;
          scheduleRenewal(token);
          const named = device();
          send(named ? { token, device_id: named.id, device_name: named.name } : { token });
        },
        () => send({}),
      );
    },
  });
  connection = new RoomConnection(socket as unknown as RoomSocket, meetingId, handlers, async () => {
    await api.refresh(lastToken);
  });
  connection.onClose(() => clearTimeout(renewal));
  return connection;
}

export function roomApi(api: ApiClient) {
  return {
    meeting: (meetingId: number) => api.get<MeetingSummary>(`/api/v1/meetings/${meetingId}`),
  };
}
