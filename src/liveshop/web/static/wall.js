// Live-base wall: every room of the base's shops on one screen, refreshed every 3 seconds.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const root = document.getElementById("wall");
  const baseId = Number(root.dataset.baseId);
  const $ = (id) => document.getElementById(id);
  const ORDER = { live: 0, scheduled: 1, ended: 2 };

  function tile(r) {
    const spark = el("div", { class: "spark" });
    sparkline(spark, r.gmv_per_minute);
    return el("a", { class: "tile status-" + r.status, href: `/screen/rooms/${r.id}`, dataset: { roomId: r.id } },
      el("div", { class: "tile-head" }, el("span", { class: "badge status-" + r.status }, T["status_" + r.status]),
        " ", el("span", { class: "muted" }, r.shop_name)),
      el("div", { class: "tile-title" }, r.title),
      el("div", { class: "tile-gmv" }, money(r.gmv_cents, "CNY")),
      el("div", { class: "tile-kpis" },
        el("span", {}, `${T.m_online} ${r.online_viewers}`), el("span", {}, `${T.m_pcu} ${r.pcu}`),
        el("span", {}, `${T.m_paid_orders} ${r.paid_orders}`), el("span", {}, `${T.m_conversion} ${pct(r.viewer_buyer_conversion)}`),
        el("span", {}, `${T.m_new_followers} ${r.new_followers}`)),
      spark);
  }

  async function refresh() {
    try {
      const wall = await api("GET", `/api/v1/bases/${baseId}/wall`);
      const t = wall.totals;
      $("totals").replaceChildren(
        el("div", { class: "kpi" }, el("div", { class: "label" }, T.live_rooms), el("div", { class: "value", id: "live-rooms" }, String(t.live_rooms))),
        el("div", { class: "kpi" }, el("div", { class: "label" }, T.m_gmv), el("div", { class: "value", id: "wall-gmv" }, money(t.gmv_cents, "CNY"))),
        el("div", { class: "kpi" }, el("div", { class: "label" }, T.m_online), el("div", { class: "value" }, String(t.online_viewers))),
        el("div", { class: "kpi" }, el("div", { class: "label" }, T.m_paid_orders), el("div", { class: "value" }, String(t.paid_orders))));
      const rooms = wall.rooms.sort((a, b) => (ORDER[a.status] - ORDER[b.status]) || (b.gmv_cents - a.gmv_cents));
      $("tiles").replaceChildren(...(rooms.length ? rooms.map(tile) : [el("p", { class: "muted" }, T.no_data)]));
      $("updated").textContent = new Date().toLocaleTimeString(document.documentElement.lang);
    } catch (err) { /* keep the last wall */ }
  }

  refresh();
  setInterval(refresh, 3000);
});
