import "@fontsource/be-vietnam-pro/400.css";
import "@fontsource/be-vietnam-pro/600.css";
import "./styles.css";
import { createApp } from "vue";
import App from "./App.vue";
import { onSessionEnded } from "./api";
import { locale } from "./i18n";
import { router } from "./router";
import { forgetUser } from "./state/session";

document.documentElement.lang = locale.value;
onSessionEnded(() => {
  forgetUser();
  const next = router.currentRoute.value.fullPath;
  if (router.currentRoute.value.name !== "login") {
    void router.push({ name: "login", query: { next, expired: "1" } });
  }
});

createApp(App).use(router).mount("#app");
