// The logged-in user: who they are and their roles, loaded from /api/v1/me after login or reload.
import { reactive } from "vue";
import { api } from "../api";
import type { Me } from "../api/types";

export const session = reactive({
  user: null as Me | null,
});

export async function loadUser(): Promise<Me | null> {
  if (!api.isLoggedIn) {
    session.user = null;
    return null;
  }
  if (!session.user) session.user = await api.get<Me>("/api/v1/me");
  return session.user;
}

export async function logIn(username: string, password: string): Promise<Me> {
  await api.login(username, password);
  session.user = null;
  return (await loadUser()) as Me;
}

export async function logOut(): Promise<void> {
  await api.logout();
  session.user = null;
}

export function forgetUser(): void {
  session.user = null;
}
