// Guess-the-product teaser: guess once, see the reveal, reserve the launch show.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const root = document.getElementById("campaign");
  const id = Number(root.dataset.campaignId);
  const roomId = Number(root.dataset.roomId);
  const $ = (x) => document.getElementById(x);
  const say = (text, kind) => { const b = $("banner"); b.textContent = text; b.className = "banner " + (kind || ""); b.hidden = !text; };

  function render(c) {
    root.dataset.status = c.status;
    $("hints").replaceChildren(...c.hints.map((h) => el("li", {}, h.text)));
    $("views").textContent = c.views;
    $("guess-count").textContent = c.guesses;
    $("reveal").hidden = c.status !== "revealed";
    $("answer").textContent = c.answer || "";
    $("correct-count").textContent = `${c.correct_guesses || 0} ${T.guessed_right}`;
    $("guess-form").hidden = c.status === "revealed" || !!c.my_guess;
    $("my-guess").hidden = !c.my_guess;
    if (c.my_guess) {
      $("my-guess-text").textContent = c.my_guess.guess;
      $("my-verdict").textContent = c.my_guess.correct === null ? "" : c.my_guess.correct ? `✓ ${T.answer_correct}` : `✗ ${T.answer_wrong}`;
    }
  }

  $("guess-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    if (!ME) { location.href = `/login?next=/campaigns/${id}`; return; }
    try { render(await api("POST", `/api/v1/campaigns/${id}/guesses`, { guess: $("guess").value.trim() })); say(""); }
    catch (err) { say(err.message, "error"); }
  });
  $("reserve-launch").addEventListener("click", async () => {
    if (!ME) { location.href = `/login?next=/campaigns/${id}`; return; }
    try {
      await api("POST", `/api/v1/rooms/${roomId}/reservations`);
      $("reserve-launch").textContent = T.reserved; $("reserve-launch").disabled = true;
    } catch (err) { say(err.message, "error"); }
  });
  // Hints appear and the reveal happens on the server's schedule: look again now and then.
  setInterval(async () => { try { render(await api("GET", `/api/v1/campaigns/${id}`)); } catch (_) { /* next time */ } }, 5000);
});
