import "@fontsource/be-vietnam-pro/400.css";
import "@fontsource/be-vietnam-pro/600.css";
import "./styles.css";
import { createApp, watch } from "vue";
import App from "./App.vue";
import { onDeviceRevoked, onSessionEnded } from "./api";
import { locale } from "./i18n";
import { registerServiceWorker } from "./offline/serviceWorker";
import { router } from "./router";
import { flushOutbox, startOffline, wipeDevice } from "./state/offline";
import { forgetUser, session } from "./state/session";

document.documentElement.lang = locale.value;
onSessionEnded(() => {
  forgetUser();
  const next = router.currentRoute.value.fullPath;
  if (router.currentRoute.value.name !== "login") {
    void router.push({ name: "login", query: { next, expired: "1" } });
  }
});
// A lost or stolen tablet revoked from another device: at its first contact with the server it erases
// every meeting book, the outbox and the caches, and shows the login.
onDeviceRevoked(() => {
  forgetUser();
  void wipeDevice().finally(() => {
    if (router.currentRoute.value.name !== "login") void router.push({ name: "login", query: { revoked: "1" } });
  });
});

// Once per user per page load: erase what is due, keep books in step, start the downloads due.
let startedFor: number | null = null;
watch(
  () => session.user?.id ?? null,
  (userId) => {
    if (userId === null || userId === startedFor) return;
    startedFor = userId;
    void startOffline();
  },
);
window.addEventListener("online", () => {
  if (session.user) void flushOutbox();
});

createApp(App).use(router).mount("#app");
if (import.meta.env.PROD) registerServiceWorker();
