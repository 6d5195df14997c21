// Field app (/m/): report with GPS and camera, tasks, history; works offline with an IndexedDB outbox.
"use strict";
(function () {
  const BOOT = JSON.parse(document.getElementById("boot").textContent);
  const URLS = BOOT.urls;
  const USER = BOOT.user.username;
  const CATS = Object.fromEntries(BOOT.categories.map((c) => [c.code, c]));
  const $ = (id) => document.querySelector(`[data-testid="${id}"]`);

  // --- small DOM helper: text is always set as text, never as HTML --------------------------------
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "onclick" || key === "onchange") node.addEventListener(key.slice(2), value);
      else if (key === "text") node.textContent = value;
      else node.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children.flat()) {
      if (child !== null && child !== undefined && child !== false) {
        node.append(child instanceof Node ? child : String(child));
      }
    }
    return node;
  }
  const icon = (name) => el("i", { class: `fa-solid fa-${name}` });

  function notice(text) {
    const box = $("notice");
    box.textContent = text || "";
    box.hidden = !text;
  }

  // --- IndexedDB (static/js/offline-store.js): the outbox (things to send) and a cache of what the server said
  const store = OfflineStore("patrol-mobile");
  const outbox = {
    ...store.outbox,
    all: () => store.outbox.all()
      .then((items) => items.filter((i) => i.user === USER).sort((a, b) => a.createdAt - b.createdAt)),
  };
  const stash = {
    get: (key) => store.cache.get(`${USER}:${key}`),
    put: (key, value) => store.cache.put(`${USER}:${key}`, value),
  };

  // --- server ----------------------------------------------------------------------------------------
  function csrfToken() {
    const m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }
  async function call(method, url, body, extra) {
    const headers = Object.assign({ Accept: "application/json", "X-CSRFToken": csrfToken() }, extra || {});
    let payload = body;
    if (body && !(body instanceof FormData)) {
      headers["Content-Type"] = "application/json";
      payload = JSON.stringify(body);
    }
    const response = await fetch(url, { method, headers, body: payload, credentials: "same-origin" });
    let data = null;
    try {
      data = await response.json();
    } catch (err) {
      data = null;
    }
    if (response.status === 401 || (response.status === 403 && data && /CSRF|认证|credentials/.test(data.detail || ""))) {
      notice("登录已过期：请重新登录后再同步（未发送的内容已保存在手机上）");
    }
    return { status: response.status, data, etag: response.headers.get("ETag") };
  }
  // GET with a copy kept on the phone: fresh when online, the last copy when offline. With `revalidate` the
  // copy's ETag goes along (If-None-Match): an unchanged answer comes back as a 304 and nothing is sent again.
  async function getJSON(url, revalidate) {
    if (navigator.onLine) {
      try {
        const etag = revalidate ? await stash.get(`${url}#etag`) : null;
        let r = await call("GET", url, undefined, etag ? { "If-None-Match": etag } : undefined);
        if (r.status === 304) {
          const copy = await stash.get(url);
          if (copy) return copy;
          r = await call("GET", url);  // the copy is gone: ask for the whole answer
        }
        if (r.status === 200) {
          await stash.put(url, r.data);
          if (revalidate && r.etag) await stash.put(`${url}#etag`, r.etag);
          return r.data;
        }
      } catch (err) { /* fall back to the copy */ }
    }
    return (await stash.get(url)) || null;
  }

  // --- coordinates -------------------------------------------------------------------------------------
  const A = 6378245.0, EE = 0.00669342162296594323;
  function outOfChina(lon, lat) { return lon < 72.004 || lon > 137.8347 || lat < 0.8293 || lat > 55.8271; }
  function tLat(x, y) {
    let r = -100 + 2 * x + 3 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
    r += (20 * Math.sin(6 * x * Math.PI) + 20 * Math.sin(2 * x * Math.PI)) * 2 / 3;
    r += (20 * Math.sin(y * Math.PI) + 40 * Math.sin(y / 3 * Math.PI)) * 2 / 3;
    return r + (160 * Math.sin(y / 12 * Math.PI) + 320 * Math.sin(y * Math.PI / 30)) * 2 / 3;
  }
  function tLon(x, y) {
    let r = 300 + x + 2 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
    r += (20 * Math.sin(6 * x * Math.PI) + 20 * Math.sin(2 * x * Math.PI)) * 2 / 3;
    r += (20 * Math.sin(x * Math.PI) + 40 * Math.sin(x / 3 * Math.PI)) * 2 / 3;
    return r + (150 * Math.sin(x / 12 * Math.PI) + 300 * Math.sin(x / 30 * Math.PI)) * 2 / 3;
  }
  function wgsToGcj(lon, lat) {
    if (outOfChina(lon, lat)) return [lon, lat];
    const radLat = lat / 180 * Math.PI;
    let magic = Math.sin(radLat);
    magic = 1 - EE * magic * magic;
    const sq = Math.sqrt(magic);
    const dLat = (tLat(lon - 105, lat - 35) * 180) / ((A * (1 - EE)) / (magic * sq) * Math.PI);
    const dLon = (tLon(lon - 105, lat - 35) * 180) / (A / sq * Math.cos(radLat) * Math.PI);
    return [lon + dLon, lat + dLat];
  }
  function gcjToWgs(lon, lat) {
    let x = lon, y = lat;
    for (let i = 0; i < 10; i++) {
      const [gx, gy] = wgsToGcj(x, y);
      x -= gx - lon;
      y -= gy - lat;
    }
    return [x, y];
  }
  function metres(a, b) {
    const r = 6371008.8, rad = Math.PI / 180;
    const dLat = (b[1] - a[1]) * rad, dLon = (b[0] - a[0]) * rad;
    const h = Math.sin(dLat / 2) ** 2 + Math.cos(a[1] * rad) * Math.cos(b[1] * rad) * Math.sin(dLon / 2) ** 2;
    return 2 * r * Math.asin(Math.sqrt(h));
  }
  function inRing(pt, ring) {
    let inside = false;
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [xi, yi] = ring[i], [xj, yj] = ring[j];
      if ((yi > pt[1]) !== (yj > pt[1]) && pt[0] < ((xj - xi) * (pt[1] - yi)) / (yj - yi) + xi) inside = !inside;
    }
    return inside;
  }
  function contains(geometry, pt) {
    if (!geometry) return false;
    const polygons = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates;
    return polygons.some((rings) => inRing(pt, rings[0]) && !rings.slice(1).some((hole) => inRing(pt, hole)));
  }

  // Where the phone is (the GPS fix, else the point picked on the map), in WGS-84, for distances to tasks.
  function whereAmI() {
    if (lastFix) {
      const raw = [lastFix.coords.longitude, lastFix.coords.latitude];
      return $("report-gcj02").checked ? gcjToWgs(raw[0], raw[1]) : raw;
    }
    return pos.wgs;
  }
  function bearing(a, b) {
    const rad = Math.PI / 180, dLon = (b[0] - a[0]) * rad;
    const y = Math.sin(dLon) * Math.cos(b[1] * rad);
    const x = Math.cos(a[1] * rad) * Math.sin(b[1] * rad) - Math.sin(a[1] * rad) * Math.cos(b[1] * rad) * Math.cos(dLon);
    return (Math.atan2(y, x) / rad + 360) % 360;
  }
  const DIRECTIONS = ["北", "东北", "东", "东南", "南", "西南", "西", "西北"];
  const direction = (deg) => DIRECTIONS[Math.round(deg / 45) % 8];
  const distanceText = (m) => (m < 1000 ? `${Math.round(m)} 米` : `${(m / 1000).toFixed(1)} 公里`);

  // --- areas (boundaries of the user's area, kept for offline use) -------------------------------------------
  const areas = { villages: [], grids: [], names: {} };
  // Villages first, grids after: on a weak signal the village (what a report needs to show) comes without
  // waiting for the grids, which are larger; the place is shown again when they come.
  async function loadAreas() {
    const villages = await getJSON(URLS.villages, true);
    areas.villages = (villages && villages.features) || [];
    for (const f of areas.villages) areas.names[f.id] = f.properties.name;
    drawAreas();
    showPlace();
    const grids = await getJSON(URLS.grids, true);
    areas.grids = (grids && grids.features) || [];
    for (const f of areas.grids) areas.names[f.id] = f.properties.name;
    drawAreas();
  }
  function placeOf(pt) {
    const village = areas.villages.find((f) => contains(f.geometry, pt));
    const grid = village && areas.grids.find((f) => f.properties.village === village.id && contains(f.geometry, pt));
    return { village, grid };
  }
  const nameOf = (code) => (code && areas.names[code]) || code || "";

  // --- map and position ----------------------------------------------------------------------------
  let map = null, marker = null, circle = null, areaLayer = null;
  // pos.raw: coordinates as the source gave them, in pos.crs; pos.wgs: the same point in WGS-84 (map, lookup).
  const pos = { raw: null, wgs: null, crs: "wgs84", accuracy: null, dragged: false };

  function initMap() {
    if (typeof L === "undefined") return;
    map = L.map("map", { attributionControl: false, zoomControl: true }).setView([31.11, 121.44], 13);
    const pinIcon = L.divIcon({ className: "", html: '<div class="pin"></div>', iconSize: [22, 22], iconAnchor: [11, 26] });
    marker = L.marker([31.11, 121.44], { draggable: true, icon: pinIcon, keyboard: false });
    marker.on("dragend", () => {
      const ll = marker.getLatLng();
      setPosition([ll.lng, ll.lat], "wgs84", null, true);
    });
    map.on("click", (e) => setPosition([e.latlng.lng, e.latlng.lat], "wgs84", null, true));
  }
  function drawAreas() {
    if (!map) return;
    if (areaLayer) areaLayer.remove();
    areaLayer = L.featureGroup([
      L.geoJSON({ type: "FeatureCollection", features: areas.villages }, { style: { color: "#1f4e79", weight: 2, fillOpacity: 0.05 } }),
      L.geoJSON({ type: "FeatureCollection", features: areas.grids }, { style: { color: "#1f4e79", weight: 1, dashArray: "4 4", fill: false } }),
    ]).addTo(map);
    if (!pos.wgs && areas.villages.length) map.fitBounds(areaLayer.getBounds());
  }

  function setPosition(raw, crs, accuracy, dragged) {
    pos.raw = raw;
    pos.crs = crs;
    pos.wgs = crs === "gcj02" ? gcjToWgs(raw[0], raw[1]) : raw;
    pos.accuracy = accuracy;
    pos.dragged = dragged;
    if (map) {
      const ll = [pos.wgs[1], pos.wgs[0]];
      if (!map.hasLayer(marker)) {
        marker.addTo(map);
        map.setView(ll, 16);
      }
      marker.setLatLng(ll);
      if (circle) circle.remove();
      circle = accuracy ? L.circle(ll, { radius: accuracy, weight: 1, fillOpacity: 0.1 }).addTo(map) : null;
    }
    showPlace();
  }
  let lastFix = null;
  function onFix(p) {
    lastFix = p;
    if (pos.dragged) return;
    const gcj = $("report-gcj02").checked;
    setPosition([p.coords.longitude, p.coords.latitude], gcj ? "gcj02" : "wgs84", p.coords.accuracy, false);
  }
  function startLocating() {
    if (!navigator.geolocation) {
      $("report-village").textContent = "此设备不能定位：请在地图上点选位置";
      return;
    }
    navigator.geolocation.watchPosition(onFix, (err) => {
      if (!pos.wgs) $("report-village").textContent = `定位失败（${err.message || err.code}）：请在地图上点选位置`;
    }, { enableHighAccuracy: true, maximumAge: 10000, timeout: 30000 });
  }

  function showPlace() {
    if (!pos.wgs) return;
    const { village, grid } = placeOf(pos.wgs);
    const label = $("report-village");
    if (village) {
      label.textContent = village.properties.name + (grid ? ` · ${grid.properties.name}` : "");
      label.classList.remove("warn");
    } else {
      label.textContent = areas.villages.length ? "不在您辖区的行政村内" : "（边界未加载，无法判断所在村）";
      label.classList.add("warn");
    }
    $("report-coords").textContent = `${pos.raw[0].toFixed(6)}, ${pos.raw[1].toFixed(6)}`;
    $("report-accuracy").textContent = pos.accuracy ? `精度 ±${Math.round(pos.accuracy)} 米` : (pos.dragged ? "手动选点" : "");
    $("report-crs").hidden = pos.crs !== "gcj02";
    checkDuplicates();
  }

  // A likely duplicate: an open problem of the same category close by (asked of the server when online).
  let dupTimer = null;
  function checkDuplicates() {
    clearTimeout(dupTimer);
    const box = $("report-duplicates");
    if (!pos.wgs || !form.category) {
      box.hidden = true;
      return;
    }
    if (!navigator.onLine) {
      box.hidden = false;
      box.textContent = "离线：暂时无法检查附近是否已有同类问题";
      return;
    }
    dupTimer = setTimeout(async () => {
      const [lon, lat] = pos.wgs, d = 0.001;
      const q = new URLSearchParams({ category: form.category, bbox: [lon - d, lat - d, lon + d, lat + d].join(",") });
      ["reported", "assigned", "submitted"].forEach((s) => q.append("status", s));
      try {
        const r = await call("GET", `${URLS.issues}?${q}`);
        const near = ((r.data && r.data.features) || [])
          .map((f) => ({ f, m: metres(pos.wgs, f.geometry.coordinates) }))
          .filter((x) => x.m <= BOOT.duplicate_m).sort((a, b) => a.m - b.m);
        box.hidden = !near.length;
        box.replaceChildren(...near.map(({ f, m }) => el("div", {},
          icon("triangle-exclamation"), ` 可能重复：${Math.round(m)} 米内已有同类问题 #${f.id}（${BOOT.statuses[f.properties.status]}）`)));
      } catch (err) {
        box.hidden = true;
      }
    }, 400);
  }

  // --- report form ---------------------------------------------------------------------------------
  const form = { category: null, photos: [] };

  // One-handed first screen: the first eleven categories (admin order) and a "more" cell, three rows of four; the
  // others open below, grouped by campaign (净宅 / 净地 / 净水 / 净厕 / 其他). Every button stays in the page, hidden when closed.
  const COMMON = 11;
  let moreOpen = false;

  function renderCategories() {
    const box = $("categories");
    const button = (c, hidden) => el("button", {
      type: "button", "data-testid": `category-${c.code}`, "aria-pressed": String(form.category === c.code),
      hidden, onclick: () => { form.category = c.code; renderCategories(); checkDuplicates(); },
    }, icon(c.icon || "circle-exclamation"), c.name);
    const common = BOOT.categories.slice(0, COMMON), rest = BOOT.categories.slice(COMMON);
    const open = moreOpen || rest.some((c) => c.code === form.category);
    const groups = new Map();
    for (const c of rest) {
      const key = c.campaign || "其他";
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key).push(c);
    }
    const toggle = rest.length ? el("button", {
      type: "button", "data-testid": "categories-more", "aria-expanded": String(open),
      onclick: () => { moreOpen = !open; renderCategories(); },
    }, icon(open ? "chevron-up" : "ellipsis"), open ? "收起" : `更多（${rest.length}）`) : null;
    const more = [...groups].map(([name, cats]) => [
      el("div", { class: "cat-group", hidden: !open, "data-testid": "category-group" }, name),
      ...cats.map((c) => button(c, !open)),
    ]);
    box.replaceChildren(...common.map((c) => button(c, false)), toggle, ...more.flat());
  }

  async function shrink(file, max = 1600) {
    let bitmap;
    try {
      bitmap = await createImageBitmap(file);
    } catch (err) {
      return file; // a format the phone cannot decode: the server checks it
    }
    const scale = Math.min(1, max / Math.max(bitmap.width, bitmap.height));
    if (scale === 1) {
      bitmap.close();
      return file;
    }
    const canvas = document.createElement("canvas");
    canvas.width = Math.round(bitmap.width * scale);
    canvas.height = Math.round(bitmap.height * scale);
    canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    bitmap.close();
    return new Promise((resolve) => canvas.toBlob((blob) => resolve(blob || file), "image/jpeg", 0.85));
  }
  async function takePhotos(input, list, thumbs) {
    const files = Array.from(input.files || []);
    input.value = "";
    for (const file of files) list.push(await shrink(file));
    renderThumbs(list, thumbs);
  }
  function renderThumbs(list, box) {
    box.querySelectorAll("img").forEach((img) => URL.revokeObjectURL(img.src));
    box.replaceChildren(...list.map((blob, i) => el("figure", {},
      el("img", { src: URL.createObjectURL(blob), alt: `照片${i + 1}` }),
      el("button", { type: "button", "aria-label": "删除照片", onclick: () => { list.splice(i, 1); renderThumbs(list, box); } }, "×"))));
  }

  function uuid() {
    if (crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  async function submitReport() {
    const error = $("report-error");
    const problem = !pos.wgs ? "还没有位置：请等待定位或在地图上点选"
      : !form.category ? "请选择问题类别" : !form.photos.length ? "请至少拍一张现场照片" : "";
    error.textContent = problem;
    error.hidden = !problem;
    if (problem) return;
    const id = uuid();
    const { village, grid } = placeOf(pos.wgs);
    const item = {
      id, kind: "report", user: USER, createdAt: Date.now(), state: "pending", error: "",
      label: `${CATS[form.category].name} · ${village ? village.properties.name + (grid ? " " + grid.properties.name : "") : "辖区外"}`,
      feature: {
        type: "Feature",
        geometry: { type: "Point", coordinates: pos.raw },
        properties: {
          category: form.category, description: $("report-description").value.trim(), source: $("report-source").value,
          client_uuid: id, crs: pos.crs, accuracy_m: pos.accuracy ? Math.round(pos.accuracy * 10) / 10 : null,
        },
      },
      photos: form.photos.slice(), photosSent: 0, issueId: null,
    };
    form.category = null;
    form.photos = [];
    $("report-description").value = "";
    renderCategories();
    renderThumbs(form.photos, $("report-thumbs"));
    notice(navigator.onLine ? "" : "已保存在手机上，联网后自动发送");
    confirming = id;
    confirmReport(item);
    await queue(item);
  }

  // After 上报 the form is empty again; this box says what became of the report: its number (a link to the
  // problem's page) once the server has it, that it waits on the phone, or that the server refused it.
  let confirming = null;
  function confirmReport(item) {
    if (!item || item.id !== confirming) return;
    const box = $("report-confirmation");
    box.classList.toggle("waiting", !item.issueId);
    if (item.state === "refused") {
      box.replaceChildren(icon("circle-xmark"), ` 被服务器退回：${item.error}（见“我的记录”，可修改后重报）`);
    } else if (item.issueId) {
      box.replaceChildren(icon("circle-check"), " 已上报：问题 ",
        el("a", { href: URLS.issue_page.replace("{id}", item.issueId) }, `#${item.issueId}`),
        item.photosSent < item.photos.length ? "（照片发送中）" : "，照片已发送");
    } else {
      box.replaceChildren(icon("clock"), navigator.onLine ? " 已保存，正在发送…"
        : " 已保存在手机上，联网后自动发送；发送后这里显示问题编号");
    }
    box.hidden = false;
  }

  // --- the outbox and sync -----------------------------------------------------------------------
  // A 2xx is done; 408/429/5xx, a lost login or no connection keep the item pending; any other 4xx refuses it.
  function verdict(r) {
    if (r.status >= 200 && r.status < 300) return "ok";
    if (r.status === 401 || r.status === 408 || r.status === 429 || r.status >= 500) return "later";
    if (r.status === 403 && r.data && /CSRF|认证|credentials/.test(r.data.detail || "")) return "later";
    return "refused";
  }
  async function refuse(item, r) {
    item.state = "refused";
    item.error = (r.data && r.data.detail) || `服务器拒绝（HTTP ${r.status}）`;
    await outbox.put(item);
    confirmReport(item);
    return "refused";
  }
  async function step(item, r, onOk) {
    const v = verdict(r);
    if (v === "refused") return refuse(item, r);
    if (v === "later") return "later";
    await onOk();
    return "ok";
  }
  async function sendPhotos(item, issueId, kind) {
    while (item.photosSent < item.photos.length) {
      const body = new FormData();
      body.append("image", item.photos[item.photosSent], `photo-${item.photosSent + 1}.jpg`);
      body.append("kind", kind);
      body.append("source", "app");
      const r = await call("POST", URLS.issue_photos.replace("{id}", issueId), body);
      const v = await step(item, r, async () => { item.photosSent += 1; await outbox.put(item); });
      if (v !== "ok") return v;
    }
    return "ok";
  }
  const senders = {
    async report(item) {
      if (!item.issueId) {
        const r = await call("POST", URLS.issues, item.feature);
        const v = await step(item, r, async () => { item.issueId = r.data.id; await outbox.put(item); });
        if (v !== "ok") return v;
        confirmReport(item);
      }
      const v = await sendPhotos(item, item.issueId, "before");
      confirmReport(item);
      return v;
    },
    async rectify(item) {
      const v = await sendPhotos(item, item.issueId, "after");
      if (v !== "ok") return v;
      const r = await call("POST", URLS.issue_transition.replace("{id}", item.issueId),
        { action: "submit", note: item.note, ...(item.location ? { location: item.location } : {}) });
      if (r.status === 409 && r.data && r.data.status === "submitted") return "ok"; // an earlier try got through
      return step(item, r, async () => {});
    },
    async reinspect(item) {
      const r = await call("POST", URLS.reinspection_record.replace("{id}", item.sampleId),
        { result: item.result, note: item.note, ...(item.location ? { location: item.location } : {}) });
      return step(item, r, async () => {});
    },
  };

  let syncing = false, again = false;
  async function sync() {
    if (!navigator.onLine) {
      document.body.dataset.sync = "offline";
      return;
    }
    if (syncing) {
      again = true; // something was queued during this sync: go round once more
      return;
    }
    syncing = true;
    document.body.dataset.sync = "running";
    const run = async () => {
      for (const item of await outbox.all()) {
        if (item.state !== "pending" || !navigator.onLine) continue;
        let outcome;
        try {
          outcome = await senders[item.kind](item);
        } catch (err) {
          outcome = "later"; // no connection: try again later
        }
        if (outcome === "ok") await outbox.del(item.id);
        if (outcome === "later") return false;
      }
      return true;
    };
    try {
      let carryOn = true;
      do {
        again = false;
        // Web Locks also keep two open tabs of the app from sending the same item at once.
        carryOn = navigator.locks
          ? await navigator.locks.request("patrol-sync", { ifAvailable: true }, (lock) => (lock ? run() : false))
          : await run();
      } while (again && carryOn && navigator.onLine);
    } finally {
      syncing = false;
    }
    await refresh();
    document.body.dataset.sync = navigator.onLine ? "idle" : "offline";
  }
  // Keep an item on the phone, then try to send it.
  async function queue(item) {
    document.body.dataset.sync = "queued";
    await outbox.put(item);
    await refresh();
    sync();
  }

  // --- lists ---------------------------------------------------------------------------------------
  const KIND_LABEL = { report: "上报", rectify: "提交整改", reinspect: "回头看" };
  function outboxCard(item) {
    const photos = item.photos ? `，照片 ${item.photos.length} 张` : "";
    const what = item.kind === "report" ? item.label : item.label || `#${item.issueId || item.sampleId}`;
    return el("div", { class: `card ${item.state}`, "data-testid": "outbox-item", "data-state": item.state },
      el("div", { class: "title" }, `${KIND_LABEL[item.kind]}：${what}`),
      el("div", { class: "small" }, item.state === "refused" ? "被服务器退回" : `待发送${photos}`,
        ` · ${new Date(item.createdAt).toLocaleString("zh-CN")}`),
      item.state === "refused" ? el("div", { class: "reason", "data-testid": "outbox-error" }, `原因：${item.error}`) : null,
      item.state === "refused" ? el("div", { class: "actions" },
        item.kind === "report" && !item.issueId
          ? el("button", { type: "button", "data-testid": "outbox-edit", onclick: () => editItem(item) }, "修改后重报") : null,
        el("button", { type: "button", "data-testid": "outbox-retry", onclick: () => retryItem(item) }, "重试"),
        el("button", { type: "button", "data-testid": "outbox-delete", onclick: () => deleteItem(item) }, "删除")) : null);
  }
  async function retryItem(item) {
    item.state = "pending";
    item.error = "";
    await queue(item);
  }
  async function deleteItem(item) {
    if (!window.confirm("删除后这条记录不会再发送，确定吗？")) return;
    await outbox.del(item.id);
    refresh();
  }
  // A refused report goes back into the form (a new client_uuid is issued on sending again).
  async function editItem(item) {
    const p = item.feature.properties;
    form.category = p.category;
    form.photos = item.photos.slice();
    $("report-description").value = p.description;
    $("report-source").value = p.source;
    setPosition(item.feature.geometry.coordinates, p.crs, p.accuracy_m, true);
    renderCategories();
    renderThumbs(form.photos, $("report-thumbs"));
    await outbox.del(item.id);
    showTab("report");
    refresh();
  }

  function issueCard(f, extra, m) {
    const p = f.properties, cat = CATS[p.category];
    return el("div", { class: "card", "data-testid": "issue-card", "data-issue": f.id },
      el("div", { class: "title" }, el("span", { class: `light ${p.light}`, title: p.light }),
        cat ? icon(cat.icon) : null, ` ${cat ? cat.name : p.category} #${f.id} `,
        m === null || m === undefined ? null : el("span", { class: "dist", "data-testid": "task-distance" }, `距此 ${distanceText(m)}`)),
      el("div", { class: "small" }, `${nameOf(p.village)} ${nameOf(p.grid)} · ${BOOT.statuses[p.status] || p.status}`,
        p.deadline ? ` · 期限 ${p.deadline}` : "", p.red_supervision ? " · 红色督办" : ""),
      p.description ? el("div", { class: "small" }, p.description) : null,
      extra || null);
  }

  async function renderHistory(items) {
    const box = $("outbox");
    box.replaceChildren(...(items.length ? items.map(outboxCard) : [el("p", { class: "empty" }, "没有待发送的内容")]));
    const data = await getJSON(`${URLS.issues}?mine=1&page_size=200`);
    const list = $("history");
    if (!data) list.replaceChildren(el("p", { class: "empty" }, "离线：暂无已下载的记录"));
    else if (!data.features.length) list.replaceChildren(el("p", { class: "empty" }, "还没有上报过问题"));
    else list.replaceChildren(...data.features.map((f) => issueCard(f)));
  }

  function navLinks(lon, lat, name) {
    return [
      el("a", { href: `geo:${lat},${lon}?q=${lat},${lon}(${encodeURIComponent(name)})` }, icon("diamond-turn-right"), " 导航"),
      el("a", { href: `https://uri.amap.com/marker?position=${lon},${lat}&name=${encodeURIComponent(name)}&coordinate=wgs84&callnative=1`,
        target: "_blank", rel: "noopener" }, "高德地图"),
    ];
  }
  function here() {
    return pos.wgs && !pos.dragged ? [Number(pos.wgs[0].toFixed(7)), Number(pos.wgs[1].toFixed(7))] : null;
  }

  function rectifyForm(f) {
    const photos = [];
    const thumbs = el("div", { class: "thumbs" });
    const note = el("textarea", { rows: 2, placeholder: "整改说明", "data-testid": `rectify-note-${f.id}` });
    const input = el("input", { type: "file", accept: "image/*", capture: "environment", multiple: true,
      "data-testid": `rectify-photo-${f.id}`, onchange: () => takePhotos(input, photos, thumbs) });
    const error = el("p", { class: "error", hidden: true });
    const send = async () => {
      if (!photos.length) {
        error.hidden = false;
        error.textContent = "请拍整改后照片";
        return;
      }
      await queue({ id: uuid(), kind: "rectify", user: USER, createdAt: Date.now(), state: "pending", error: "",
        issueId: f.id, label: `${CATS[f.properties.category] ? CATS[f.properties.category].name : ""} #${f.id}`,
        note: note.value.trim(), photos: photos.slice(), photosSent: 0, location: here() });
    };
    return el("div", {}, el("label", { class: "photo-btn" }, icon("camera"), " 整改后照片", input), thumbs, note, error,
      el("button", { type: "button", class: "primary", "data-testid": `rectify-submit-${f.id}`, onclick: send }, "提交整改"));
  }

  function reinspectCard(s, pendingResult, m) {
    const cat = CATS[s.category];
    const record = (result) => async () => {
      await queue({ id: uuid(), kind: "reinspect", user: USER, createdAt: Date.now(), state: "pending", error: "",
        sampleId: s.id, result, note: "", label: `${cat ? cat.name : s.category} #${s.issue}`, location: here() });
    };
    const labels = { held: "保持", came_back: "反弹" };
    const done = s.result || pendingResult;
    return el("div", { class: "card", "data-testid": "reinspection-card", "data-sample": s.id },
      el("div", { class: "title" }, cat ? icon(cat.icon) : null, ` ${cat ? cat.name : s.category} #${s.issue} `,
        m === null || m === undefined ? null : el("span", { class: "dist", "data-testid": "task-distance" }, `距此 ${distanceText(m)}`)),
      el("div", { class: "small" }, nameOf(s.village), done ? ` · 结果：${labels[done]}${s.result ? "" : "（待发送）"}` : " · 待回头看"),
      el("div", { class: "actions" }, ...navLinks(s.location[0], s.location[1], `问题#${s.issue}`),
        done ? null : el("button", { type: "button", "data-testid": `reinspect-held-${s.id}`, onclick: record("held") }, "保持"),
        done ? null : el("button", { type: "button", "data-testid": `reinspect-came_back-${s.id}`, onclick: record("came_back") }, "反弹")));
  }

  // A task list: the open ones nearest first (PAGE at a time), the done ones folded away below.
  const PAGE = 20;
  const shown = {}, foldOpen = {};
  function taskSection(key, rows, card) {
    const open = rows.filter((r) => !r.done), done = rows.filter((r) => r.done);
    if (open.every((r) => r.m !== null)) open.sort((a, b) => a.m - b.m);
    const limit = shown[key] || PAGE;
    const out = open.slice(0, limit).map(card);
    if (open.length > limit) {
      out.push(el("button", { type: "button", class: "more", "data-testid": `${key}-more`,
        onclick: () => { shown[key] = limit + PAGE; refresh(); } }, `再显示 ${Math.min(PAGE, open.length - limit)} 条（还有 ${open.length - limit} 条）`));
    }
    if (done.length) {
      const fold = el("details", { class: "done", "data-testid": `${key}-done`, open: foldOpen[key] || false },
        el("summary", {}, `已完成 ${done.length} 条`), ...done.map(card));
      fold.addEventListener("toggle", () => { foldOpen[key] = fold.open; });
      out.push(fold);
    }
    return out;
  }

  async function renderTasks(items) {
    const role = BOOT.user.role, parts = [], here = whereAmI();
    const away = (lonlat) => (here && lonlat ? metres(here, lonlat) : null);
    await renderPlan(here);
    if (BOOT.urls.scorecards) {
      parts.push(el("a", { class: "card", href: BOOT.urls.scorecards, "data-testid": "scorecard-link" },
        icon("clipboard-check"), " 现场评分表：到村打分"));
    }
    if (["village", "district", "admin"].includes(role)) {
      const pending = new Set(items.filter((i) => i.kind === "rectify" && i.state === "pending").map((i) => i.issueId));
      const data = await getJSON(`${URLS.issues}?status=assigned&page_size=500`);
      const features = (data && data.features) || [];
      parts.push(el("h2", {}, "待整改问题"));
      if (!data) parts.push(el("p", { class: "empty" }, "离线：暂无已下载的任务"));
      else if (!features.length) parts.push(el("p", { class: "empty" }, "没有待整改的问题"));
      const rows = features.map((f) => ({ f, m: away(f.geometry.coordinates), done: pending.has(f.id) }));
      parts.push(...taskSection("rectify", rows, ({ f, m, done }) => {
        const [lon, lat] = f.geometry.coordinates;
        const open = el("div", { hidden: true });
        const actions = el("div", { class: "actions" }, ...navLinks(lon, lat, `问题#${f.id}`),
          done ? el("span", { class: "small" }, "整改已提交，待发送")
            : el("button", { type: "button", "data-testid": `rectify-open-${f.id}`,
              onclick: () => { if (!open.firstChild) open.append(rectifyForm(f)); open.hidden = !open.hidden; } }, "提交整改"));
        return issueCard(f, el("div", {}, actions, open), m);
      }));
    }
    if (["inspector", "town", "district", "admin"].includes(role)) {
      const now = new Date();
      const month = `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, "0")}`;
      const samples = await getJSON(`${URLS.reinspections}?month=${month}`);
      const pending = Object.fromEntries(items.filter((i) => i.kind === "reinspect" && i.state === "pending")
        .map((i) => [i.sampleId, i.result]));
      parts.push(el("h2", {}, `本月回头看（${month}）`));
      if (!samples) parts.push(el("p", { class: "empty" }, "离线：暂无已下载的回头看清单"));
      else if (!samples.length) parts.push(el("p", { class: "empty" }, "本月没有回头看任务"));
      else {
        const rows = samples.map((s) => ({ s, m: away(s.location), done: Boolean(s.result || pending[s.id]) }));
        parts.push(...taskSection("reinspect", rows, ({ s, m }) => reinspectCard(s, pending[s.id], m)));
      }
    }
    $("tasks").replaceChildren(...(parts.length ? parts : [el("p", { class: "empty" }, "您的角色没有移动端任务")]));
  }

  // --- today's patrol plan: the stops of my team in order, and the next one's distance and direction ------
  const today = () => {
    const d = new Date();
    return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
  };
  const local = {
    get: (key, fallback) => { try { return JSON.parse(localStorage.getItem(`${USER}:${key}`)) ?? fallback; } catch (e) { return fallback; } },
    put: (key, value) => { try { localStorage.setItem(`${USER}:${key}`, JSON.stringify(value)); } catch (e) { /* private mode */ } },
  };
  async function renderPlan(here) {
    const box = $("patrol-plan");
    const data = await getJSON(URLS.plan_today);
    if (!data || data.date !== today()) {
      box.replaceChildren(el("p", { class: "empty" }, navigator.onLine ? "" : "离线：今天的巡查计划未下载"));
      return;
    }
    const plan = data.plan;
    if (!plan || !plan.routes.length) {
      box.replaceChildren(el("h2", {}, "今日巡查计划"), el("p", { class: "empty" }, "今天没有巡查计划"));
      return;
    }
    const teams = plan.routes.map((r) => r.team);
    let team = local.get(`plan-${plan.id}-team`, teams[0]);
    if (!teams.includes(team)) team = teams[0];
    const route = plan.routes.find((r) => r.team === team);
    const reached = new Set(local.get(`plan-${plan.id}-reached`, []));
    const isDone = (s) => s.visited || reached.has(`${team}:${s.seq}`);
    const next = route.stops.find((s) => !isDone(s));
    const parts = [el("h2", {}, `今日巡查计划 #${plan.id}（出发 ${plan.day_start}）`)];
    if (teams.length > 1) {
      const select = el("select", { id: "plan-team", onchange: () => { local.put(`plan-${plan.id}-team`, Number(select.value)); refresh(); } },
        ...teams.map((t) => el("option", { value: t, selected: t === team }, `第${t}组`)));
      parts.push(el("label", { for: "plan-team", class: "small" }, "我的组"), select);
    }
    if (next) {
      const where = [next.lon, next.lat];
      const far = here ? `距此 ${distanceText(metres(here, where))}，方向：${direction(bearing(here, where))}` : "（定位后显示距离和方向）";
      parts.push(el("div", { class: "next-stop", "data-testid": "next-stop" },
        el("div", {}, `下一站：第 ${next.seq} 站 ${next.label}`), el("div", { class: "small" }, far),
        el("a", { href: `geo:${next.lat},${next.lon}?q=${next.lat},${next.lon}(${encodeURIComponent(next.label)})`,
          "data-testid": "next-stop-map" }, icon("diamond-turn-right"), " 在手机地图中打开"), " ",
        el("button", { type: "button", class: "more", "data-testid": "next-stop-reached", onclick: () => {
          reached.add(`${team}:${next.seq}`);
          local.put(`plan-${plan.id}-reached`, [...reached]);
          refresh();
        } }, "已到达，下一站")));
    } else {
      parts.push(el("p", { class: "small", "data-testid": "next-stop" }, "本组点位都已到达"));
    }
    parts.push(el("ol", { "data-testid": "plan-stops" }, ...route.stops.map((s) => el("li", {
      class: isDone(s) ? "visited" : s === next ? "next" : "" },
      `${s.label}${s.must ? "（必到）" : ""}${s.arrival ? ` · 预计 ${s.arrival}` : ""}${isDone(s) ? " · 已到达" : ""}`))));
    box.replaceChildren(el("div", { class: "plan" }, ...parts));
  }

  // --- screens -------------------------------------------------------------------------------------
  let current = "report";
  function showTab(name) {
    current = name;
    for (const s of ["report", "tasks", "history"]) {
      document.getElementById(`screen-${s}`).hidden = s !== name;
      $(`tab-${s}`).classList.toggle("on", s === name);
    }
    if (name === "report" && map) map.invalidateSize();
    refresh();
  }
  async function refresh() {
    const items = await outbox.all();
    $("pending-count").textContent = String(items.filter((i) => i.state === "pending").length);
    const refused = items.filter((i) => i.state === "refused").length;
    if (refused && current !== "history") notice(`有 ${refused} 条被服务器退回，请到“我的记录”查看原因`);
    if (current === "history") await renderHistory(items);
    if (current === "tasks") await renderTasks(items);
  }
  function showNet() {
    const net = $("net-state");
    net.textContent = navigator.onLine ? "在线" : "离线";
    net.classList.toggle("off", !navigator.onLine);
  }

  // --- unread notifications badge (the inbox itself is the workbench page) ---------------------------
  async function showUnread() {
    if (!navigator.onLine) return;
    try {
      const r = await call("GET", URLS.unread);
      if (r.status !== 200) return;
      const link = $("inbox-link");
      link.href = URLS.home;
      $("unread-badge").textContent = String(r.data.unread);
      link.hidden = r.data.unread === 0;
    } catch (err) { /* offline or server down: keep the badge as it was */ }
  }

  function start() {
    $("user-name").textContent = `${BOOT.user.name}（${BOOT.user.role_label}）`;
    const source = $("report-source");
    source.replaceChildren(...BOOT.sources.map((s) => el("option", { value: s.code }, s.name)));
    source.value = BOOT.source_default;
    renderCategories();
    initMap();
    $("report-photo").addEventListener("change", (e) => takePhotos(e.target, form.photos, $("report-thumbs")));
    $("report-submit").addEventListener("click", submitReport);
    $("relocate").addEventListener("click", () => { pos.dragged = false; if (lastFix) onFix(lastFix); });
    $("report-gcj02").addEventListener("change", () => { if (lastFix && !pos.dragged) onFix(lastFix); });
    $("sync-now").addEventListener("click", () => { if (!navigator.onLine) notice("离线：联网后自动发送"); sync(); });
    document.querySelectorAll(".tabs button").forEach((b) => b.addEventListener("click", () => showTab(b.dataset.tab)));
    window.addEventListener("online", () => { showNet(); notice(""); sync(); });
    window.addEventListener("offline", showNet);
    showNet();
    startLocating();
    // The service worker (which downloads the app's files once more into its cache) is registered after the
    // boundaries came: on a weak signal it does not share the line with what the first screen waits for.
    const registerWorker = () => {
      if ("serviceWorker" in navigator) navigator.serviceWorker.register(URLS.sw, { scope: URLS.app });
    };
    loadAreas().then(showPlace).finally(registerWorker).then(() => refresh()).then(sync).then(showUnread);
    window.addEventListener("online", showUnread);
  }
  start();
})();
