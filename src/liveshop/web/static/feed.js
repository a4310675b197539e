"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("create-shop");
  if (!form) return;
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      const shop = await api("POST", "/api/v1/shops", { name: document.getElementById("shop-name").value.trim() });
      location.href = `/shops/${shop.id}/admin`;
    } catch (err) { alert(err.message); }
  });
});
