// The service worker: the app shell precached under a versioned name (bump VERSION whenever a file
// in public/ changes; the browser tests check that every file is listed), /api/ network only
// (authenticated answers are never cached), images cache-first under a size limit (published
// copies excepted: the browser's HTTP cache and their five-minute Cache-Control decide), and the
// Background Sync tag of the offline prompt queue.

const VERSION = 'v11';
const SHELL_CACHE = `shell-${VERSION}`;
// Images keep their cache across versions: an image at a path never changes.
const IMAGE_CACHE = 'images-v1';
/** About 200 gallery thumbnails and views at 20–150 KB each: tens of MB at most. */
const IMAGE_LIMIT = 200;

const PRECACHE = [
  '/', '/offline.html', '/styles.css', '/app.js', '/manifest.webmanifest',
  '/icons/icon.svg', '/icons/icon-192.png', '/icons/icon-512.png', '/icons/maskable-512.png',
  '/js/api.js', '/js/controller.js', '/js/db.js', '/js/dom.js', '/js/i18n.js', '/js/library.js', '/js/queue.js',
  '/js/strings.js',
  '/js/screens/auth.js', '/js/screens/collections.js', '/js/screens/dashboard.js', '/js/screens/explore.js', '/js/screens/gallery.js',
  '/js/screens/generate.js', '/js/screens/image.js', '/js/screens/operator.js', '/js/screens/settings.js',
  '/js/widgets/adjust.js', '/js/widgets/card.js', '/js/widgets/install.js', '/js/widgets/keys.js', '/js/widgets/network.js',
  '/js/widgets/password.js', '/js/widgets/queuelist.js', '/js/widgets/sessions.js', '/js/widgets/share.js',
  '/js/widgets/templates.js', '/js/widgets/toast.js', '/js/widgets/update.js', '/js/widgets/verify.js',
];

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(SHELL_CACHE).then((cache) => cache.addAll(PRECACHE)));
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    const keep = [SHELL_CACHE, IMAGE_CACHE];
    for (const name of await caches.keys()) if (!keep.includes(name)) await caches.delete(name);
    await self.clients.claim();
  })());
});

// The update flow: the page shows "update available"; on the user's yes it asks us to take over.
self.addEventListener('message', (event) => {
  if (event.data?.type === 'skip-waiting') self.skipWaiting();
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  const sameOrigin = url.origin === self.location.origin;
  if (sameOrigin && url.pathname.startsWith('/api/')) return;
  // Published copies follow their own Cache-Control (five minutes): kept here, an unpublished
  // image would go on showing for as long as the cache lasts.
  if (url.pathname.includes('/storage/v1/object/public/')) return;
  if (request.destination === 'image') return event.respondWith(imageCacheFirst(request, url));
  if (!sameOrigin) return;
  if (request.mode === 'navigate') return event.respondWith(navigation(request, url));
  if (PRECACHE.includes(url.pathname)) event.respondWith(shellCacheFirst(request));
});

/** The app is one page: every navigation to it gets the precached shell; others try the network
 *  and fall back to the offline page. */
async function navigation(request, url) {
  if (url.pathname === '/' || url.pathname === '/index.html') {
    const shell = await caches.match('/', { cacheName: SHELL_CACHE });
    if (shell) return shell;
  }
  try {
    return await fetch(request);
  } catch {
    return (await caches.match('/offline.html', { cacheName: SHELL_CACHE })) ?? Response.error();
  }
}

async function shellCacheFirst(request) {
  return (await caches.match(request, { cacheName: SHELL_CACHE, ignoreSearch: true })) ?? fetch(request);
}

/** Signed image URLs differ on every listing (their token), so the cache key is the URL without
 *  its query: the object's path. Eviction is oldest-first once past the limit. */
async function imageCacheFirst(request, url) {
  const key = `${url.origin}${url.pathname}`;
  const cache = await caches.open(IMAGE_CACHE);
  const hit = await cache.match(key);
  if (hit) return hit;
  const response = await fetch(request);
  if (response.ok || response.type === 'opaque') {
    await cache.put(key, response.clone());
    const keys = await cache.keys();
    for (const old of keys.slice(0, Math.max(0, keys.length - IMAGE_LIMIT))) await cache.delete(old);
  }
  return response;
}

// Background Sync: the page holds the access token (memory only), so the open window sends the
// queue; with no window open the queue waits until the app is opened.
self.addEventListener('sync', (event) => {
  if (event.tag !== 'prompt-queue') return;
  event.waitUntil(self.clients.matchAll({ type: 'window' }).then((windows) => {
    for (const client of windows) client.postMessage({ type: 'flush-queue' });
  }));
});
