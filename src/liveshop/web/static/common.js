// Shared page helpers: strings, API calls, money, and the resumable room channel.
"use strict";

const T = JSON.parse(document.getElementById("i18n").textContent);
const ME = JSON.parse(document.getElementById("me").textContent);

function el(tag, attrs = {}, ...children) {
  // Builds DOM nodes; user text only ever goes in as text nodes, never as HTML.
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k === "dataset") Object.assign(node.dataset, v);
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
}

function money(cents, currency) {
  const symbol = { CNY: "¥", USD: "$", EUR: "€" }[currency] || currency + " ";
  return symbol + (cents / 100).toFixed(2);
}

function newKey() {
  if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
  return Date.now().toString(36) + Math.random().toString(36).slice(2);
}

async function api(method, path, body, extraHeaders = {}) {
  const headers = { "X-Liveshop-CSRF": "1", ...extraHeaders };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(path, {
    method,
    headers,
    credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const data = text ? JSON.parse(text) : null;
  if (!res.ok) {
    const err = new Error((data && (data.detail || data.title)) || res.statusText);
    err.status = res.status;
    err.code = data && data.code;
    err.problem = data;
    throw err;
  }
  return data;
}

// The room channel: WebSocket first, Server-Sent Events if WebSockets keep failing.
// Critical events carry a per-room seq; we remember the last one and resume from it
// after any drop, ignoring repeats. A "resync" event means: reload the snapshot.
class RoomChannel {
  constructor(roomId, since, handlers) {
    this.roomId = roomId;
    this.seq = since;
    this.h = handlers;
    this.failures = 0;
    this.useSse = !("WebSocket" in window);
    this.closed = false;
  }

  start() { this.useSse ? this._sse() : this._ws(); }

  // src: where the viewer came from (analytics), or console/screen for the crew's own pages.
  _url(path) {
    const src = this.h.src ? `&src=${encodeURIComponent(this.h.src)}` : "";
    return `/api/v1/rooms/${this.roomId}/${path}?since=${this.seq}${src}`;
  }

  _ws() {
    const proto = location.protocol === "https:" ? "wss" : "ws";
    // The channel gateway's own port when the server has one (big rooms), else same origin.
    const port = document.body.dataset.channelPort;
    const host = port ? `${location.hostname}:${port}` : location.host;
    const ws = new WebSocket(`${proto}://${host}${this._url("live")}`);
    this.ws = ws;
    let opened = false;
    ws.onopen = () => { opened = true; this.failures = 0; this.h.onConnected && this.h.onConnected(); };
    ws.onmessage = (m) => this._frame(JSON.parse(m.data));
    ws.onclose = () => {
      if (this.closed) return;
      if (!opened && ++this.failures >= 3) this.useSse = true;
      this._retry();
    };
  }

  _sse() {
    const es = new EventSource(this._url("events"));
    this.es = es;
    es.onopen = () => { this.failures = 0; this.h.onConnected && this.h.onConnected(); };
    es.onmessage = (m) => this._frame(JSON.parse(m.data));
    es.onerror = () => { es.close(); if (!this.closed) this._retry(); };
  }

  _retry() {
    this.h.onDisconnected && this.h.onDisconnected();
    const delay = Math.min(10000, 500 * 2 ** Math.min(this.failures, 5)) * (0.5 + Math.random());
    setTimeout(() => this.start(), delay);
  }

  _frame(frame) {
    for (const ev of frame.events) {
      if (ev.type === "resync") { this.h.onResync && this.h.onResync(); continue; }
      if (ev.seq !== undefined) {
        if (ev.seq <= this.seq) continue;
        this.seq = ev.seq;
      }
      this.h.onEvent(ev);
    }
    if (frame.seq > this.seq && !frame.events.some((e) => e.type === "resync")) this.seq = frame.seq;
    if (frame.counters && this.h.onCounters) this.h.onCounters(frame.counters);  // private frames have none
  }
}

function localTimes() {
  for (const t of document.querySelectorAll("time.local-time")) {
    const d = new Date(t.getAttribute("datetime"));
    if (!isNaN(d)) t.textContent = d.toLocaleString(document.documentElement.lang);
  }
}

document.addEventListener("DOMContentLoaded", () => {
  localTimes();
  const logout = document.getElementById("logout");
  if (logout) logout.addEventListener("click", async (e) => {
    e.preventDefault();
    try { await api("DELETE", "/api/v1/sessions"); } catch (_) { /* already gone */ }
    location.href = "/";
  });
});


// The inbox in the top bar: unread count (e.g. "a show you reserved is live"), list on click.
async function refreshInbox() {
  if (!ME || !document.getElementById("inbox")) return;
  try {
    const box = await api("GET", "/api/v1/me/inbox?limit=10");
    const badge = document.getElementById("inbox-count");
    badge.textContent = box.unread;
    badge.hidden = box.unread === 0;
    const list = document.getElementById("inbox-list");
    list.replaceChildren(...(box.items.length ? box.items.map((i) => el("li", { class: i.read_at ? "" : "unread" },
      el("a", { href: i.link }, (i.kind === "show_live" ? T.show_live_reminder + " " : "") + i.title)))
      : [el("li", {}, T.inbox_empty)]));
  } catch (_) { /* the page works without it */ }
}

if (document.getElementById("inbox")) {
  document.getElementById("inbox").addEventListener("click", async (e) => {
    e.preventDefault();
    const list = document.getElementById("inbox-list");
    list.hidden = !list.hidden;
    if (!list.hidden) {
      await api("POST", "/api/v1/me/inbox/read", {}).catch(() => {});
      document.getElementById("inbox-count").hidden = true;
    }
  });
  refreshInbox();
  setInterval(refreshInbox, 30000);
}

// Plays an HLS playlist in a <video>: with hls.js (served from /static/vendor by the pages that
// play video) where the browser has Media Source Extensions, natively where it plays HLS itself
// (Safari). Returns the hls.js instance, or null.
function attachHls(video, url, config = {}, onFatal = null) {
  if (window.Hls && window.Hls.isSupported()) {
    const hls = new window.Hls(config);
    if (onFatal) hls.on(window.Hls.Events.ERROR, (_, data) => { if (data.fatal) onFatal(data); });
    hls.loadSource(url);
    hls.attachMedia(video);
    return hls;
  }
  if (video.canPlayType("application/vnd.apple.mpegurl")) video.src = url;
  return null;
}
