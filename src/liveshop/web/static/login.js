"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("auth-form");
  const error = document.getElementById("auth-error");
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    error.hidden = true;
    const creds = {
      username: document.getElementById("username").value.trim(),
      password: document.getElementById("password").value,
    };
    try {
      if (form.dataset.mode === "signup") await api("POST", "/api/v1/users", creds);
      await api("POST", "/api/v1/sessions", creds);
      const next = new URLSearchParams(location.search).get("next");
      location.href = next && next.startsWith("/") && !next.startsWith("//") ? next : "/";
    } catch (err) {
      error.textContent = err.message;
      error.hidden = false;
    }
  });
});
