// Client routes. Every screen but the login page is its own chunk (route-level code splitting).
import { createRouter, createWebHistory, type RouteRecordRaw } from "vue-router";
import type { Role } from "./api/accounts";
import { SessionEnded } from "./api";
import LoginView from "./views/LoginView.vue";
import { pdfWorker } from "./pdfWorker";
import { mayOpen } from "./state/navigation";
import { loadUser } from "./state/session";

declare module "vue-router" {
  interface RouteMeta {
    public?: boolean;
    roles?: Role[];
    // The screen takes the whole width; the menu opens over it (components/AppLayout.vue).
    focus?: boolean;
  }
}

const routes: RouteRecordRaw[] = [
  { path: "/login", name: "login", component: LoginView, meta: { public: true } },
  { path: "/", name: "home", component: () => import("./views/HomeView.vue") },
  {
    path: "/documents/incoming/new",
    name: "register",
    component: () => import("./views/documents/RegisterIncomingView.vue"),
    meta: { roles: ["clerk"] },
  },
  {
    path: "/documents/pending",
    name: "pending",
    component: () => import("./views/documents/PendingView.vue"),
    meta: { roles: ["clerk"] },
  },
  {
    path: "/documents/registers",
    name: "registers",
    component: () => import("./views/documents/RegistersView.vue"),
    meta: { roles: ["clerk", "leader", "admin"] },
  },
  { path: "/documents", name: "search", component: () => import("./views/documents/SearchView.vue") },
  {
    path: "/documents/outgoing/new",
    name: "new-draft",
    component: () => import("./views/documents/DraftView.vue"),
    meta: { roles: ["clerk", "leader", "specialist"] },
  },
  { path: "/documents/:id(\\d+)/edit", name: "edit-draft", component: () => import("./views/documents/DraftView.vue") },
  { path: "/documents/:id(\\d+)", name: "document", component: () => import("./views/documents/DocumentView.vue") },
  { path: "/inbox", name: "inbox", component: () => import("./views/documents/InboxView.vue"), meta: { roles: ["leader"] } },
  {
    path: "/my-documents",
    name: "my-documents",
    component: () => import("./views/documents/MyDocumentsView.vue"),
    meta: { roles: ["specialist"] },
  },
  {
    path: "/signatures/verify",
    name: "verify-signatures",
    component: () => import("./views/signatures/VerifySignaturesView.vue"),
  },
  {
    path: "/admin/certificates",
    name: "certificates",
    component: () => import("./views/admin/CertificatesView.vue"),
    meta: { roles: ["admin"] },
  },
  {
    path: "/admin/mailbox",
    name: "mailbox",
    component: () => import("./views/admin/MailboxView.vue"),
    meta: { roles: ["admin"] },
  },
  {
    path: "/records",
    name: "case-files",
    component: () => import("./views/records/CaseFilesView.vue"),
  },
  {
    path: "/records/case-files/:id(\\d+)",
    name: "case-file",
    component: () => import("./views/records/CaseFileView.vue"),
  },
  {
    path: "/records/file-list",
    name: "file-list",
    component: () => import("./views/records/FileListView.vue"),
  },
  {
    path: "/records/archive",
    name: "archive",
    component: () => import("./views/records/ArchiveView.vue"),
    meta: { roles: ["archivist", "clerk", "leader"] },
  },
  { path: "/devices", name: "devices", component: () => import("./views/account/DevicesView.vue") },
  {
    path: "/admin/devices",
    name: "admin-devices",
    component: () => import("./views/account/DevicesView.vue"),
    meta: { roles: ["admin"] },
  },
  { path: "/meetings", name: "meetings", component: () => import("./views/meetings/MeetingsView.vue") },
  {
    path: "/meetings/new",
    name: "new-meeting",
    component: () => import("./views/meetings/MeetingFormView.vue"),
    meta: { roles: ["clerk", "leader", "admin"] },
  },
  { path: "/meetings/:id(\\d+)", name: "meeting", component: () => import("./views/meetings/MeetingView.vue") },
  {
    path: "/meetings/:id(\\d+)/edit",
    name: "edit-meeting",
    component: () => import("./views/meetings/MeetingFormView.vue"),
  },
  {
    path: "/meetings/:id(\\d+)/minutes",
    name: "meeting-minutes",
    component: () => import("./views/meetings/MinutesView.vue"),
  },
  // The live meeting room (its own chunk). pdf.js and socket.io-client are asked for together with it,
  // not after it: on a tablet's mobile link each sequential round trip shows in the load time.
  {
    path: "/meetings/:id(\\d+)/room",
    name: "meeting-room",
    // The document gets the screen's width: the menu opens over the room instead of beside it.
    meta: { focus: true },
    component: () => {
      pdfWorker();
      void import("./components/PdfPreview.vue");
      void import("socket.io-client");
      return import("./views/meetings/MeetingRoomView.vue");
    },
  },
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
