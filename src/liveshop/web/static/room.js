// Viewer page: snapshot from the API, then live updates from the room channel.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const root = document.getElementById("room");
  const roomId = Number(root.dataset.roomId);
  const $ = (id) => document.getElementById(id);
  const listings = new Map();
  let pinnedId = null;
  let status = root.dataset.status;
  let channel = null;

  function banner(text, kind = "info") {
    const b = $("banner");
    b.textContent = text;
    b.className = "banner " + kind;
    b.hidden = !text;
  }

  function renderStatus() {
    const s = $("status");
    s.textContent = T["status_" + status];
    s.className = "badge status-" + status;
    root.dataset.status = status;
    $("preview").hidden = status !== "scheduled";
    $("placeholder").textContent =
      status === "scheduled" ? T.show_not_started : status === "ended" ? T.show_ended : T.waiting_stream;
  }

  function renderPinned() {
    const card = $("pinned");
    const l = pinnedId !== null ? listings.get(pinnedId) : null;
    card.hidden = !l;
    if (!l) return;
    card.dataset.listingId = l.id;
    $("pinned-title").textContent = l.title;
    $("pinned-origin").textContent = l.origin ? `${T.origin}: ${l.origin}` : "";
    $("pinned-price").textContent = money(l.price_cents, l.currency);
    $("pinned-original").textContent =
      l.original_price_cents && l.original_price_cents > l.price_cents ? money(l.original_price_cents, l.currency) : "";
    $("pinned-stock").textContent = l.stock_left;
    $("pinned-sold").textContent = l.sold;
    $("pinned-limit").textContent = l.per_user_limit ? ` · ${T.per_user_limit} ${l.per_user_limit}` : "";
    const soldOut = l.stock_left === 0 || l.status !== "active";
    const buy = $("buy");
    buy.disabled = soldOut || status !== "live";
    buy.textContent = soldOut ? T.sold_out : ME ? T.buy : T.login_to_buy;
    card.classList.toggle("sold-out", soldOut);
  }

  function renderListings() {
    const ul = $("listings");
    ul.replaceChildren();
    for (const l of listings.values()) {
      if (l.status !== "active") continue;
      const soldOut = l.stock_left === 0;
      const li = el("li", { class: "listing" + (soldOut ? " sold-out" : ""), dataset: { listingId: l.id } },
        el("span", { class: "listing-title" }, l.title),
        el("span", { class: "price" }, money(l.price_cents, l.currency)),
        el("span", { class: "muted" }, soldOut ? T.sold_out : `${T.stock_left} ${l.stock_left}`),
        el("button", { class: "buy-small", onclick: () => buy(l.id), ...(soldOut || status !== "live" ? { disabled: "" } : {}) }, T.buy));
      ul.append(li);
    }
  }

  function render() { renderStatus(); renderPinned(); renderListings(); }

  // Chat is drawn at a bounded rate so a flood never freezes the page: at most CHAT_PER_DRAW
  // messages every CHAT_DRAW_MS (staff first), the rest counted in "N more". Everything else
  // (cards, stock, sold out) is drawn as it arrives.
  const CHAT_PER_DRAW = 6, CHAT_DRAW_MS = 250, CHAT_KEEP = 150;
  let chatQueue = [], chatSkipped = 0;

  function drawComment(c) {
    const ul = $("comments");
    const li = el("li", { class: "comment" + (c.staff ? " staff" : ""), dataset: { commentId: c.id } },
      el("span", { class: "author" }, c.user.name + (c.staff ? " ★" : "")), " ", el("span", { class: "text" }, c.text));
    ul.append(li);
    while (ul.children.length > CHAT_KEEP) ul.firstChild.remove();
  }

  function addComment(c) { chatQueue.push(c); }

  function drawChat() {
    if (chatQueue.length) {
      let batch = chatQueue;
      chatQueue = [];
      if (batch.length > CHAT_PER_DRAW) {
        const staff = batch.filter((c) => c.staff);
        const rest = batch.filter((c) => !c.staff);
        const keep = staff.slice(-CHAT_PER_DRAW).concat(rest.slice(-Math.max(0, CHAT_PER_DRAW - staff.length)));
        chatSkipped += batch.length - keep.length;
        batch = keep.sort((a, b) => a.id - b.id);
      }
      for (const c of batch) drawComment(c);
      $("comments").scrollTop = $("comments").scrollHeight;
    }
    const more = $("chat-more");
    more.hidden = chatSkipped === 0;
    more.textContent = `+${chatSkipped} ${T.more_messages}`;
    more.dataset.skipped = chatSkipped;
  }
  setInterval(drawChat, CHAT_DRAW_MS);
  $("chat-more").addEventListener("click", () => { chatSkipped = 0; drawChat(); });

  function ticker(text) {
    const t = $("ticker");
    const item = el("div", { class: "tick" }, text);
    t.append(item);
    setTimeout(() => item.remove(), 4000);
  }

  function updateListing(id, patch) {
    const l = listings.get(id);
    if (!l) return;
    Object.assign(l, patch);
    if ("stock_left" in patch) l.sold_out = l.stock_left === 0;
  }

  function onEvent(ev) {
    switch (ev.type) {
      case "listing_added":
        listings.set(ev.listing.id, ev.listing);
        ticker("🔥 " + ev.listing.title);
        break;
      case "listing_updated":
        listings.set(ev.listing.id, ev.listing);
        break;
      case "pinned":
        if (ev.listing) listings.set(ev.listing.id, ev.listing);
        pinnedId = ev.listing ? ev.listing.id : null;
        break;
      case "sold_out":
        updateListing(ev.listing_id, { stock_left: 0 });
        break;
      case "back_in_stock":
      case "stock":
        updateListing(ev.listing_id, { stock_left: ev.stock_left });
        break;
      case "room_status":
        status = ev.status;
        break;
      case "purchase":
        ticker(`${T.someone_bought} ${ev.title} ×${ev.quantity}`);
        break;
      case "comment":
        addComment(ev);
        return;
      case "comment_deleted": {
        const gone = document.querySelector(`#comments [data-comment-id="${Number(ev.comment_id)}"]`);
        if (gone) gone.remove();
        return;
      }
      case "poll_opened":
      case "poll_results":
      case "poll_closed":
        polls.set(ev.poll.id, ev.poll);
        renderPolls();
        return;
      case "my_order": {
        // Only this viewer gets it: their own order changed (paid, expired, refunded...).
        const o = ev.order;
        const paid = o.status === "paid";
        banner(`${paid ? T.order_paid : `${T.order_status}: ${o.status}`} · ${o.title} ×${o.quantity} · ${money(o.total_cents, o.currency)}`,
          paid ? "success" : undefined);
        $("banner").dataset.orderStatus = o.status;
        return;
      }
      case "moderation":
        ticker(`${ev.user.name} ${ev.action === "banned" ? T.was_banned : T.was_muted}`);
        return;
      case "chat_mode":
        if (ev.slow_mode_seconds) ticker(`${T.slow_mode_on} ${ev.slow_mode_seconds} ${T.seconds}`);
        if (ev.followers_only) ticker(T.followers_only_on);
        return;
      default:
        return;
    }
    render();
  }

  // Polls: open ones from the snapshot, then kept live by poll_opened / poll_results / poll_closed.
  const polls = new Map();
  const myVotes = new Map();

  function renderPolls() {
    const box = $("polls");
    box.replaceChildren(...[...polls.values()].map((p) => {
      const card = el("div", { class: "poll card", dataset: { pollId: p.id, status: p.status } },
        el("div", { class: "question" }, p.question));
      for (const o of p.options) {
        const share = p.total_votes ? Math.round((100 * o.votes) / p.total_votes) : 0;
        const mine = myVotes.get(p.id) === o.id;
        const button = el("button", { class: "poll-option" + (mine ? " mine" : ""), dataset: { optionId: o.id },
          onclick: () => votePoll(p.id, o.id), ...(p.status !== "open" || myVotes.has(p.id) ? { disabled: "" } : {}) },
          `${o.label} · ${share}% (${o.votes})`);
        card.append(button);
      }
      return card;
    }));
  }

  async function votePoll(pollId, optionId) {
    if (!ME) { location.href = `/login?next=/rooms/${roomId}`; return; }
    try {
      const p = await api("POST", `/api/v1/polls/${pollId}/votes`, { option_id: optionId });
      myVotes.set(pollId, optionId);
      polls.set(pollId, p);
      renderPolls();
    } catch (err) { banner(err.message, "error"); }
  }

  async function loadSnapshot() {
    const [room, all, comments, openPolls] = await Promise.all([
      api("GET", `/api/v1/rooms/${roomId}`),
      api("GET", `/api/v1/rooms/${roomId}/listings`),
      api("GET", `/api/v1/rooms/${roomId}/comments`),
      api("GET", `/api/v1/rooms/${roomId}/polls`),
    ]);
    polls.clear();
    for (const p of openPolls) { polls.set(p.id, p); if (p.my_vote) myVotes.set(p.id, p.my_vote); }
    renderPolls();
    status = room.status;
    listings.clear();
    for (const l of all) listings.set(l.id, l);
    pinnedId = room.pinned_listing_id;
    $("comments").replaceChildren();
    chatQueue = [];
    for (const c of comments) drawComment(c);
    $("viewers").textContent = room.viewers;
    $("likes").textContent = room.likes;
    render();
    return room.seq;
  }

  async function buy(listingId) {
    if (!ME) { location.href = `/login?next=/rooms/${roomId}`; return; }
    try {
      const order = await api("POST", "/api/v1/orders", { listing_id: listingId, quantity: 1 }, { "Idempotency-Key": newKey() });
      banner(T.order_created);
      const payment = await api("POST", `/api/v1/orders/${order.id}/pay`);
      location.href = payment.checkout_url;
    } catch (err) {
      banner(err.message, "error");
    }
  }

  async function showOrder(orderId) {
    for (let i = 0; i < 10; i++) {
      try {
        const order = await api("GET", `/api/v1/orders/${orderId}`);
        if (order.status === "paid") {
          banner(`${T.order_paid} · ${order.title} ×${order.quantity} · ${money(order.total_cents, order.currency)}`, "success");
          $("banner").dataset.orderStatus = "paid";
          return;
        }
        banner(`${T.order_status}: ${order.status}`);
        $("banner").dataset.orderStatus = order.status;
        if (order.status !== "pending_payment") return;
      } catch (err) { banner(err.message, "error"); return; }
      await new Promise((r) => setTimeout(r, 1000));
    }
  }

  $("buy").addEventListener("click", () => pinnedId !== null && buy(pinnedId));
  $("comment-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    if (!ME) { location.href = `/login?next=/rooms/${roomId}`; return; }
    const input = $("comment-text");
    const text = input.value.trim();
    if (!text) return;
    try { await api("POST", `/api/v1/rooms/${roomId}/comments`, { text }); input.value = ""; }
    catch (err) {
      // Moderation refusals in the page's language; the blocked word so the author can rephrase.
      const own = err.code && T["err_" + err.code];
      banner(own ? (err.code === "comment_blocked" ? `${own} ${err.problem.word}` : own) : err.message, "error");
    }
  });
  $("like").addEventListener("click", async () => {
    if (!ME) return;
    try { await api("POST", `/api/v1/rooms/${roomId}/likes`, { count: 1 }); } catch (_) { /* counters only */ }
  });
  $("reserve").addEventListener("click", async () => {
    if (!ME) { location.href = `/login?next=/rooms/${roomId}`; return; }
    try {
      const r = await api("POST", `/api/v1/rooms/${roomId}/reservations`);
      $("reserve").textContent = T.reserved;
      $("reserve").disabled = true;
      $("reservations").textContent = `${r.reservations} ${T.reservations}`;
    } catch (err) { banner(err.message, "error"); }
  });

  (async () => {
    const since = await loadSnapshot();
    if (status === "scheduled") {
      api("GET", `/api/v1/rooms/${roomId}/reservations`).then((r) => {
        $("reservations").textContent = `${r.reservations} ${T.reservations}`;
        if (r.reserved) { $("reserve").textContent = T.reserved; $("reserve").disabled = true; }
      });
    }
    channel = new RoomChannel(roomId, since, {
      onEvent,
      onCounters: (c) => { $("viewers").textContent = c.viewers; $("likes").textContent = c.likes; },
      onConnected: () => { root.dataset.connected = "1"; if ($("banner").dataset.kind === "reconnect") banner(""); },
      onDisconnected: () => { root.dataset.connected = "0"; banner(T.reconnecting); $("banner").dataset.kind = "reconnect"; },
      onResync: async () => { channel.seq = await loadSnapshot(); },
    });
    channel.start();
    const orderId = new URLSearchParams(location.search).get("order");
    if (orderId && /^\d+$/.test(orderId)) showOrder(orderId);
  })();
});
