// Host / operator console (中控台): run the show, list products on the fly, watch sales.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const root = document.getElementById("console");
  const roomId = Number(root.dataset.roomId);
  const shopId = Number(root.dataset.shopId);
  const $ = (id) => document.getElementById(id);
  const listings = new Map();
  let pinnedId = null;
  let status = "scheduled";
  let currency = "CNY";

  function showError(err) {
    const p = $("console-error");
    p.textContent = err ? err.message : "";
    p.hidden = !err;
  }

  async function act(fn) {
    showError(null);
    try { await fn(); } catch (err) { showError(err); }
  }

  function renderStatus() {
    $("status").textContent = T["status_" + status];
    $("status").className = "badge status-" + status;
    root.dataset.status = status;
    $("start").disabled = status !== "scheduled";
    $("end").disabled = status !== "live";
  }

  function renderListings() {
    const body = $("listing-rows");
    body.replaceChildren();
    for (const l of listings.values()) {
      const pinned = l.id === pinnedId;
      body.append(el("tr", { dataset: { listingId: l.id }, class: (pinned ? "pinned-row " : "") + (l.stock_left === 0 ? "sold-out" : "") },
        el("td", {}, l.id),
        el("td", {}, l.title + (l.status !== "active" ? ` (${T.withdraw})` : "")),
        el("td", {}, money(l.price_cents, l.currency)),
        el("td", { class: "stock-left" }, l.stock_left),
        el("td", {}, l.sold),
        el("td", {},
          el("button", { class: "pin", onclick: () => act(() => api("POST", `/api/v1/rooms/${roomId}/pin`, { listing_id: pinned ? null : l.id })) }, pinned ? T.unpin : T.pin),
          el("button", { onclick: () => act(() => api("PATCH", `/api/v1/listings/${l.id}`, { add_stock: 10 })) }, `${T.add_stock} +10`),
          l.status === "active" ? el("button", { onclick: () => act(() => api("PATCH", `/api/v1/listings/${l.id}`, { status: "withdrawn" })) }, T.withdraw) : "")));
    }
  }

  function addComment(c) {
    const ul = $("comments");
    ul.append(el("li", { class: "comment" + (c.staff ? " staff" : "") },
      c.fan_level ? el("span", { class: "fan-level", title: T.fan_club }, `Lv${c.fan_level}`) : "",
      el("span", { class: "author" }, c.user.name), " ", el("span", { class: "text" }, c.text)));
    while (ul.children.length > 200) ul.firstChild.remove();
    ul.scrollTop = ul.scrollHeight;
  }

  function onEvent(ev) {
    switch (ev.type) {
      case "listing_added": case "listing_updated": listings.set(ev.listing.id, ev.listing); break;
      case "pinned": pinnedId = ev.listing ? ev.listing.id : null; if (ev.listing) listings.set(ev.listing.id, ev.listing); break;
      case "sold_out": if (listings.has(ev.listing_id)) listings.get(ev.listing_id).stock_left = 0; break;
      case "back_in_stock": case "stock": if (listings.has(ev.listing_id)) listings.get(ev.listing_id).stock_left = ev.stock_left; break;
      case "room_status": status = ev.status; renderStatus(); break;
      case "stream": document.dispatchEvent(new CustomEvent("liveshop:stream", { detail: ev.state })); return;
      case "purchase": refreshStats(); break;
      case "comment": addComment(ev); return;
      case "lucky_bag_opened": case "lucky_bag_drawn": bags.set(ev.bag.id, ev.bag); renderBags(); return;
      case "quiz_leaderboard": case "quiz_question_closed": case "quiz_ended":
        if (quizzes.has(ev.quiz.id)) {
          const z = quizzes.get(ev.quiz.id);
          z.leaderboard = ev.quiz.leaderboard;
          if (ev.question) { const q = z.questions.find((x) => x.id === ev.question.id); if (q) q.status = "closed"; }
          if (ev.type === "quiz_ended") z.status = "ended";
          renderQuizzes();
        }
        return;
      case "lucky_bag_entries": if (bags.has(ev.bag.id)) { bags.get(ev.bag.id).entrants = ev.bag.entrants; renderBags(); } return;
      default: return;
    }
    renderListings();
  }

  // Lucky bags of this show: launched here, drawn by their timer or the "draw now" button.
  const bags = new Map();

  function renderBags() {
    $("bags").replaceChildren(...[...bags.values()].sort((a, b) => b.id - a.id).map((b) =>
      el("li", { class: "bag", dataset: { bagId: b.id, status: b.status } },
        `${b.title} · ${b.prize.title} ×${b.prize.count} · ${b.entrants} ${T.entrants} · `,
        b.status === "open"
          ? el("button", { class: "draw-now", onclick: () => act(() => api("POST", `/api/v1/lucky-bags/${b.id}/draw`)) }, T.draw_now)
          : el("a", { href: `/api/v1/lucky-bags/${b.id}/draw`, target: "_blank" }, `${T.drawn} · ${T.verify_draw}`))));
  }

  // Quizzes: questions are drafted here, then asked one by one ("push") during the show.
  const draft = [];
  const quizzes = new Map();

  function renderQuizzes() {
    $("quiz-draft").replaceChildren(...draft.map((q) => el("li", {}, `${q.text} (${q.options.join(" / ")})`)));
    $("quizzes").replaceChildren(...[...quizzes.values()].filter((z) => z.status === "running").map((z) =>
      el("div", { class: "quiz-admin", dataset: { quizId: z.id } },
        el("strong", {}, z.title),
        el("ol", {}, ...z.questions.map((q) => el("li", { dataset: { questionId: q.id, status: q.status } },
          `${q.text} `,
          q.status === "pending" ? el("button", { class: "push-question", onclick: () => act(async () => {
            const asked = await api("POST", `/api/v1/quiz-questions/${q.id}/push`);
            Object.assign(q, asked); renderQuizzes();
          }) }, T.push_question) : el("span", { class: "muted" }, T["status_" + q.status] || q.status)))),
        el("ol", { class: "leaderboard" }, ...z.leaderboard.map((s) => el("li", {}, `${s.name} ${s.points}${T.points}`))),
        el("button", { class: "end-quiz", onclick: () => act(async () => {
          quizzes.set(z.id, await api("POST", `/api/v1/quizzes/${z.id}/end`)); renderQuizzes();
        }) }, T.end_quiz))));
  }

  function draftQuestion() {
    const options = $("quiz-options").value.split("\n").map((o) => o.trim()).filter(Boolean);
    const text = $("quiz-question").value.trim();
    if (!text || options.length < 2) return false;
    draft.push({ text, options, correct: Number($("quiz-correct").value) - 1, time_limit_seconds: Number($("quiz-limit").value) });
    $("quiz-question").value = ""; $("quiz-options").value = "";
    renderQuizzes();
    return true;
  }

  function yuanToCents(value) { return Math.round(Number(value) * 100); }

  async function refreshStats() {
    try {
      const [stats, recent] = await Promise.all([
        api("GET", `/api/v1/rooms/${roomId}/stats`),
        api("GET", `/api/v1/rooms/${roomId}/orders?limit=15`),
      ]);
      $("kpi-viewers").textContent = stats.viewers;
      $("kpi-paid").textContent = stats.orders.paid;
      $("kpi-pending").textContent = stats.orders.pending_payment;
      $("kpi-units").textContent = stats.units_sold;
      $("kpi-gmv").textContent = money(stats.gmv_cents, currency);
      $("kpi-shared").textContent = `${money(stats.referrals.paid_gmv_cents, currency)} · ${stats.referrals.visitors} ${T.visitors}`;
      $("orders").replaceChildren(...recent.orders.map((o) =>
        el("li", { class: "order status-" + o.status }, `#${o.id} ${o.title} ×${o.quantity} ${money(o.total_cents, o.currency)} · ${o.status}`)));
    } catch (err) { showError(err); }
  }

  async function load() {
    const [room, all, products, comments, roomBags, offers] = await Promise.all([
      api("GET", `/api/v1/rooms/${roomId}`),
      api("GET", `/api/v1/rooms/${roomId}/listings`),
      api("GET", `/api/v1/shops/${shopId}/products`),
      api("GET", `/api/v1/rooms/${roomId}/comments`),
      api("GET", `/api/v1/rooms/${roomId}/lucky-bags`),
      api("GET", `/api/v1/shops/${shopId}/coupon-offers`),
    ]);
    bags.clear();
    for (const b of roomBags) bags.set(b.id, b);
    renderBags();
    quizzes.clear();
    for (const z of await api("GET", `/api/v1/rooms/${roomId}/quizzes`)) quizzes.set(z.id, z);
    renderQuizzes();
    $("bag-prize").replaceChildren(
      ...products.map((p) => el("option", { value: `product:${p.id}` }, `${p.title} · ${T.stock} ${p.stock}`)),
      ...offers.filter((o) => o.status === "active").map((o) => el("option", { value: `coupon:${o.id}` }, `🎫 ${o.title}`)));
    status = room.status;
    pinnedId = room.pinned_listing_id;
    listings.clear();
    for (const l of all) listings.set(l.id, l);
    const select = $("product");
    select.replaceChildren(...products.map((p) =>
      el("option", { value: p.id, dataset: { price: p.price_cents, stock: p.stock } }, `${p.title} · ${money(p.price_cents, p.currency)} · ${T.stock} ${p.stock}`)));
    if (products.length) currency = products[0].currency;
    $("comments").replaceChildren();
    for (const c of comments) addComment(c);
    renderStatus();
    renderListings();
    refreshStats();
    return room.seq;
  }

  $("start").addEventListener("click", () => act(() => api("POST", `/api/v1/rooms/${roomId}/start`)));
  $("end").addEventListener("click", () => act(() => api("POST", `/api/v1/rooms/${roomId}/end`)));
  $("add-listing").addEventListener("submit", (e) => {
    e.preventDefault();
    act(async () => {
      const body = { product_id: Number($("product").value) };
      for (const [field, id] of [["price_cents", "price"], ["stock", "stock"], ["per_user_limit", "limit"]]) {
        if ($(id).value !== "") body[field] = Number($(id).value);
      }
      const listing = await api("POST", `/api/v1/rooms/${roomId}/listings`, body);
      listings.set(listing.id, listing);
      renderListings();
      const products = await api("GET", `/api/v1/shops/${shopId}/products`);
      for (const opt of $("product").options) {
        const p = products.find((x) => x.id === Number(opt.value));
        if (p) opt.textContent = `${p.title} · ${money(p.price_cents, p.currency)} · ${T.stock} ${p.stock}`;
      }
    });
  });
  $("bag-form").addEventListener("submit", (e) => {
    e.preventDefault();
    act(async () => {
      const [kind, id] = $("bag-prize").value.split(":");
      const prize = { kind, count: Number($("bag-count").value) };
      prize[kind === "product" ? "product_id" : "offer_id"] = Number(id);
      const conditions = { follow: $("bag-follow").checked, watch_minutes: Number($("bag-watch").value || 0) };
      if ($("bag-keyword").value.trim()) conditions.keyword = $("bag-keyword").value.trim();
      const bag = await api("POST", `/api/v1/rooms/${roomId}/lucky-bags`, {
        title: $("bag-title").value.trim(), prize, duration_seconds: Number($("bag-duration").value), conditions });
      bags.set(bag.id, bag);
      renderBags();
    });
  });
  $("quiz-add").addEventListener("click", () => draftQuestion());
  $("quiz-form").addEventListener("submit", (e) => {
    e.preventDefault();
    act(async () => {
      draftQuestion();  // the question still in the form counts too
      const quiz = await api("POST", `/api/v1/shops/${shopId}/quizzes`, {
        title: $("quiz-title").value.trim() || T.quiz, questions: draft, room_id: roomId });
      draft.length = 0;
      quizzes.set(quiz.id, quiz);
      renderQuizzes();
    });
  });
  $("poll-form").addEventListener("submit", (e) => {
    e.preventDefault();
    act(async () => {
      const options = $("poll-options").value.split("\n").map((o) => o.trim()).filter(Boolean);
      await api("POST", `/api/v1/shops/${shopId}/polls`, { question: $("poll-question").value.trim(), options,
        room_id: roomId, closes_in_seconds: Number($("poll-duration").value) });
      $("poll-question").value = ""; $("poll-options").value = "";
    });
  });
  $("coupon-form").addEventListener("submit", (e) => {
    e.preventDefault();
    act(async () => {
      await api("POST", `/api/v1/shops/${shopId}/coupon-offers`, { title: $("coupon-title").value.trim(), kind: "amount_off",
        amount_off_cents: yuanToCents($("coupon-off").value), threshold_cents: yuanToCents($("coupon-threshold").value || 0),
        total_quantity: Number($("coupon-quantity").value), room_id: roomId, valid_days: 7 });
      $("coupon-title").value = "";
    });
  });
  $("comment-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const input = $("comment-text");
    const text = input.value.trim();
    if (text) act(async () => { await api("POST", `/api/v1/rooms/${roomId}/comments`, { text }); input.value = ""; });
  });
  if ($("show-key")) {
    // OBS: the server, and the key as OBS wants it (<room id>?key=<stream key>).
    const obsKey = (key) => `${roomId}?key=${key}`;
    $("show-key").addEventListener("click", () => act(async () => { $("stream-key").textContent = obsKey((await api("GET", `/api/v1/rooms/${roomId}/stream-key`)).stream_key); }));
    $("rotate-key").addEventListener("click", () => act(async () => { $("stream-key").textContent = obsKey((await api("POST", `/api/v1/rooms/${roomId}/stream-key`)).stream_key); }));
    const media = async () => {
      const m = await api("GET", `/api/v1/rooms/${roomId}/media`);
      $("obs-server").textContent = m.obs ? m.obs.server : "";
      $("stream-state").textContent = T[`stream_${m.stream}`] || m.stream;
      $("start-on-publish").checked = m.start_on_publish;
    };
    const targets = async () => {
      const list = await api("GET", `/api/v1/rooms/${roomId}/push-targets`);
      $("push-targets").replaceChildren(...list.map((t) => el("li", { dataset: { target: t.id } },
        el("strong", {}, t.name), " ", el("code", {}, t.url), " · ", T[`relay_${t.relay}`] || t.relay, " ",
        el("button", { type: "button", class: "secondary", onclick: () => act(async () => {
          await api("DELETE", `/api/v1/push-targets/${t.id}`); await targets(); }) }, T.push_remove))));
    };
    $("start-on-publish").addEventListener("change", (e) => act(async () => {
      await api("PUT", `/api/v1/rooms/${roomId}/media`, { start_on_publish: e.target.checked }); }));
    $("push-form").addEventListener("submit", (e) => {
      e.preventDefault();
      act(async () => {
        await api("POST", `/api/v1/rooms/${roomId}/push-targets`, { name: $("push-name").value.trim(), url: $("push-url").value.trim() });
        $("push-name").value = ""; $("push-url").value = "";
        await targets();
      });
    });
    act(async () => { await media(); await targets(); });
    document.addEventListener("liveshop:stream", () => act(async () => { await media(); await targets(); }));
  }

  (async () => {
    let channel;
    const since = await load();
    channel = new RoomChannel(roomId, since, {
      src: "console",
      onEvent,
      onCounters: (c) => { $("kpi-viewers").textContent = c.viewers; },
      onResync: async () => { channel.seq = await load(); },
    });
    channel.start();
    setInterval(refreshStats, 3000);
  })();
});
