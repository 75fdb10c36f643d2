// Client routes. Every screen but the login page is its own chunk (route-level code splitting).
import { createRouter, createWebHistory, type RouteRecordRaw } from "vue-router";
import type { Role } from "./api/types";
import { SessionEnded } from "./api";
import LoginView from "./views/LoginView.vue";
import { mayOpen } from "./state/navigation";
import { loadUser } from "./state/session";

declare module "vue-router" {
  interface RouteMeta {
    public?: boolean;
    roles?: Role[];
  }
}

const routes: RouteRecordRaw[] = [
  { path: "/login", name: "login", component: LoginView, meta: { public: true } },
  { path: "/", name: "home", component: () => import("./views/HomeView.vue") },
  { path: "/meetings", name: "meetings", component: () => import("./views/MeetingsView.vue") },
  { path: "/:rest(.*)*", name: "not-found", component: () => import("./views/NotFoundView.vue") },
];

export const router = createRouter({ history: createWebHistory(), routes });

router.beforeEach(async (to) => {
  if (to.meta.public) return true;
  let user = null;
  try {
    user = await loadUser();
  } catch (error) {
    if (!(error instanceof SessionEnded)) throw error;
  }
  if (!user) return { name: "login", query: to.fullPath !== "/" ? { next: to.fullPath } : {} };
  if (!mayOpen(user.roles, to.meta.roles)) return { name: "home" };
  return true;
});
