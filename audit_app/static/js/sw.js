/* The service worker: the checklist of a prepared audit opens without a connection.

   Served as /sw.js (scope "/"). It caches nothing on its own initiative except the app's
   static files; the pages of an audit are cached only when the auditor prepared that audit
   for offline use (static/js/offline.js puts them into a cache named
   "aiz-offline-u<user>-a<audit>"). Requests:
   - static files: from the cache, refreshed in the background;
   - a page that is in a prepared audit's cache: from the network while online (the cache
     is refreshed with it), from the cache when the network fails;
   - anything else: the network only (nothing of other audits is stored).
   Saves never go through here: the outbox in offline.js stores them in IndexedDB. */
"use strict";

var STATIC_CACHE = "aiz-static-v2";
var STATIC_FILES = [
  "/static/css/app.css",
  "/static/js/app.js",
  "/static/js/checklist.js",
  "/static/js/offline.js",
  "/static/vendor/htmx-2.0.11/htmx.min.js",
  "/static/vendor/pico-2.1.1/pico.min.css",
  "/static/favicon.svg"
];
var OFFLINE_PREFIX = "aiz-offline-";

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(STATIC_CACHE).then(function (cache) {
    return cache.addAll(STATIC_FILES);
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf("aiz-static-") === 0 && name !== STATIC_CACHE;
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

function preparedCacheFor(url) {
  // The prepared cache that holds this URL (pathname match, query ignored), if any.
  return caches.keys().then(function (names) {
    var prepared = names.filter(function (n) { return n.indexOf(OFFLINE_PREFIX) === 0; });
    return prepared.reduce(function (found, name) {
      return found.then(function (hit) {
        if (hit) { return hit; }
        return caches.open(name).then(function (cache) {
          return cache.match(url, {ignoreSearch: true}).then(function (response) {
            return response ? {cache: cache, name: name} : null;
          });
        });
      });
    }, Promise.resolve(null));
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }

  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(caches.open(STATIC_CACHE).then(function (cache) {
      return cache.match(request).then(function (cached) {
        var network = fetch(request).then(function (response) {
          if (response.ok) { cache.put(request, response.clone()); }
          return response;
        });
        return cached || network;
      });
    }));
    return;
  }

  if (request.mode !== "navigate") { return; }
  event.respondWith(preparedCacheFor(url.pathname).then(function (hit) {
    if (!hit) { return fetch(request); }
    return fetch(request).then(function (response) {
      // Keep the prepared copy current while online (only real pages, not the sign-in page).
      if (response.ok && !response.redirected) {
        hit.cache.put(url.pathname, response.clone());
      }
      return response;
    }).catch(function () {
      return hit.cache.match(url.pathname, {ignoreSearch: true});
    });
  }));
});
