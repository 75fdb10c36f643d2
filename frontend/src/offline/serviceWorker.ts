// The service worker (public/sw.js) that keeps the app's shell, so that the app starts without the network.
// Browsers give service workers to secure origins only (HTTPS, localhost and 127.0.0.1).

export function registerServiceWorker(): void {
  const workers = globalThis.navigator?.serviceWorker;
  if (!workers || !globalThis.isSecureContext) return;
  // updateViaCache none: a new build's worker is noticed even where a proxy caches scripts.
  workers.register("/sw.js", { scope: "/", updateViaCache: "none" }).catch(() => undefined);
}

/** After an erasure the shell is fetched again for offline use (the worker keeps it from then on). */
export async function keepShell(): Promise<void> {
  const workers = globalThis.navigator?.serviceWorker;
  const registration = await workers?.getRegistration?.();
  registration?.active?.postMessage("precache");
}
