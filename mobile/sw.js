// Service worker of the field app (VERSION, SHELL, APP, MANIFEST and STATIC are prepended by the view).
// The page /m/ comes from the network when it can (and refreshes the cached copy), else from the cache;
// static files come from the cache. API calls are not touched: the app keeps its own data in IndexedDB.
const CACHE = "patrol-m-" + VERSION;

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("patrol-m-") && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
  );
});

// Weak signal: if the network has not answered within PAGE_WAIT_MS, open the cached page (the network
// answer still refreshes the cache for next time).
const PAGE_WAIT_MS = 4000;

async function pageFirstFromNetwork(event) {
  const cache = await caches.open(CACHE);
  const network = fetch(event.request).then(async (response) => {
    if (response.ok && !response.redirected && response.type === "basic") {
      await cache.put(APP, response.clone());
    }
    return response;
  });
  event.waitUntil(network.catch(() => null));
  const cached = await cache.match(APP);
  if (!cached) return network;
  const slow = new Promise((resolve) => setTimeout(() => resolve(cached), PAGE_WAIT_MS));
  return Promise.race([network.catch(() => cached), slow]);
}

async function fromCache(request) {
  const cached = await caches.match(request, { ignoreSearch: true });
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok && response.type === "basic") {
    const cache = await caches.open(CACHE);
    await cache.put(request, response.clone());
  }
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && url.pathname === APP) {
    event.respondWith(pageFirstFromNetwork(event));
  } else if (url.pathname.startsWith(STATIC) || url.pathname === MANIFEST) {
    event.respondWith(fromCache(request));
  }
});
