// An IndexedDB database holding an outbox (what waits to be sent, keyed by `id`) and a cache (what the server
// last answered), shared by the field app (/m/) and household scoring: OfflineStore(name) → {outbox, cache}.
"use strict";
window.OfflineStore = function (name) {
  let dbPromise = null;
  function db() {
    if (!dbPromise) {
      dbPromise = new Promise((resolve, reject) => {
        const req = indexedDB.open(name, 1);
        req.onupgradeneeded = () => {
          req.result.createObjectStore("outbox", { keyPath: "id" });
          req.result.createObjectStore("cache");
        };
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
    }
    return dbPromise;
  }
  function idb(store, mode, fn) {
    return db().then((d) => new Promise((resolve, reject) => {
      const t = d.transaction(store, mode);
      const req = fn(t.objectStore(store));
      t.oncomplete = () => resolve(req ? req.result : undefined);
      t.onerror = t.onabort = () => reject(t.error);
    }));
  }
  return {
    outbox: {
      all: () => idb("outbox", "readonly", (s) => s.getAll()),
      get: (id) => idb("outbox", "readonly", (s) => s.get(id)),
      put: (item) => idb("outbox", "readwrite", (s) => s.put(item)),
      del: (id) => idb("outbox", "readwrite", (s) => s.delete(id)),
    },
    cache: {
      get: (key) => idb("cache", "readonly", (s) => s.get(key)),
      put: (key, value) => idb("cache", "readwrite", (s) => s.put(value, key)),
    },
  };
};
