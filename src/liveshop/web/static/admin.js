// Merchant back office: rooms, products, staff of one shop.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const shopId = Number(document.getElementById("admin").dataset.shopId);
  const $ = (id) => document.getElementById(id);

  function showError(err) { $("admin-error").textContent = err ? err.message : ""; $("admin-error").hidden = !err; }

  async function load() {
    const [rooms, products, staff] = await Promise.all([
      api("GET", `/api/v1/rooms?shop_id=${shopId}&limit=100`),
      api("GET", `/api/v1/shops/${shopId}/products`),
      api("GET", `/api/v1/shops/${shopId}/staff`),
    ]);
    $("rooms").replaceChildren(...rooms.map((r) => el("tr", { dataset: { roomId: r.id } },
      el("td", {}, el("span", { class: "badge status-" + r.status }, T["status_" + r.status])),
      el("td", {}, r.title),
      el("td", { class: "muted" }, new Date(r.scheduled_at).toLocaleString(document.documentElement.lang)),
      el("td", {}, el("a", { href: `/console/rooms/${r.id}` }, T.open_console), " ", el("a", { href: `/rooms/${r.id}` }, T.open_viewer),
        " ", el("a", { href: `/screen/rooms/${r.id}` }, T.big_screen), " ", el("a", { href: `/rooms/${r.id}/report` }, T.report)))));
    $("products").replaceChildren(...products.map((p) => el("tr", {},
      el("td", {}, p.id), el("td", {}, p.title), el("td", {}, money(p.price_cents, p.currency)),
      el("td", {}, p.stock), el("td", {}, p.origin || ""))));
    $("staff").replaceChildren(...staff.map((s) => el("li", {}, `${s.username} · ${s.role}`)));
  }

  function form(id, build) {
    const f = $(id);
    if (!f) return;
    f.addEventListener("submit", async (e) => {
      e.preventDefault();
      showError(null);
      try { await build(); f.reset(); await load(); } catch (err) { showError(err); }
    });
  }

  form("room-form", () => api("POST", "/api/v1/rooms", {
    shop_id: shopId, title: $("room-title").value.trim(), scheduled_at: new Date($("room-when").value).toISOString(),
  }));
  form("product-form", () => {
    const body = { title: $("p-title").value.trim(), price_cents: Number($("p-price").value),
      currency: $("p-currency").value.trim(), stock: Number($("p-stock").value) };
    if ($("p-origin").value.trim()) body.origin = $("p-origin").value.trim();
    return api("POST", `/api/v1/shops/${shopId}/products`, body);
  });
  form("staff-form", () => api("POST", `/api/v1/shops/${shopId}/staff`, { username: $("s-username").value.trim(), role: $("s-role").value }));
  load().catch(showError);
});
