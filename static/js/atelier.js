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

// Live countdowns: the server renders the text; this keeps it ticking.
(function () {
  "use strict";
  var frenchSingular = (document.documentElement.lang || "").indexOf("fr") === 0;
  function plural(n, one, many) { return n + " " + ((n === 1 || (frenchSingular && n === 0)) ? one : many); }
  function words(seconds, lang) {
    var fr = lang.indexOf("fr") === 0;
    var d = Math.floor(seconds / 86400), h = Math.floor((seconds % 86400) / 3600),
        m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    var L = fr ? ["jour", "jours", "heure", "heures", "minute", "minutes", "seconde", "secondes"]
               : ["day", "days", "hour", "hours", "minute", "minutes", "second", "seconds"];
    if (d > 0) { return plural(d, L[0], L[1]) + (h ? " " + plural(h, L[2], L[3]) : ""); }
    if (h > 0) { return plural(h, L[2], L[3]) + " " + plural(m, L[4], L[5]); }
    return plural(m, L[4], L[5]) + " " + plural(s, L[6], L[7]);
  }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function precise(seconds, lang) {
    var fr = lang.indexOf("fr") === 0;
    var d = Math.floor(seconds / 86400), rest = seconds % 86400;
    var clock = pad(Math.floor(rest / 3600)) + ":" + pad(Math.floor((rest % 3600) / 60)) + ":" + pad(rest % 60);
    return d > 0 ? plural(d, fr ? "jour" : "day", fr ? "jours" : "days") + " " + clock : clock;
  }
  document.addEventListener("DOMContentLoaded", function () {
    var nodes = document.querySelectorAll("[data-countdown]");
    if (!nodes.length) { return; }
    var lang = document.documentElement.lang || "en";
    function tick() {
      var now = Date.now();
      nodes.forEach(function (node) {
        var left = Math.max(0, Math.floor((Date.parse(node.getAttribute("data-countdown")) - now) / 1000));
        node.textContent = node.hasAttribute("data-precise") ? precise(left, lang) : words(left, lang);
      });
    }
    tick();
    setInterval(tick, 1000);
  });
})();

// Upload progress for large design files; without JavaScript the form posts normally.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-upload-progress]").forEach(function (form) {
      var bar = form.querySelector(".upload-progress");
      var status = form.querySelector(".upload-status");
      form.addEventListener("submit", function (event) {
        if (!window.FormData || !bar) { return; }
        event.preventDefault();
        var button = form.querySelector("button[type=submit]");
        if (button) { button.disabled = true; button.setAttribute("aria-busy", "true"); }
        bar.hidden = false; status.hidden = false;
        var xhr = new XMLHttpRequest();
        xhr.open("POST", form.action || window.location.href);
        xhr.upload.addEventListener("progress", function (e) {
          if (e.lengthComputable) {
            var pct = Math.round(e.loaded / e.total * 100);
            bar.value = pct;
            status.textContent = pct + " %";
          }
        });
        xhr.addEventListener("load", function () {
          if (xhr.responseURL && xhr.responseURL !== window.location.href && xhr.status < 400) {
            window.location.assign(xhr.responseURL);
          } else {
            document.open(); document.write(xhr.responseText); document.close();
          }
        });
        xhr.addEventListener("error", function () {
          if (button) { button.disabled = false; button.removeAttribute("aria-busy"); }
          status.textContent = form.getAttribute("data-error") || "Upload failed.";
        });
        xhr.send(new FormData(form));
      });
    });
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
      });
    });
  });
})();

// Scoring with the keyboard: 1-5 score, B toggles "I'd buy this", S skips. Forms still post without JS.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("[data-score-form]");
    if (!form) { return; }
    var stage = document.querySelector("[data-score-stage]");
    if (stage) { document.documentElement.classList.add("has-keyboard"); }
    function send(value) {
      var data = new FormData(form);
      if (value) { data.set("value", value); }
      return fetch(form.action, { method: "POST", body: data, credentials: "same-origin",
                                  headers: { "Accept": "application/json" } })
        .then(function (response) { return response.json().then(function (body) { return [response, body]; }); });
    }
    function mark(value) {
      form.querySelectorAll(".score-button").forEach(function (button) {
        var on = button.value === String(value);
        button.classList.toggle("is-current", on);
        button.setAttribute("aria-pressed", on ? "true" : "false");
      });
    }
    var buy = form.querySelector("input[name=buy]");
    if (buy) {
      buy.addEventListener("change", function () {
        var current = form.querySelector(".score-button.is-current");
        if (current) { send(current.value); }
      });
    }
    if (!stage) { return; }  // on a design page the plain form is enough
    document.addEventListener("keydown", function (event) {
      if (event.target.closest("input[type=text], textarea, select") || event.metaKey || event.ctrlKey || event.altKey) {
        return;
      }
      var key = event.key.toLowerCase();
      if ("12345".indexOf(key) >= 0 && key.length === 1) {
        event.preventDefault();
        mark(key);
        send(key).then(function (pair) {
          if (pair[0].ok) { window.location.reload(); }
        });
      } else if (key === "b" && buy) {
        event.preventDefault();
        buy.checked = !buy.checked;
      } else if (key === "s") {
        var skip = document.querySelector("[data-skip]");
        if (skip) { event.preventDefault(); window.location.assign(skip.href); }
      }
    });
  });
})();
