// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  var root = document.documentElement;
  var stored = null;
  try { stored = localStorage.getItem("atelier-theme"); } catch (e) { /* private mode */ }
  if (stored === "light" || stored === "dark") { root.setAttribute("data-theme", stored); }

  document.addEventListener("DOMContentLoaded", function () {
    var toggle = document.querySelector("[data-theme-toggle]");
    if (toggle) {
      toggle.hidden = false;
      toggle.addEventListener("click", function () {
        var current = root.getAttribute("data-theme") ||
          (window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light");
        var next = current === "dark" ? "light" : "dark";
        root.setAttribute("data-theme", next);
        try { localStorage.setItem("atelier-theme", next); } catch (e) { /* ignore */ }
      });
    }
    document.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
      var button = form.querySelector("[data-autosubmit-button]");
      if (button) { button.hidden = true; }
      form.querySelectorAll("select").forEach(function (select) {
        select.addEventListener("change", function () { form.submit(); });
      });
    });
  });
})();
