// loadhook: small enhancements. Every page works without this file; it only
// saves round trips (header rows, select all), asks before destructive
// actions and adds copy buttons.
(function () {
  "use strict";

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRF-Token"] || "";
    } catch (e) {
      return "";
    }
  }

  function copyText(text, button) {
    var done = function () {
      var label = button.textContent;
      button.textContent = "Copied";
      setTimeout(function () { button.textContent = label; }, 1500);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { fallbackCopy(text, done); });
    } else {
      fallbackCopy(text, done);
    }
  }

  function fallbackCopy(text, done) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "visually-hidden";
    document.body.appendChild(area);
    area.select();
    try {
      if (document.execCommand("copy")) done();
    } finally {
      area.remove();
    }
  }

  // Forms with data-confirm ask first. Confirming adds confirmed=yes, which
  // the server otherwise asks for on a confirmation page.
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!(form instanceof HTMLFormElement) || !form.dataset.confirm) return;
    if (!window.confirm(form.dataset.confirm)) {
      e.preventDefault();
      return;
    }
    if (!form.querySelector("input[name=confirmed]")) {
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = "confirmed";
      input.value = "yes";
      form.appendChild(input);
    }
  });

  // Header rows: add and remove in place rather than through the server.
  function renumberRows(container) {
    container.querySelectorAll(".header-row").forEach(function (row, i) {
      row.querySelectorAll("[id],[for],[aria-describedby]").forEach(function (el) {
        ["id", "for", "aria-describedby"].forEach(function (attr) {
          var v = el.getAttribute(attr);
          if (v) el.setAttribute(attr, v.replace(/^(header-(?:name|value)-)(\d+|new)/, "$1" + i));
        });
      });
      var remove = row.querySelector(".remove-header");
      if (remove) remove.value = "remove-header-" + i;
    });
    var add = document.querySelector("[data-add-header]");
    if (add) add.disabled = container.querySelectorAll(".header-row").length >= 20;
  }

  document.addEventListener("click", function (e) {
    var button = e.target.closest("button");
    if (!button) return;

    if (button.hasAttribute("data-add-header")) {
      var container = document.querySelector("[data-header-rows]");
      var template = document.getElementById("header-row-template");
      if (!container || !template) return;
      e.preventDefault();
      container.appendChild(template.content.cloneNode(true));
      renumberRows(container);
      var rows = container.querySelectorAll(".header-row");
      rows[rows.length - 1].querySelector("input[name=header_name]").focus();
      return;
    }

    if (button.classList.contains("remove-header")) {
      var rowsBox = button.closest("[data-header-rows]");
      if (!rowsBox) return;
      e.preventDefault();
      button.closest(".header-row").remove();
      renumberRows(rowsBox);
      return;
    }

    if (button.hasAttribute("data-copy")) {
      var target = document.querySelector(button.getAttribute("data-copy"));
      if (target) copyText(target.textContent.trim(), button);
      return;
    }

    if (button.hasAttribute("data-copy-secret")) {
      e.preventDefault();
      fetch(button.getAttribute("data-copy-secret"), {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRF-Token": csrfToken(), "HX-Request": "true" }
      })
        .then(function (r) {
          if (!r.ok) throw new Error("reveal failed: " + r.status);
          return r.text();
        })
        .then(function (html) {
          var doc = new DOMParser().parseFromString(html, "text/html");
          var code = doc.getElementById("secret-value");
          if (code) copyText(code.textContent.trim(), button);
        })
        .catch(function () { button.textContent = "Copy failed"; });
    }
  });

  // "Select all" boxes tick or clear their group, and follow it.
  function syncSelectAll(box) {
    var group = document.getElementById(box.getAttribute("data-select-all"));
    if (!group) return;
    var items = group.querySelectorAll("input[name=events]");
    var checked = group.querySelectorAll("input[name=events]:checked").length;
    box.checked = items.length > 0 && checked === items.length;
    box.indeterminate = checked > 0 && checked < items.length;
  }

  document.addEventListener("change", function (e) {
    var input = e.target;
    if (!(input instanceof HTMLInputElement)) return;
    if (input.hasAttribute("data-select-all")) {
      var group = document.getElementById(input.getAttribute("data-select-all"));
      if (group) {
        group.querySelectorAll("input[name=events]").forEach(function (cb) { cb.checked = input.checked; });
      }
      return;
    }
    if (input.name === "events") {
      var fieldset = input.closest("fieldset");
      var box = fieldset && fieldset.querySelector("[data-select-all]");
      if (box) syncSelectAll(box);
    }
  });

  // A masked value is replaced, not edited: select it all on focus.
  document.addEventListener("focusin", function (e) {
    var input = e.target;
    if (input instanceof HTMLInputElement && input.dataset.masked === "true") input.select();
  });

  function init() {
    document.querySelectorAll(".select-all[hidden], [data-copy][hidden], [data-copy-secret][hidden]").forEach(function (el) {
      el.hidden = false;
    });
    document.querySelectorAll("[data-select-all]").forEach(syncSelectAll);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
