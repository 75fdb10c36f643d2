// The app's service worker: keeps the app shell (index.html and the built files) so that the app starts
// without the network once it has been loaded. The API, Socket.IO and meeting data never pass through
// here: meeting books live encrypted in IndexedDB. The build writes BUILD (vite.config.ts, offlineShell).
const BUILD = { version: "dev", files: [] };
const SHELL = `eoffice-shell-${BUILD.version}`;
const PAGE = "/";

async function precache() {
  const cache = await caches.open(SHELL);
  const missing = [];
  for (const file of [PAGE, ...BUILD.files]) {
    if (!(await cache.match(file))) missing.push(file);
  }
  // cache: "reload": the files themselves, not what the HTTP cache may hold of an older build.
  await cache.addAll(missing.map((file) => new Request(file, { cache: "reload" })));
}

self.addEventListener("install", (event) => {
  event.waitUntil(precache().then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) =>
        Promise.all(names.filter((name) => name.startsWith("eoffice-shell-") && name !== SHELL).map((name) => caches.delete(name))),
      )
      .then(() => self.clients.claim()),
  );
});

// After the device erased its caches (a revoked device, then a new login): fetch the shell again.
self.addEventListener("message", (event) => {
  if (event.data === "precache") event.waitUntil(precache().catch(() => undefined));
});

/** Keep a copy in the shell's cache, unless the device erased its caches (until it asks to precache again). */
async function keep(request, response) {
  if (!response || !response.ok || response.type !== "basic" || !(await caches.has(SHELL))) return;
  await (await caches.open(SHELL)).put(request, response);
}

/** A page: the network's answer (kept as the shell's page), or the kept page when there is no network. */
async function page(event) {
  try {
    const response = await fetch(event.request);
    event.waitUntil(keep(PAGE, response.clone()));
    return response;
  } catch (error) {
    const cached = await caches.match(PAGE);
    if (cached) return cached;
    throw error;
  }
}

/** A built file: named by its content, so a kept copy is the file; fetched (and kept) when missing. */
async function file(event) {
  const cached = await caches.match(event.request);
  if (cached) return cached;
  const response = await fetch(event.request);
  event.waitUntil(keep(event.request, response.clone()));
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/api/") || url.pathname.startsWith("/socket.io/") || url.pathname === "/sw.js") return;
  if (request.mode === "navigate") {
    event.respondWith(page(event));
  } else if (url.pathname.startsWith("/assets/") || BUILD.files.includes(url.pathname)) {
    event.respondWith(file(event));
  }
});
