"use strict";
// The replay page: the show's recording (HLS video on demand) and its product moments — each
// product as it was listed or pinned during the show, a click jumps the video there.
document.addEventListener("DOMContentLoaded", async () => {
  const root = document.getElementById("replay");
  if (!root) return;
  const box = document.getElementById("video");
  let video = null;

  function clock(seconds) {
    const s = Math.floor(seconds);
    return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
  }

  async function buy(listingId, button) {
    if (!ME) { location.href = `/login?next=/rooms/${root.dataset.roomId}/replay`; return; }
    const error = document.getElementById("replay-error");
    error.hidden = true;
    button.disabled = true;
    try {
      const order = await api("POST", "/api/v1/orders", { listing_id: listingId, quantity: 1 }, { "Idempotency-Key": newKey() });
      const payment = await api("POST", `/api/v1/orders/${order.id}/pay`);
      location.href = payment.checkout_url;
    } catch (err) {
      error.textContent = err.message;
      error.hidden = false;
      button.disabled = false;
    }
  }

  function jump(seconds) {
    if (!video) return;
    video.currentTime = seconds;
    video.play().catch(() => {});
  }

  let data;
  try {
    data = await api("GET", `/api/v1/rooms/${root.dataset.roomId}/replay`);
  } catch (err) { return; }
  if (data.hls_url) {
    video = el("video", { id: "player", controls: true, playsinline: true });
    box.replaceChildren(video);
    attachHls(video, data.hls_url);
  }
  const list = document.getElementById("moments");
  const seen = new Set();
  for (const m of data.moments) {
    if (seen.has(m.listing_id)) continue; // the first time each product was shown
    seen.add(m.listing_id);
    list.append(el("li", { class: "moment", dataset: { listing: m.listing_id, offset: m.offset_seconds } },
      el("button", { type: "button", class: "secondary jump", onclick: () => jump(m.offset_seconds) },
        `▶ ${clock(m.offset_seconds)}`),
      " ", el("span", { class: "title" }, m.title),
      " ", el("span", { class: "price" }, m.price_cents == null ? "" : money(m.price_cents, m.currency || "CNY")),
      ...(data.replay === "ready" ? [" ", el("button", { type: "button", class: "buy", onclick: (e) => buy(m.listing_id, e.target) }, T.buy)] : [])));
  }
  document.getElementById("no-moments").hidden = data.moments.length > 0;
});
