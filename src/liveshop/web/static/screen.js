// Big screen of one room: the room's numbers (GET /analytics), refreshed when the room channel
// says something happened (a purchase, stock, chat, viewers) and at least every 5 seconds.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const root = document.getElementById("screen");
  const roomId = Number(root.dataset.roomId);
  const $ = (id) => document.getElementById(id);
  let currency = "CNY";
  let pending = null;
  let last = 0;

  const KPIS = [
    ["paid_orders", T.m_paid_orders, String], ["paying_buyers", T.m_paying_buyers, String],
    ["online_viewers", T.m_online, String], ["pcu", T.m_pcu, String], ["acu", T.m_acu, (v) => v.toFixed(1)],
    ["views", T.m_views, String], ["unique_viewers", T.m_unique_viewers, String],
    ["real.unique_viewers", T.m_real_viewers, String], ["real.paying_buyers", T.m_real_buyers, String],
    ["viewer_buyer_conversion", T.m_conversion, pct], ["gpm_cents", T.m_gpm, (v) => v === null ? "—" : money(Math.round(v), currency)],
    ["uv_value_cents", T.m_uv_value, (v) => v === null ? "—" : money(Math.round(v), currency)],
    ["avg_watch_seconds", T.m_avg_watch, duration], ["exposure_click_rate", T.m_exposure_click, pct],
    ["click_order_rate", T.m_click_order, pct], ["new_followers", T.m_new_followers, String],
    ["comments_per_minute", T.m_comments_pm, (v) => v === null ? "—" : v.toFixed(1)],
    ["refund_rate", T.m_refund_rate, pct], ["attributed_gmv_cents", T.m_attributed_gmv, (v) => money(v, currency)],
    ["likes", T.m_likes, String],
  ];

  function draw(data) {
    const f = data.figures;
    currency = (data.recent_orders[0] && data.recent_orders[0].currency) || currency;
    $("gmv").textContent = money(f.gmv_cents, currency);
    $("kpis").replaceChildren(...KPIS.map(([key, label, fmt]) =>
      el("div", { class: "kpi", dataset: { metric: key } }, el("div", { class: "label" }, label),
        el("div", { class: "value" }, fmt(key.startsWith("real.") ? (data.real || {})[key.slice(5)] ?? 0 : f[key])))));
    let total = 0;
    const gmvPoints = f.per_minute.map((m) => ({ x: m.minute, y: (total += m.gmv_cents) }));
    lineChart($("chart-gmv"), gmvPoints, { fmtX: clockTime, fmtY: (v) => shortMoney(v, currency) });
    lineChart($("chart-viewers"), f.per_minute.map((m) => ({ x: m.minute, y: m.pcu })),
      { fmtX: clockTime, fmtY: (v) => String(Math.round(v)), color: "#3ea6ff" });
    bars($("funnel"), [
      [T.f_views, f.views], [T.f_effective, f.effective_views], [T.f_exposures, f.exposures],
      [T.f_clicks, f.clicks], [T.f_orders, f.orders], [T.f_paid, f.paid_orders],
    ].map(([label, value]) => ({ label, value })));
    $("top-products").replaceChildren(...f.top_products.map((p) => el("li", { dataset: { listingId: p.listing_id } },
      el("span", { class: "title" }, p.title || `#${p.listing_id}`), el("span", { class: "price" }, money(p.gmv_cents, currency)),
      el("span", { class: "muted" }, ` ${p.paid_orders} · ${pct(p.exposures ? p.clicks / p.exposures : null)}`))));
    if (!f.top_products.length) $("top-products").append(el("li", { class: "muted" }, T.no_data));
    $("recent-orders").replaceChildren(...data.recent_orders.map((o) => el("li", { class: "order-" + o.status },
      el("time", {}, new Date(o.at).toLocaleTimeString(document.documentElement.lang)), " ",
      el("span", { class: "title" }, `${o.title} ×${o.quantity}`), " ", el("span", { class: "price" }, money(o.total_cents, o.currency)),
      " ", el("span", { class: "muted" }, T["order_status_" + o.status] || o.status))));
    bars($("sources"), Object.entries(f.traffic_sources).sort((a, b) => b[1] - a[1])
      .map(([src, n]) => ({ label: T["src_" + src] || src, value: n })));
    $("screen-status").textContent = T["status_" + data.room.status];
    $("updated").textContent = new Date().toLocaleTimeString(document.documentElement.lang);
    root.dataset.gmv = f.gmv_cents;
    root.dataset.paidOrders = f.paid_orders;
  }

  async function refresh() {
    pending = null;
    last = Date.now();
    try { draw(await api("GET", `/api/v1/rooms/${roomId}/analytics`)); } catch (err) { /* keep the last numbers */ }
  }

  // At most one refresh a second, however busy the room is; and one more shortly after the
  // room goes quiet, for what was still on its way into the event log (written every 0.5 s).
  let trailing = null;
  function soon() {
    clearTimeout(trailing);
    trailing = setTimeout(() => { trailing = null; if (!pending) pending = setTimeout(refresh, 0); }, 1500);
    if (pending) return;
    pending = setTimeout(refresh, Math.max(0, 1000 - (Date.now() - last)));
  }

  (async () => {
    await refresh();
    const room = await api("GET", `/api/v1/rooms/${roomId}`);  // the channel's position: no backlog to replay
    const channel = new RoomChannel(roomId, room.seq, { src: "screen", onEvent: soon, onCounters: soon, onResync: soon });
    channel.start();
    setInterval(soon, 5000);
  })();
});
