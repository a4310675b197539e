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
    cardView("exposure", l.id);
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
      cardView("exposure", l.id);
      const li = el("li", { class: "listing" + (soldOut ? " sold-out" : ""), dataset: { listingId: l.id } },
        el("span", { class: "listing-title" }, l.title),
        el("span", { class: "price" }, money(l.price_cents, l.currency)),
        el("span", { class: "muted" }, soldOut ? T.sold_out : `${T.stock_left} ${l.stock_left}`),
        el("button", { class: "buy-small", onclick: () => buy(l.id), ...(soldOut || status !== "live" ? { disabled: "" } : {}) }, T.buy));
      ul.append(li);
    }
  }

  function render() { renderStatus(); renderPinned(); renderListings(); }

  // Product cards this page showed (exposure, once per listing) and opened (click), for the
  // show's exposure → click → order funnel; sent in small batches while the show is live.
  const shownCards = new Set();
  let cardQueue = [];
  let cardTimer = null;
  function cardView(kind, listingId) {
    if (status !== "live") return;
    if (kind === "exposure") { if (shownCards.has(listingId)) return; shownCards.add(listingId); }
    cardQueue.push({ kind, listing_id: listingId });
    if (!cardTimer) cardTimer = setTimeout(flushCards, 2000);
  }
  async function flushCards() {
    clearTimeout(cardTimer);
    cardTimer = null;
    const batch = cardQueue.splice(0, 50);
    if (batch.length) await api("POST", `/api/v1/rooms/${roomId}/card-views`, { events: batch }).catch(() => {});
    if (cardQueue.length) cardTimer = setTimeout(flushCards, 2000);
  }

  // Chat is drawn at a bounded rate so a flood never freezes the page: at most CHAT_PER_DRAW
  // messages every CHAT_DRAW_MS (staff first), the rest counted in "N more". Everything else
  // (cards, stock, sold out) is drawn as it arrives.
  const CHAT_PER_DRAW = 6, CHAT_DRAW_MS = 250, CHAT_KEEP = 150;
  let chatQueue = [], chatSkipped = 0;

  function drawComment(c) {
    const ul = $("comments");
    const li = el("li", { class: "comment" + (c.staff ? " staff" : ""), dataset: { commentId: c.id } },
      c.fan_level ? el("span", { class: "fan-level", title: T.fan_club }, `Lv${c.fan_level}`) : "",
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
      case "stream":
        document.dispatchEvent(new CustomEvent("liveshop:stream", { detail: ev.state }));
        return;
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
      case "lucky_bag_opened":
      case "lucky_bag_drawn":
        bags.set(ev.bag.id, Object.assign(bags.get(ev.bag.id) || {}, ev.bag, ev.winners ? { winners: ev.winners } : {}));
        if (ev.type === "lucky_bag_opened") ticker("🎁 " + ev.bag.title);
        renderBags();
        return;
      case "lucky_bag_entries":
        if (bags.has(ev.bag.id)) { bags.get(ev.bag.id).entrants = ev.bag.entrants; renderBags(); }
        return;
      case "lucky_bag_won": {
        // Only the winner gets it, with their prize.
        const b = bags.get(ev.bag.id);
        if (b) { b.me = Object.assign(b.me || {}, { entered: true, won: true, order_id: ev.prize.order_id || null, coupon_id: ev.prize.coupon_id || null }); renderBags(); }
        banner(`🎉 ${T.you_won} ${ev.prize.title}`, "success");
        return;
      }
      case "quiz_question":
        quiz = { id: ev.quiz.id, title: ev.quiz.title, question: ev.question, sent: null, verdict: null, late: false,
          counts: null, leaderboard: quiz && quiz.id === ev.quiz.id ? quiz.leaderboard : [] };
        renderQuiz();
        return;
      case "quiz_question_closed":
        if (quiz && quiz.question && quiz.question.id === ev.question.id) {
          quiz.question = ev.question;
          quiz.counts = ev.counts;
          quiz.leaderboard = ev.quiz.leaderboard;
          if (quiz.sent !== null && ME) {
            api("GET", `/api/v1/quiz-questions/${ev.question.id}/result`).then((r) => { quiz.verdict = r; renderQuiz(); }).catch(() => {});
          }
          renderQuiz();
        }
        return;
      case "quiz_leaderboard":
      case "quiz_ended":
        if (quiz && quiz.id === ev.quiz.id) { quiz.leaderboard = ev.quiz.leaderboard; quiz.ended = ev.type === "quiz_ended"; renderQuiz(); }
        return;
      case "coupon_offered":
        offers.set(ev.offer.id, ev.offer);
        ticker("🎫 " + ev.offer.title);
        renderOffers();
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

  // Lucky bags: the commitment is shown from the start; after the draw, the winners and
  // (for this viewer) their prize.
  const bags = new Map();

  function conditionText(c) {
    const parts = [];
    if (c.follow) parts.push(T.cond_follow);
    if (c.keyword) parts.push(`${T.cond_keyword}「${c.keyword}」`);
    if (c.watch_minutes) parts.push(`${T.cond_watch} ${c.watch_minutes} ${T.minutes}`);
    return parts.join(" · ");
  }

  function renderBags() {
    const now = Date.now();
    $("bags").replaceChildren(...[...bags.values()].sort((a, b) => b.id - a.id).slice(0, 3).map((b) => {
      const me = b.me || {};
      const card = el("div", { class: "bag card", dataset: { bagId: b.id, status: b.status } },
        el("div", { class: "bag-title" }, `🎁 ${b.title}`),
        el("div", {}, `${T.prize}: ${b.prize.title} ×${b.prize.count}`),
        el("div", { class: "muted" }, conditionText(b.conditions)),
        el("div", { class: "muted commitment", title: b.commitment }, `${T.commitment}: ${b.commitment.slice(0, 16)}…`),
        el("div", { class: "entrants" }, `${b.entrants} ${T.entrants}`));
      if (b.status === "open") {
        const left = Math.max(0, Math.round((Date.parse(b.draws_at) - now) / 1000));
        card.append(el("div", { class: "countdown" }, `${T.draws_in} ${left}s`));
        card.append(me.entered ? el("div", { class: "entered" }, T.entered_bag)
          : el("button", { class: "enter-bag", onclick: () => enterBag(b.id) }, T.enter_bag));
      } else {
        if (b.winners) card.append(el("div", { class: "winners" }, `${T.winners}: ${b.winners.map((w) => w.name).join("、") || "—"}`));
        if (me.won) {
          card.append(el("div", { class: "won" }, `🎉 ${T.you_won}`));
          if (me.order_id) card.append(el("a", { class: "prize-order", href: `/rooms/${roomId}?order=${me.order_id}` }, T.view_prize_order));
          if (me.coupon_id) card.append(el("div", {}, T.coupon_prize));
        } else if (me.entered) card.append(el("div", { class: "lost muted" }, T.not_won));
        card.append(el("a", { href: `/api/v1/lucky-bags/${b.id}/draw`, target: "_blank" }, T.verify_draw));
      }
      return card;
    }));
  }
  setInterval(() => { if ([...bags.values()].some((b) => b.status === "open")) renderBags(); }, 1000);

  async function enterBag(bagId) {
    if (!ME) { location.href = `/login?next=/rooms/${roomId}`; return; }
    try { bags.set(bagId, await api("POST", `/api/v1/lucky-bags/${bagId}/entries`)); renderBags(); }
    catch (err) {
      const c = err.code === "lucky_bag_condition_not_met" && err.problem.condition;
      banner(c ? `${T.bag_needs}: ${T["cond_" + c]}` : err.message, "error");
    }
  }

  // Live quiz (答题): the question the host asked, a countdown, one answer; the verdict and
  // the leaderboard when the server closes the question. The countdown is only a guide: the
  // server judges by when the answer reaches it.
  let quiz = null;

  function renderQuiz() {
    const box = $("quiz");
    box.hidden = !quiz;
    if (!quiz) return;
    const q = quiz.question;
    const closed = q.status === "closed";
    const left = Math.max(0, Math.ceil((Date.parse(q.closes_at) - Date.now()) / 1000));
    const options = q.options.map((label, i) => {
      const classes = ["quiz-option"];
      if (quiz.sent === i) classes.push("mine");
      if (closed && q.correct === i) classes.push("correct");
      const text = quiz.counts ? `${label} · ${quiz.counts[i]}` : label;
      return el("button", { class: classes.join(" "), dataset: { choice: i }, onclick: () => answerQuiz(i),
        ...(closed || quiz.sent !== null || quiz.late ? { disabled: "" } : {}) }, text);
    });
    let state = "";
    if (quiz.late) state = T.answer_too_late;
    else if (quiz.verdict && quiz.verdict.answered) state = quiz.verdict.correct ? `${T.answer_correct} +${quiz.verdict.points}${T.points}` : T.answer_wrong;
    else if (quiz.sent !== null) state = T.answer_sent;
    box.replaceChildren(
      el("div", { class: "quiz-title" }, `❓ ${quiz.title}${quiz.ended ? " · " + T.quiz_ended : ""}`),
      el("div", { class: "quiz-question", dataset: { questionId: q.id, status: q.status } }, q.text),
      el("div", { class: "quiz-countdown muted" }, closed ? "" : `${T.time_left} ${left}s`),
      el("div", { class: "quiz-options" }, ...options),
      el("div", { class: "quiz-state", dataset: { state: quiz.late ? "late" : quiz.verdict ? (quiz.verdict.correct ? "correct" : "wrong") : quiz.sent !== null ? "sent" : "" } }, state),
      el("ol", { class: "leaderboard" }, ...quiz.leaderboard.slice(0, 5).map((s) => el("li", {}, `${s.name} ${s.points}${T.points}`))));
  }
  setInterval(() => { if (quiz && quiz.question.status === "open") renderQuiz(); }, 500);

  async function answerQuiz(choice) {
    if (!ME) { location.href = `/login?next=/rooms/${roomId}`; return; }
    const q = quiz.question;
    quiz.sent = choice;
    renderQuiz();
    try { await api("POST", `/api/v1/quiz-questions/${q.id}/answers`, { choice }); }
    catch (err) {
      if (err.code === "answer_too_late") { quiz.late = true; quiz.sent = null; }
      else if (err.code !== "already_answered") { quiz.sent = null; banner(err.message, "error"); }
    }
    renderQuiz();
  }

  // Coupons the show hands out (发券): claim them here, they apply at checkout.
  const offers = new Map();
  const claimed = new Set();

  function offerText(o) {
    const off = o.kind === "amount_off" ? money(o.amount_off_cents, "CNY") : `${o.percent_off}%`;
    return o.threshold_cents ? `${T.threshold_prefix}${money(o.threshold_cents, "CNY")} ${T.off_prefix}${off}` : `${T.no_threshold} ${T.off_prefix}${off}`;
  }

  function renderOffers() {
    $("coupons").replaceChildren(...[...offers.values()].map((o) =>
      el("div", { class: "coupon card", dataset: { offerId: o.id } },
        el("span", { class: "coupon-title" }, `🎫 ${o.title}`), " ", el("span", { class: "muted" }, offerText(o)), " ",
        claimed.has(o.id) ? el("span", { class: "claimed" }, T.claimed)
          : el("button", { class: "claim", onclick: () => claimOffer(o.id) }, T.claim_coupon))));
  }

  async function claimOffer(offerId) {
    if (!ME) { location.href = `/login?next=/rooms/${roomId}`; return; }
    try { await api("POST", `/api/v1/coupon-offers/${offerId}/claim`); claimed.add(offerId); renderOffers(); }
    catch (err) { if (err.code === "coupon_claim_limit_reached") { claimed.add(offerId); renderOffers(); } else banner(err.message, "error"); }
  }

  async function loadSnapshot() {
    const [room, all, comments, openPolls, roomBags, roomOffers] = await Promise.all([
      api("GET", `/api/v1/rooms/${roomId}`),
      api("GET", `/api/v1/rooms/${roomId}/listings`),
      api("GET", `/api/v1/rooms/${roomId}/comments`),
      api("GET", `/api/v1/rooms/${roomId}/polls`),
      api("GET", `/api/v1/rooms/${roomId}/lucky-bags`),
      api("GET", `/api/v1/rooms/${roomId}/coupon-offers`),
    ]);
    bags.clear();
    for (const b of roomBags) bags.set(b.id, b);
    renderBags();
    offers.clear();
    for (const o of roomOffers) offers.set(o.id, o);
    for (const z of await api("GET", `/api/v1/rooms/${roomId}/quizzes`)) {
      const open = z.questions.filter((q) => q.status === "open").pop();
      if (open) { quiz = { id: z.id, title: z.title, question: open, sent: null, verdict: null, late: false, counts: null, leaderboard: z.leaderboard }; }
    }
    renderQuiz();
    if (ME) for (const c of await api("GET", "/api/v1/me/coupons")) claimed.add(c.offer.id);
    renderOffers();
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
    cardView("click", listingId);
    await flushCards();
    if (!ME) { location.href = `/login?next=/rooms/${roomId}`; return; }
    try {
      const order = await api("POST", "/api/v1/orders", { listing_id: listingId, quantity: 1 }, { "Idempotency-Key": newKey() });
      banner(T.order_created);
      // The best of the viewer's coupons for this order, as the checkout of any shop would pick.
      try { await api("PUT", `/api/v1/orders/${order.id}/coupons`, { best: true }); } catch (_) { /* pay full price */ }
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
  $("share").addEventListener("click", async () => {
    if (!ME) { location.href = `/login?next=/rooms/${roomId}`; return; }
    try {
      const link = await api("POST", `/api/v1/rooms/${roomId}/share`, { channel: "copy" });
      const url = location.origin + link.url;
      if (navigator.clipboard) navigator.clipboard.writeText(url).catch(() => {});
      banner(`${T.share_link}: ${url}`, "success");
      $("banner").dataset.shareUrl = url;
    } catch (err) { banner(err.message, "error"); }
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
      // A weekly show: one tap reserves this show and every next one.
      api("GET", `/api/v1/rooms/${roomId}/series`).then((s) => {
        const b = $("subscribe-series");
        b.hidden = false;
        if (s.subscribed) { b.textContent = T.weekly_subscribed; b.disabled = true; }
        b.onclick = async () => {
          if (!ME) { location.href = `/login?next=/rooms/${roomId}`; return; }
          try { await api("POST", `/api/v1/series/${s.id}/subscribe`); b.textContent = T.weekly_subscribed; b.disabled = true;
            $("reserve").textContent = T.reserved; $("reserve").disabled = true; }
          catch (err) { banner(err.message, "error"); }
        };
      }).catch(() => { /* a one-off show */ });
      api("GET", `/api/v1/rooms/${roomId}/reservations`).then((r) => {
        $("reservations").textContent = `${r.reservations} ${T.reservations}`;
        if (r.reserved) { $("reserve").textContent = T.reserved; $("reserve").disabled = true; }
      });
    }
    const params = new URLSearchParams(location.search);
    channel = new RoomChannel(roomId, since, {
      src: params.get("src") || (params.get("ref") ? "share" : "direct"),
      onEvent,
      onCounters: (c) => { $("viewers").textContent = c.viewers; $("likes").textContent = c.likes; },
      onConnected: () => { root.dataset.connected = "1"; if ($("banner").dataset.kind === "reconnect") banner(""); },
      onDisconnected: () => { root.dataset.connected = "0"; banner(T.reconnecting); $("banner").dataset.kind = "reconnect"; },
      onResync: async () => { channel.seq = await loadSnapshot(); },
    });
    channel.start();
    const shopId = Number(root.dataset.shopId);
    const follow = $("follow");
    const showFollow = (f) => { follow.textContent = f ? T.following : T.follow; follow.disabled = f; };
    api("GET", `/api/v1/shops/${shopId}/follow`).then((r) => showFollow(r.following)).catch(() => {});
    follow.onclick = async () => {
      if (!ME) { location.href = `/login?next=/rooms/${roomId}`; return; }
      try { showFollow((await api("POST", `/api/v1/shops/${shopId}/follow?room_id=${roomId}`)).following); }
      catch (err) { banner(err.message, "error"); }
    };
    // Watch time (lucky-bag conditions): a heartbeat while a signed-in viewer has the live show open.
    if (ME) setInterval(() => { if (status === "live") api("POST", `/api/v1/rooms/${roomId}/watch`).catch(() => {}); }, 30000);
    if (ME && status === "live") api("POST", `/api/v1/rooms/${roomId}/watch`).catch(() => {});
    const orderId = new URLSearchParams(location.search).get("order");
    if (orderId && /^\d+$/.test(orderId)) showOrder(orderId);
  })();
});
