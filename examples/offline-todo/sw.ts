// The offline todo page's service worker: it keeps the page's files (the page, its code, the
// library bundle) so that the page opens while the hub, which serves them, is down. Network
// first: when the hub answers, the files are fresh and the copies are updated.

/** The parts of a service worker's events this worker uses (the DOM lib does not declare them). */
interface WorkerEvent extends Event {
  waitUntil(promise: Promise<unknown>): void;
}
interface WorkerFetchEvent extends WorkerEvent {
  readonly request: Request;
  respondWith(response: Promise<Response>): void;
}
interface Worker {
  addEventListener(type: 'install' | 'activate', listener: (event: WorkerEvent) => void): void;
  addEventListener(type: 'fetch', listener: (event: WorkerFetchEvent) => void): void;
  skipWaiting(): Promise<void>;
  readonly clients: { claim(): Promise<void> };
}

const worker = self as unknown as Worker;
const CACHE = 'varspace-offline-todo-v1';
const FILES = ['/examples/offline-todo/', '/examples/offline-todo/app.js', '/varspace.js'];

worker.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(FILES)));
  void worker.skipWaiting();
});
worker.addEventListener('activate', (event) => event.waitUntil(worker.clients.claim()));
worker.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== location.origin || !FILES.includes(url.pathname)) return;
  event.respondWith(
    fetch(event.request).then(
      (response) => {
        const copy = response.clone();
        if (response.ok) void caches.open(CACHE).then((cache) => cache.put(event.request, copy));
        return response;
      },
      async () => (await caches.match(event.request)) ?? Response.error(),
    ),
  );
});

export {};
