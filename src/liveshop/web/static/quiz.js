// A quiz campaign at the player's own pace: each question's clock starts when it is shown and
// the server judges the answer by when it arrives.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const id = Number(document.getElementById("quiz-page").dataset.quizId);
  const $ = (x) => document.getElementById(x);
  let current = null, timer = null;

  function tick() {
    if (!current) return;
    $("q-left").textContent = `${T.time_left} ${Math.max(0, Math.ceil((Date.parse(current.closes_at) - Date.now()) / 1000))}s`;
  }

  async function next() {
    if (!ME) { location.href = `/login?next=/quizzes/${id}`; return; }
    const n = await api("POST", `/api/v1/quizzes/${id}/next`);
    $("quiz-start").hidden = true;
    if (n.done) {
      $("quiz").hidden = true; $("quiz-done").hidden = false;
      const q = await api("GET", `/api/v1/quizzes/${id}`);
      $("my-points").textContent = q.me ? `${q.me.points}${T.points}` : "";
      $("board").replaceChildren(...q.leaderboard.map((s) => el("li", {}, `${s.name} ${s.points}${T.points}`)));
      return;
    }
    current = n.question;
    $("quiz").hidden = false;
    $("q-text").textContent = current.text;
    $("q-state").textContent = ""; $("q-state").dataset.state = "";
    $("q-next").hidden = true;
    $("q-options").replaceChildren(...current.options.map((label, i) =>
      el("button", { class: "quiz-option", dataset: { choice: i }, onclick: () => answer(i) }, label)));
    clearInterval(timer); timer = setInterval(tick, 250); tick();
  }

  async function answer(choice) {
    for (const b of $("q-options").children) b.disabled = true;
    try {
      const r = await api("POST", `/api/v1/quiz-questions/${current.id}/answers`, { choice });
      $("q-state").dataset.state = r.correct ? "correct" : "wrong";
      $("q-state").textContent = r.correct ? `${T.answer_correct} +${r.points}${T.points}` : T.answer_wrong;
    } catch (err) {
      $("q-state").dataset.state = err.code === "answer_too_late" ? "late" : "error";
      $("q-state").textContent = err.code === "answer_too_late" ? T.answer_too_late : err.message;
    }
    clearInterval(timer);
    $("q-next").hidden = false;
  }

  $("quiz-start").addEventListener("click", () => next().catch((err) => { $("q-state").textContent = err.message; }));
  $("q-next").addEventListener("click", () => next().catch((err) => { $("q-state").textContent = err.message; }));
});
