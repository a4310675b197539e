"use strict";
// The review queue: each decision goes to POST /api/v1/trust/flags/{id}/review with its note;
// the page reloads to show the flag's new state and history.
document.addEventListener("DOMContentLoaded", () => {
  for (const form of document.querySelectorAll(".review-form")) {
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const decision = e.submitter ? e.submitter.value : "confirm";
      try {
        await api("POST", `/api/v1/trust/flags/${form.dataset.flag}/review`,
          { decision, note: form.elements.note.value.trim() });
        location.reload();
      } catch (err) { alert(err.message); }
    });
  }
});
