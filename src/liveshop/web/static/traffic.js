"use strict";
// The merchant's traffic page: buy a boost or a splash placement, cancel one. Server-rendered;
// a reload shows the result.
document.addEventListener("DOMContentLoaded", () => {
  const root = document.getElementById("traffic");
  if (!root) return;
  const shop = root.dataset.shopId;
  const value = (id) => document.getElementById(id).value.trim();
  const submit = (formId, build, path) => {
    const form = document.getElementById(formId);
    if (!form) return;
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      try {
        await api("POST", path, build());
        location.reload();
      } catch (err) { alert(err.message); }
    });
  };
  submit("boost-form", () => {
    const now = new Date();
    const body = {
      room_id: Number(value("boost-room")),
      impressions: Number(value("boost-impressions")),
      budget_cents: Math.round(Number(value("boost-budget")) * 100),
      segment: value("boost-segment"),
      pacing: value("boost-pacing"),
      starts_at: now.toISOString(),
      ends_at: new Date(now.getTime() + Number(value("boost-hours")) * 3600e3).toISOString(),
    };
    if (value("boost-region")) body.region = value("boost-region").toUpperCase();
    return body;
  }, `/api/v1/shops/${shop}/boosts`);
  submit("splash-form", () => ({
    room_id: Number(value("splash-room")),
    headline: value("splash-headline"),
    starts_at: new Date(value("splash-start")).toISOString(),
    ends_at: new Date(value("splash-end")).toISOString(),
    cap_per_viewer: Number(value("splash-cap")),
  }), `/api/v1/shops/${shop}/splashes`);
  for (const [selector, path] of [[".cancel-boost", "boosts"], [".cancel-splash", "splashes"]]) {
    for (const button of document.querySelectorAll(selector)) {
      button.addEventListener("click", async () => {
        try {
          await api("POST", `/api/v1/${path}/${button.dataset.id}/cancel`);
          location.reload();
        } catch (err) { alert(err.message); }
      });
    }
  }
});
