// The logged-in user: who they are and their roles, loaded from /api/v1/me after login or reload. The
// profile is remembered on the device so that the app opens without the network (a meeting book read
// offline); it goes with the session.
import { reactive } from "vue";
import { api, ApiError } from "../api";
import type { Me } from "../api/accounts";

export const PROFILE_KEY = "eoffice.me";

export const session = reactive({
  user: null as Me | null,
});

function remembered(): Me | null {
  try {
    return JSON.parse(localStorage.getItem(PROFILE_KEY) ?? "null") as Me | null;
  } catch {
    return null;
  }
}

export async function loadUser(): Promise<Me | null> {
  if (!api.isLoggedIn) {
    forgetUser();
    return null;
  }
  if (!session.user) {
    try {
      session.user = await api.get<Me>("/api/v1/me");
      localStorage.setItem(PROFILE_KEY, JSON.stringify(session.user));
    } catch (error) {
      // No answer at all (offline): the profile this device last had; a refusal stands.
      const known = error instanceof ApiError ? null : remembered();
      if (!known) throw error;
      session.user = known;
    }
  }
  return session.user;
}

export async function logIn(username: string, password: string): Promise<Me> {
  try {
    await api.login(username, password);
  } catch (error) {
    // This device was revoked and has just been erased under a new id: the login goes through as that one.
    if (!(error instanceof ApiError && error.code === "device_revoked")) throw error;
    await api.login(username, password);
  }
  forgetUser();
  return (await loadUser()) as Me;
}

export async function logOut(): Promise<void> {
  await api.logout();
  forgetUser();
}

export function forgetUser(): void {
  session.user = null;
  localStorage.removeItem(PROFILE_KEY);
}
