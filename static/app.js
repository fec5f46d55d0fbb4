// loadhook: small enhancements. Every page works without this file; it only
// saves round trips (header rows, select all), asks before destructive
// actions, adds copy and show-password buttons, shows failed htmx requests
// where they were made and writes times in the browser's zone.
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

  // Failed htmx requests: the message goes next to what was clicked (the
  // form, the button, the list that refreshes itself), never nowhere. The
  // server's answer to an htmx request carries the message (ErrorNotice);
  // anything else (a proxy's page, no answer at all) gets a sentence here.
  var inlineErrors = new WeakMap();

  function errorMessage(detail) {
    var xhr = detail.xhr;
    if (!xhr || !xhr.status) {
      return "Could not reach loadhook: check your connection, then try again.";
    }
    var notice = new DOMParser().parseFromString(xhr.responseText || "", "text/html").querySelector("[data-testid=error-notice]");
    if (notice && notice.textContent.trim()) return notice.textContent.trim();
    return "That didn't work (the server answered " + xhr.status + "). Reload the page and try again.";
  }

  function showInlineError(elt, message) {
    var box = inlineErrors.get(elt);
    if (!box || !box.isConnected) {
      box = document.createElement("p");
      box.className = "inline-error";
      box.setAttribute("role", "alert");
      box.setAttribute("data-testid", "inline-error");
      if (!elt || !elt.isConnected) {
        var fallback = document.getElementById("request-error");
        if (!fallback) return;
        fallback.replaceChildren(box);
      } else if (elt instanceof HTMLFormElement) {
        elt.appendChild(box);
      } else if (elt.hasAttribute("data-polling")) {
        elt.before(box);
      } else {
        elt.after(box);
      }
      if (elt) inlineErrors.set(elt, box);
    }
    box.textContent = message;
  }

  function clearInlineError(elt) {
    var box = elt && inlineErrors.get(elt);
    if (box) {
      box.remove();
      inlineErrors.delete(elt);
    }
  }

  document.addEventListener("htmx:responseError", function (e) { showInlineError(e.detail.elt, errorMessage(e.detail)); });
  document.addEventListener("htmx:sendError", function (e) { showInlineError(e.detail.elt, errorMessage({})); });
  document.addEventListener("htmx:afterRequest", function (e) {
    if (e.detail.successful) clearInlineError(e.detail.elt);
  });

  // A status line that an htmx answer fills in out of band (Send test
  // event's) comes into view if it is not: the button may have sat at the
  // bottom of the screen, the line just below it.
  document.addEventListener("htmx:oobAfterSwap", function (e) {
    var target = e.detail.target;
    if (target && target.getAttribute("role") === "status" && target.textContent.trim()) {
      target.scrollIntoView({ block: "nearest" });
    }
  });

  // An error answer that names where it goes (HX-Retarget) is a part of the
  // page that explains itself, such as the endpoint form's test result or
  // its field errors: it is swapped there rather than shown as a notice.
  document.addEventListener("htmx:beforeSwap", function (e) {
    var xhr = e.detail.xhr;
    if (e.detail.isError && xhr && xhr.getResponseHeader("HX-Retarget")) {
      e.detail.shouldSwap = true;
      e.detail.isError = false;
    }
  });

  // Live refreshes morph the page in place (idiomorph): focus stays, and a
  // panel the user opened or closed stays that way, whatever the server's
  // default for it.
  function keepOpenPanels() {
    if (!window.Idiomorph || !window.Idiomorph.defaults) return;
    window.Idiomorph.defaults.callbacks.beforeAttributeUpdated = function (name, el) {
      if (name === "open" && el instanceof HTMLDetailsElement) return false;
    };
  }

  // Times are rendered in UTC (also in their title, on hover) and shown in
  // the browser's own zone here. data-local says how much of the time counts.
  var timeFormats = {
    exact: { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit", timeZoneName: "short" },
    minute: { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short" },
    hour: { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" },
    date: { year: "numeric", month: "short", day: "numeric" }
  };

  function localizeTimes(root) {
    (root || document).querySelectorAll("time[data-local]").forEach(function (el) {
      var format = timeFormats[el.getAttribute("data-local")];
      var when = new Date(el.getAttribute("datetime"));
      if (!format || isNaN(when.getTime())) return;
      el.textContent = when.toLocaleString(undefined, format);
      el.setAttribute("data-localized", "true");
    });
  }

  document.addEventListener("htmx:afterSettle", function () { localizeTimes(document); });

  // Show-password toggles: the field becomes text while pressed on, and
  // back to a password before its form is sent, so no browser stores it
  // as text.
  document.addEventListener("click", function (e) {
    var toggle = e.target.closest("[data-toggle-password]");
    if (!toggle) return;
    var input = document.getElementById(toggle.getAttribute("data-toggle-password"));
    if (!input) return;
    var show = input.type === "password";
    input.type = show ? "text" : "password";
    toggle.setAttribute("aria-pressed", show ? "true" : "false");
    toggle.textContent = show ? "Hide" : "Show";
    input.focus();
  });
  document.addEventListener("submit", function (e) {
    if (!(e.target instanceof HTMLFormElement)) return;
    e.target.querySelectorAll("[data-toggle-password]").forEach(function (toggle) {
      var input = document.getElementById(toggle.getAttribute("data-toggle-password"));
      if (input) input.type = "password";
    });
  });

  function init() {
    document.querySelectorAll(".select-all[hidden], [data-copy][hidden], [data-copy-secret][hidden], [data-toggle-password][hidden]").forEach(function (el) {
      el.hidden = false;
    });
    document.querySelectorAll("[data-select-all]").forEach(syncSelectAll);
    keepOpenPanels();
    localizeTimes(document);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
