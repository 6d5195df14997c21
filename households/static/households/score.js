// Monthly household scoring (入户评比) on a phone: a group's households in gate order, each item scored, a photo
// where points are lost. Scores go to an IndexedDB outbox with a client uuid each and are sent when the network
// allows; the server answers a resent uuid with the stored entry, so a score is never counted twice.
"use strict";
(function () {
  const BOOT = JSON.parse(document.getElementById("boot").textContent);
  const $ = (id) => document.querySelector(`[data-testid="${id}"]`);
  const state = { households: [], items: [], group: "", index: 0, village: "", month: "" };

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "text") node.textContent = v;
      else node.setAttribute(k, v === true ? "" : v);
    }
    children.forEach((c) => node.append(c));
    return node;
  }
  function uuid() {
    if (crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }
  function csrfToken() {
    const m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }
  function showError(text) {
    $("error").textContent = text || "";
    $("error").hidden = !text;
  }

  // --- the outbox and cache (IndexedDB, static/js/offline-store.js) ------------------------------------
  const store = OfflineStore("households-scoring");
  const outbox = { ...store.outbox, all: () => store.outbox.all().then((a) => a.sort((x, y) => x.at - y.at)) };
  const cache = store.cache;

  let syncing = false;
  async function sync() {
    if (syncing) return;
    syncing = true;
    document.body.dataset.sync = "running";
    try {
      for (const item of await outbox.all()) {
        if (item.state === "refused") continue;
        let body;
        const headers = { Accept: "application/json", "X-CSRFToken": csrfToken() };
        if (item.photo) {
          body = new FormData();
          for (const [k, v] of Object.entries(item.body)) body.append(k, v);
          body.append("photo", item.photo, "photo.jpg");
        } else {
          headers["Content-Type"] = "application/json";
          body = JSON.stringify(item.body);
        }
        let response;
        try {
          response = await fetch(item.url, { method: "POST", headers, body, credentials: "same-origin" });
        } catch (e) {
          $("sync-state").textContent = "离线：稍后自动发送";
          break;
        }
        if (response.ok) {
          await outbox.del(item.id);
        } else if (response.status >= 400 && response.status < 500 && response.status !== 401 && response.status !== 429) {
          let detail = `HTTP ${response.status}`;
          try { detail = (await response.json()).detail || detail; } catch (e) { /* not JSON */ }
          item.state = "refused";
          item.error = detail;
          await outbox.put(item);
        } else {
          $("sync-state").textContent = `服务器暂时不可用（${response.status}），稍后重试`;
          break;
        }
      }
    } finally {
      syncing = false;
      await renderOutbox();
      document.body.dataset.sync = "idle";
    }
  }

  async function renderOutbox() {
    const items = await outbox.all();
    const pending = items.filter((i) => i.state !== "refused");
    $("pending").textContent = String(pending.length);
    if (!pending.length) $("sync-state").textContent = "已全部发送";
    $("refused").replaceChildren(...items.filter((i) => i.state === "refused").map((i) =>
      el("li", { "data-testid": "refused-item" }, `${i.label}：${i.error}`)));
  }

  // --- loading a village -------------------------------------------------------------------------------
  async function getJSON(url) {
    const r = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
    const data = await r.json().catch(() => ({}));
    if (!r.ok) throw new Error(data.detail || `HTTP ${r.status}`);
    return data;
  }
  async function load(village, month) {
    showError("");
    const key = `${village}:${month.slice(0, 4)}`;
    let data;
    try {
      const households = await getJSON(`${BOOT.households}?village=${encodeURIComponent(village)}`);
      const rules = await getJSON(`${BOOT.rules}?village=${encodeURIComponent(village)}&year=${month.slice(0, 4)}`);
      data = { households, items: rules.items.filter((i) => i.kind === "monthly") };
      await cache.put(key, data);
    } catch (e) {
      data = await cache.get(key);
      if (!data) { showError(`无法载入：${e.message}`); return; }
      showError("离线：使用上次载入的名单和细则");
    }
    Object.assign(state, data, { village, month });
    const groups = [...new Set(state.households.filter((h) => h.status === "active").map((h) => h.group))];
    $("group").replaceChildren(...groups.map((g) => el("option", { value: g, text: g })));
    state.group = groups[0] || "";
    state.index = 0;
    render();
  }
  function groupHouseholds() {
    return state.households.filter((h) => h.status === "active" && h.group === state.group);
  }
  function render() {
    const list = groupHouseholds();
    const h = list[state.index];
    $("household").hidden = !h;
    if (!h) return;
    $("position").textContent = `${state.index + 1}/${list.length}`;
    $("address").textContent = h.address || h.code;
    $("head").textContent = h.head;
    $("note").value = "";
    $("items").replaceChildren(...state.items.map((it) => {
      const box = el("input", { type: "checkbox", "data-item": it.key, "data-testid": `item-${it.key}` });
      const photo = it.points < 0 ? el("input", { type: "file", accept: "image/*", capture: "environment",
        "data-photo": it.key }) : "";
      return el("div", { class: "item" }, el("label", {}, box, ` ${it.name}（${it.points > 0 ? "+" : ""}${it.points}）`), photo);
    }));
  }
  async function save() {
    const h = groupHouseholds()[state.index];
    if (!h) return;
    const note = $("note").value;
    for (const box of document.querySelectorAll("[data-item]")) {
      if (!box.checked) continue;
      const key = box.getAttribute("data-item");
      const file = document.querySelector(`[data-photo="${key}"]`);
      const id = uuid();
      await outbox.put({
        id, at: Date.now(), state: "pending", label: `${h.address || h.code} ${key} ${state.month}`,
        url: BOOT.points.replace("CODE", encodeURIComponent(h.code)),
        body: { item: key, month: state.month, note, client_uuid: id },
        photo: file && file.files[0] ? file.files[0] : null,
      });
    }
    state.index = Math.min(state.index + 1, groupHouseholds().length);
    render();
    await renderOutbox();
    sync();
  }

  $("setup").addEventListener("submit", (e) => {
    e.preventDefault();
    load($("village").value.trim(), $("month").value);
  });
  $("group").addEventListener("change", () => { state.group = $("group").value; state.index = 0; render(); });
  $("save").addEventListener("click", save);
  $("prev").addEventListener("click", () => { state.index = Math.max(0, state.index - 1); render(); });
  window.addEventListener("online", sync);
  setInterval(sync, 30000);
  $("village").value = BOOT.village;
  $("month").value = BOOT.month;
  renderOutbox().then(sync);
  if (BOOT.village) load(BOOT.village, BOOT.month);
})();
