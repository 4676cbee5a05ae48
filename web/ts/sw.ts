// The playground's service worker (served as /sw.js): after the first
// visit the playground works offline. The static files are answered
// from a cache named after the build (BUILD_ID, a hash of those files,
// set by web/internal/bundle), so a new build brings a new cache; pages
// go to the network first and fall back to the cached playground. The
// API is never cached: sharing needs the network, and says so.

// Both set by web/internal/bundle: a hash of the files below, and the
// URLs of what the playground needs offline.
declare const BUILD_ID: string;
declare const OFFLINE: string[];

const CACHE = `tcpwrap-${BUILD_ID}`;

const sw = self as unknown as {
  addEventListener(t: "install" | "activate", f: (e: ExtendableEvent) => void): void;
  addEventListener(t: "fetch", f: (e: FetchEvent) => void): void;
  skipWaiting(): Promise<void>;
  clients: { claim(): Promise<void> };
  location: Location;
};

interface ExtendableEvent extends Event {
  waitUntil(p: Promise<unknown>): void;
}
interface FetchEvent extends ExtendableEvent {
  request: Request;
  respondWith(r: Response | Promise<Response>): void;
}

sw.addEventListener("install", (e) => {
  e.waitUntil(
    caches
      .open(CACHE)
      .then((c) => c.addAll(OFFLINE))
      .then(() => sw.skipWaiting()),
  );
});

sw.addEventListener("activate", (e) => {
  e.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("tcpwrap-") && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => sw.clients.claim()),
  );
});

sw.addEventListener("fetch", (e) => {
  const req = e.request;
  const url = new URL(req.url);
  if (req.method !== "GET" || url.origin !== sw.location.origin || url.pathname.startsWith("/api/")) return;
  if (req.mode === "navigate") {
    e.respondWith(
      fetch(req).catch(async () => (await caches.match(req, { ignoreSearch: true })) ?? (await caches.match("/")) ?? Response.error()),
    );
    return;
  }
  if (url.pathname.startsWith("/static/")) {
    e.respondWith(
      caches.match(req, { ignoreSearch: true }).then((hit) => hit ?? fetch(req)),
    );
  }
});
