// A feature vote on its own page: vote once, watch the results move.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const id = Number(document.getElementById("poll").dataset.pollId);
  const $ = (x) => document.getElementById(x);

  function render(p) {
    $("options").replaceChildren(...p.options.map((o) => {
      const share = p.total_votes ? Math.round((100 * o.votes) / p.total_votes) : 0;
      return el("button", { class: "poll-option" + (p.my_vote === o.id ? " mine" : ""), dataset: { optionId: o.id },
        onclick: () => vote(o.id), ...(p.status !== "open" || p.my_vote ? { disabled: "" } : {}) },
        `${o.label} · ${share}% (${o.votes})`);
    }));
    $("total").textContent = p.total_votes;
    $("poll-status").textContent = T["poll_" + p.status];
  }

  async function vote(optionId) {
    if (!ME) { location.href = `/login?next=/polls/${id}`; return; }
    try { render(await api("POST", `/api/v1/polls/${id}/votes`, { option_id: optionId })); }
    catch (err) { const b = $("banner"); b.textContent = err.message; b.hidden = false; }
  }

  const refresh = async () => { try { render(await api("GET", `/api/v1/polls/${id}`)); } catch (_) { /* next time */ } };
  refresh();
  setInterval(refresh, 3000);
});
