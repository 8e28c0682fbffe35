// photodesk gallery: small progressive enhancements. Every flow works without this file.
(function () {
  "use strict";

  function onReady(fn) {
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", fn);
    } else {
      fn();
    }
  }

  // "Copy caption + credit": copy the target field's text, with a fallback for
  // browsers that refuse the clipboard API on plain http.
  function setupCopy() {
    document.querySelectorAll("[data-copy]").forEach(function (button) {
      button.addEventListener("click", function () {
        var target = document.querySelector(button.getAttribute("data-copy"));
        if (!target) { return; }
        var text = target.value !== undefined ? target.value : target.textContent;
        var label = button.textContent;
        function done(ok) {
          button.textContent = ok ? "Copied" : "Press Ctrl+C to copy";
          button.classList.toggle("copied", ok);
          window.setTimeout(function () {
            button.textContent = label;
            button.classList.remove("copied");
          }, 1800);
        }
        function fallback() {
          target.focus();
          target.select();
          var ok = false;
          try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
          done(ok);
        }
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(text).then(function () { done(true); }, fallback);
        } else {
          fallback();
        }
      });
    });
  }

  // Gallery selection: "select all", a live count, and the bulk button enabled
  // only when something is selected.
  function setupSelection() {
    var form = document.getElementById("selection");
    if (!form) { return; }
    var boxes = form.querySelectorAll('input[name="ids"]');
    var all = form.querySelector("[data-select-all]");
    var count = form.querySelector("[data-selected-count]");
    var button = form.querySelector("[data-needs-selection]");
    function update() {
      var n = 0;
      boxes.forEach(function (box) {
        if (box.checked) { n += 1; }
        var card = box.closest(".card");
        if (card) { card.classList.toggle("selected", box.checked); }
      });
      if (count) { count.textContent = n ? n + " selected" : ""; }
      if (button) { button.disabled = n === 0; }
      if (all) {
        all.checked = n > 0 && n === boxes.length;
        all.indeterminate = n > 0 && n < boxes.length;
      }
    }
    boxes.forEach(function (box) { box.addEventListener("change", update); });
    if (all) {
      all.addEventListener("change", function () {
        boxes.forEach(function (box) { box.checked = all.checked; });
        update();
      });
    }
    update();
  }

  // Sort changes apply at once.
  function setupAutosubmit() {
    document.querySelectorAll("[data-autosubmit]").forEach(function (field) {
      field.addEventListener("change", function () {
        var form = field.form;
        if (form) { form.requestSubmit ? form.requestSubmit() : form.submit(); }
      });
    });
  }

  // Filter forms leave empty fields out of the URL: "?q=cat", not "?q=cat&status=&format=".
  function setupOmitEmpty() {
    document.querySelectorAll("form[data-omit-empty]").forEach(function (form) {
      form.addEventListener("submit", function () {
        var emptied = [];
        Array.prototype.forEach.call(form.elements, function (field) {
          if (field.name && !field.disabled && field.value === "" && field.type !== "submit") {
            field.disabled = true;
            emptied.push(field);
          }
        });
        // The form data is taken when the event ends; the fields come back for Back.
        window.setTimeout(function () {
          emptied.forEach(function (field) { field.disabled = false; });
        }, 0);
      });
    });
  }

  // Forms that undo or delete something ask first; so does downloading a restricted
  // photo (yes goes straight to the file, past the server's own question page).
  function setupConfirm() {
    document.querySelectorAll("a[data-confirm]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        event.preventDefault();
        if (window.confirm(link.getAttribute("data-confirm"))) {
          window.location.href = link.getAttribute("data-confirm-href") || link.href;
        }
      });
    });
    document.querySelectorAll("form[data-confirm], button[data-confirm]").forEach(function (el) {
      var form = el.tagName === "FORM" ? el : el.form;
      var message = el.getAttribute("data-confirm");
      if (el.tagName === "FORM") {
        form.addEventListener("submit", function (event) {
          if (!window.confirm(message)) { event.preventDefault(); return; }
          // The server asks again unless the form says the question was answered.
          form.querySelectorAll("[data-confirm-flag]").forEach(function (flag) { flag.value = "yes"; });
        });
      } else {
        el.addEventListener("click", function (event) {
          if (!window.confirm(message)) { event.preventDefault(); }
        });
      }
    });
  }

  // Duplicate review: two pictures side by side that zoom and pan together, and a
  // flip that shows one at a time in the same place.
  function setupCompare() {
    var panes = document.querySelector("[data-compare-panes]");
    var tools = document.querySelector("[data-compare-tools]");
    if (!panes || !tools) { return; }
    tools.hidden = false;
    var images = Array.prototype.slice.call(panes.querySelectorAll(".compare-viewport img"));
    var label = tools.querySelector("[data-compare-zoom]");
    var flipButton = tools.querySelector('[data-compare="flip"]');
    var state = { zoom: 1, x: 0, y: 0, flipped: false, shown: 0 };
    function clamp(value, limit) { return Math.max(-limit, Math.min(limit, value)); }
    function apply() {
      var limit = (state.zoom - 1) * 50;
      state.x = clamp(state.x, limit);
      state.y = clamp(state.y, limit);
      images.forEach(function (img) {
        img.style.transform = "translate(" + state.x + "%, " + state.y + "%) scale(" + state.zoom + ")";
      });
      label.textContent = Math.round(state.zoom * 100) + " %";
      panes.classList.toggle("is-flipping", state.flipped);
      panes.querySelectorAll(".compare-pane").forEach(function (pane, index) {
        pane.hidden = state.flipped && index !== state.shown;
      });
      flipButton.setAttribute("aria-pressed", state.flipped ? "true" : "false");
      flipButton.textContent = state.flipped ? "Showing " + (state.shown === 0 ? "the master" : "the copy") + " — flip" : "Flip between them";
    }
    function zoom(factor) {
      state.zoom = Math.max(1, Math.min(8, state.zoom * factor));
      apply();
    }
    tools.addEventListener("click", function (event) {
      var action = event.target.getAttribute("data-compare");
      if (action === "zoom-in") { zoom(1.5); }
      if (action === "zoom-out") { zoom(1 / 1.5); }
      if (action === "reset") { state.zoom = 1; state.x = 0; state.y = 0; apply(); }
      if (action === "flip") {
        if (!state.flipped) { state.flipped = true; state.shown = 0; } else { state.shown = 1 - state.shown; }
        apply();
      }
    });
    panes.addEventListener("wheel", function (event) {
      event.preventDefault();
      zoom(event.deltaY < 0 ? 1.25 : 0.8);
    }, { passive: false });
    var drag = null;
    panes.addEventListener("pointerdown", function (event) {
      drag = { x: event.clientX, y: event.clientY, width: event.target.clientWidth || 1, height: event.target.clientHeight || 1 };
    });
    window.addEventListener("pointerup", function () { drag = null; });
    panes.addEventListener("pointermove", function (event) {
      if (!drag) { return; }
      state.x += (event.clientX - drag.x) / drag.width * 100 / state.zoom;
      state.y += (event.clientY - drag.y) / drag.height * 100 / state.zoom;
      drag.x = event.clientX;
      drag.y = event.clientY;
      apply();
    });
    apply();
  }

  // Upload: drop files on the zone; they go into the ordinary file input, so the
  // form posts exactly as it does without JavaScript.
  function setupDropzone() {
    document.querySelectorAll("[data-dropzone]").forEach(function (zone) {
      var input = zone.querySelector("[data-file-input]");
      var list = document.querySelector("[data-file-list]");
      var form = zone.closest("form");
      var warning = form ? form.querySelector("[data-upload-too-big]") : null;
      if (!input) { return; }
      function sized(bytes) {
        return bytes > 1048576
          ? (bytes / 1048576).toFixed(1) + " MB"
          : Math.max(1, Math.round(bytes / 1024)) + " KB";
      }
      // What the server would refuse, said before minutes of sending: past its size
      // limit the server can only answer with a bare error page.
      function tooMuch() {
        var most = Number(zone.dataset.maxBytes || 0);
        var count = Number(zone.dataset.maxFiles || 0);
        var total = 0;
        Array.prototype.forEach.call(input.files, function (file) {
          total += file.size + 1024; // each file's part headers
        });
        if (count && input.files.length > count) {
          return "You chose " + input.files.length + " files: at most " + count +
            " per upload. Send them in smaller groups.";
        }
        if (most && total > most) {
          return "These files add up to " + sized(total) + ": at most " + sized(most) +
            " per upload. Send them in smaller groups.";
        }
        return "";
      }
      function showFiles() {
        if (list) {
          list.textContent = "";
          Array.prototype.forEach.call(input.files, function (file) {
            var item = document.createElement("li");
            item.textContent = file.name + " · " + sized(file.size);
            list.appendChild(item);
          });
        }
        zone.classList.toggle("has-files", input.files.length > 0);
        if (warning) {
          warning.textContent = tooMuch();
          warning.hidden = !warning.textContent;
        }
      }
      if (form) {
        form.addEventListener("submit", function (event) {
          if (tooMuch()) {
            event.preventDefault();
            showFiles();
            if (warning) { warning.focus(); }
          }
        });
      }
      ["dragenter", "dragover"].forEach(function (name) {
        zone.addEventListener(name, function (event) {
          event.preventDefault();
          zone.classList.add("dragging");
        });
      });
      ["dragleave", "dragend"].forEach(function (name) {
        zone.addEventListener(name, function () { zone.classList.remove("dragging"); });
      });
      zone.addEventListener("drop", function (event) {
        event.preventDefault();
        zone.classList.remove("dragging");
        if (event.dataTransfer && event.dataTransfer.files.length) {
          input.files = event.dataTransfer.files;
          showFiles();
        }
      });
      input.addEventListener("change", showFiles);
    });
  }


  // --- the editing loop: keyboard, saving in place, unsaved-changes guard ---

  function typing(target) {
    if (!target || !target.tagName) { return false; }
    var tag = target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable;
  }

  function plainKey(event) {
    return !event.ctrlKey && !event.metaKey && !event.altKey;
  }

  // "?" opens the shortcuts dialog from any page that has it.
  function setupShortcutsDialog() {
    var dialog = document.getElementById("shortcuts");
    if (!dialog || typeof dialog.showModal !== "function") { return; }
    document.querySelectorAll("[data-shortcuts-open]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { dialog.showModal(); });
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "?" && !typing(event.target) && !event.ctrlKey && !event.metaKey &&
          !dialog.open) {
        event.preventDefault();
        dialog.showModal();
      }
    });
  }

  function dialogOpen() {
    var dialog = document.getElementById("shortcuts");
    return !!(dialog && dialog.open);
  }

  // Grid: arrows or j/k move between cards, Enter opens (the card's link has
  // focus), x selects, / searches. Coming back with #p123 lands on that card.
  function setupGridKeys() {
    var grid = document.querySelector("[data-grid]");
    if (!grid) { return; }
    var links = Array.prototype.slice.call(grid.querySelectorAll(".card .card-image"));
    if (!links.length) { return; }
    var search = document.querySelector(".searchbar input[name=q]");

    function current() {
      var card = document.activeElement && document.activeElement.closest
        ? document.activeElement.closest(".card") : null;
      return card ? links.indexOf(card.querySelector(".card-image")) : -1;
    }
    function columns() {
      var top = links[0].getBoundingClientRect().top;
      var n = 0;
      while (n < links.length && Math.abs(links[n].getBoundingClientRect().top - top) < 2) {
        n += 1;
      }
      return Math.max(1, n);
    }
    function focusAt(index) {
      var target = links[Math.max(0, Math.min(links.length - 1, index))];
      target.focus();
      target.scrollIntoView({ block: "nearest" });
    }

    // The card's link carries the anchor, so the browser itself focuses it on
    // #p123 (and a non-focusable anchor would have its focus cleared).
    var hash = window.location.hash.match(/^#p(\d+)$/);
    var start = hash ? document.getElementById("p" + hash[1]) : null;
    if (start) {
      start.focus();
      start.scrollIntoView({ block: "center" });
    }

    document.addEventListener("keydown", function (event) {
      if (dialogOpen() || typing(event.target) || !plainKey(event)) { return; }
      var at = current();
      var step = { ArrowRight: 1, ArrowLeft: -1, j: 1, k: -1 }[event.key];
      if (event.key === "ArrowDown") { step = columns(); }
      if (event.key === "ArrowUp") { step = -columns(); }
      if (step) {
        event.preventDefault();
        focusAt(at < 0 ? 0 : at + step);
      } else if (event.key === "x" && at >= 0) {
        var box = links[at].closest(".card").querySelector('input[name="ids"]');
        if (box) {
          event.preventDefault();
          box.checked = !box.checked;
          box.dispatchEvent(new Event("change", { bubbles: true }));
        }
      } else if (event.key === "/" && search) {
        event.preventDefault();
        search.focus();
        search.select();
      }
    });
  }

  function formState(form) {
    var parts = [];
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.type === "hidden" || el.type === "submit") { return; }
      parts.push(el.name + "=" + (el.type === "checkbox" ? el.checked : el.value));
    });
    return parts.join("\n");
  }

  // Photo page: in-place saving, Ctrl+Enter, [ and ], Esc, and a warning
  // before leaving with unsaved changes.
  function setupPhotoPage() {
    var form = document.querySelector("form[data-inplace]");
    var back = document.querySelector("[data-nav=back]");
    var saved = form ? formState(form) : "";
    var leaving = false;

    function dirty() { return !!form && !leaving && formState(form) !== saved; }

    if (form && form.hasAttribute("data-unsaved-guard")) {
      window.addEventListener("beforeunload", function (event) {
        if (dirty()) {
          event.preventDefault();
          event.returnValue = "";
        }
      });
      // A plain submit (no fetch support) and "Discard" leave on purpose.
      form.addEventListener("submit", function () { leaving = !window.fetch; });
      form.querySelectorAll("[data-discard]").forEach(function (link) {
        link.addEventListener("click", function () { leaving = true; });
      });
    }

    function go(which) {
      var link = document.querySelector("[data-nav=" + which + "]");
      if (link) { window.location.href = link.href; }
    }

    document.addEventListener("keydown", function (event) {
      if (dialogOpen()) { return; }
      if (form && event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        // Shift as well: save and go on to the next photo of the search.
        save(event.shiftKey ? { name: "then", value: "next" } : null);
        return;
      }
      if (event.key === "Escape" && back) {
        event.preventDefault();
        if (typing(event.target)) { event.target.blur(); }
        go("back");
        return;
      }
      if (typing(event.target) || !plainKey(event)) { return; }
      if (event.key === "[") { event.preventDefault(); go("previous"); }
      if (event.key === "]") { event.preventDefault(); go("next"); }
    });

    // The caption is what a take needs: start there, cursor at the end.
    var caption = form ? form.querySelector("textarea[name=caption]") : null;
    if (caption && !window.location.hash) {
      caption.focus();
      caption.setSelectionRange(caption.value.length, caption.value.length);
    }

    if (!form || !window.fetch || !window.FormData) { return; }
    var status = document.querySelector("[data-save-status]");
    var busy = false;

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      save(event.submitter || null);
    });

    function show(text, category) {
      if (!status) { return; }
      status.textContent = "";
      var p = document.createElement("p");
      p.className = "flash flash-" + category;
      p.textContent = text;
      status.appendChild(p);
    }

    // The form starts over from ``values``. With keepMine (after a clash) the
    // fields this editor changed keep their text and the rest take the current
    // values, as the server-rendered conflict page does.
    // ``overwrite`` names fields that take the new value even with keepMine (what a
    // template just filled).
    function setValues(values, keepMine, overwrite) {
      Object.keys(values).forEach(function (name) {
        var orig = form.querySelector('input[name="orig_' + name + '"]');
        var field = form.elements[name];
        var mine = !field ? null
          : field.type === "checkbox" ? (field.checked ? "yes" : "no") : field.value;
        var untouched = !!orig && mine === orig.value;
        if (orig) { orig.value = values[name]; }
        var forced = !!overwrite && overwrite.indexOf(name) >= 0;
        if (!field || (keepMine && !untouched && !forced)) { return; }
        if (field.type === "checkbox") { field.checked = values[name] === "yes"; }
        else { field.value = values[name]; }
      });
    }

    // What the form looks like with every field at its stored value (the orig_ inputs).
    function storedState() {
      var parts = [];
      Array.prototype.forEach.call(form.elements, function (el) {
        if (!el.name || el.type === "hidden" || el.type === "submit") { return; }
        var orig = form.querySelector('input[name="orig_' + el.name + '"]');
        var value = el.type === "checkbox" ? el.checked : el.value;
        if (orig) { value = el.type === "checkbox" ? orig.value === "yes" : orig.value; }
        parts.push(el.name + "=" + value);
      });
      return parts.join("\n");
    }

    // Values were stored by another part of the page (the template picker): show
    // them; this editor's other unsaved changes stay, and still count as unsaved.
    form.addEventListener("photodesk:stored", function (event) {
      var body = event.detail;
      clearConflict();
      form.elements.version.value = body.version;
      setValues(body.values, true, body.applied || []);
      saved = storedState();
      var label = document.querySelector("[data-version-label]");
      if (label) { label.textContent = "version " + body.version; }
      var line = document.getElementById("credit-line");
      if (line) { line.value = body.credit_line; }
    });

    function clearConflict() {
      document.querySelectorAll("[data-conflict]").forEach(function (el) { el.remove(); });
      form.querySelectorAll(".conflicted").forEach(function (el) {
        el.classList.remove("conflicted");
      });
    }

    function showConflict(data) {
      clearConflict();
      var box = document.createElement("section");
      box.className = "conflict";
      box.setAttribute("role", "alert");
      box.setAttribute("data-conflict", "");
      var h = document.createElement("h2");
      h.textContent = "Someone else changed this photo while you were editing";
      var p = document.createElement("p");
      p.textContent = "Nothing was saved. The photo is now at version " + data.version +
        ". These fields were changed by both of you:";
      var table = document.createElement("table");
      table.className = "conflict-table";
      var head = table.createTHead().insertRow();
      ["Field", "Your value", "Current value"].forEach(function (text) {
        var th = document.createElement("th");
        th.textContent = text;
        head.appendChild(th);
      });
      var body = table.createTBody();
      data.conflict.forEach(function (row) {
        var tr = body.insertRow();
        var th = document.createElement("th");
        th.textContent = row.label;
        tr.appendChild(th);
        var yours = tr.insertCell();
        yours.className = "yours";
        yours.textContent = row.yours || "(empty)";
        var theirs = tr.insertCell();
        theirs.className = "theirs";
        theirs.textContent = (row.theirs || "(empty)") +
          (row.who ? " by " + row.who + (row.when ? ", " + row.when : "") : "");
        var field = form.elements[row.field];
        var label = field && field.closest ? field.closest("label") : null;
        if (label) { label.classList.add("conflicted"); }
      });
      var note = document.createElement("p");
      note.className = "small";
      note.textContent = "Your values are still in the form. Save again to replace the " +
        "current values with yours, or reload to keep theirs.";
      box.appendChild(h);
      box.appendChild(p);
      box.appendChild(table);
      box.appendChild(note);
      var panel = form.closest(".panel");
      panel.parentNode.insertBefore(box, panel);
    }

    // The field a refused save names is marked, and its message read with it.
    function markInvalid(name) {
      form.querySelectorAll("[aria-invalid]").forEach(function (el) {
        el.removeAttribute("aria-invalid");
        el.removeAttribute("aria-describedby");
      });
      var field = name ? form.elements[name] : null;
      if (!field || !status) { return; }
      status.id = status.id || "save-status";
      field.setAttribute("aria-invalid", "true");
      field.setAttribute("aria-describedby", status.id);
      field.focus();
    }

    function save(submitter) {
      if (busy) { return; }
      busy = true;
      var data = new FormData(form);
      if (submitter && submitter.name) { data.append(submitter.name, submitter.value); }
      var token = document.querySelector('meta[name="csrf-token"]');
      fetch(form.action, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: {
          "Accept": "application/json",
          "X-CSRF-Token": token ? token.content : ""
        }
      }).then(function (response) {
        return response.json().then(function (body) {
          return { status: response.status, body: body };
        }, function () {
          // A sign-in page or an HTML error: the session ended or the form expired.
          return {
            status: response.status,
            body: { error: "Not saved: reload the page (you may have been signed out)." }
          };
        });
      }).then(function (answer) {
        busy = false;
        var body = answer.body;
        if (answer.status === 409 && body.conflict) {
          // The form now starts from the current version: saving again is deliberate.
          form.elements.version.value = body.version;
          setValues(body.values, true);
          showConflict(body);
          show("Not saved: someone else changed the same field.", "error");
          return;
        }
        markInvalid(body.field);
        if (body.error) {
          show(body.error, "error");
          return;
        }
        clearConflict();
        form.elements.version.value = body.version;
        setValues(body.values, false);
        saved = formState(form);
        var label = document.querySelector("[data-version-label]");
        if (label) { label.textContent = "version " + body.version; }
        var line = document.getElementById("credit-line");
        if (line) { line.value = body.credit_line; }
        show(body.message, body.category);
        if (body.go) {
          window.location.href = body.go;
        } else if (form.contains(document.activeElement)) {
          // Saved: leave the field so [ ] and Esc step on from here.
          document.activeElement.blur();
        }
      }, function () {
        busy = false;
        show("Could not reach photodesk; nothing was saved. Try again.", "error");
      });
    }
  }

  // --- the desk's stationery: code replacements, credit advice, templates ---

  function isTextField(el) {
    return !!el && (el.tagName === "TEXTAREA" ||
      (el.tagName === "INPUT" && (el.type === "text" || el.type === "search")));
  }

  // "=rf" followed by a space or punctuation becomes "Reza Farahzadi" in the
  // fields of forms marked data-codes. The list is embedded in the page; the
  // server expands whatever is left when the form is saved.
  function setupCodeReplacements() {
    var data = document.getElementById("code-replacements");
    if (!data) { return; }
    var table;
    try { table = JSON.parse(data.getAttribute("data-codes") || "{}"); } catch (e) { return; }
    if (!table || !Object.keys(table).length) { return; }
    var wordChar = /[\p{L}\p{N}_]/u;
    var typedCode = /(^|[^\p{L}\p{N}_=])=([A-Za-z0-9]{1,20})$/u;
    document.querySelectorAll("form[data-codes]").forEach(function (form) {
      form.addEventListener("input", function (event) {
        var field = event.target;
        if (!isTextField(field) || !/^insert/.test(event.inputType || "")) { return; }
        var caret = field.selectionStart;
        if (caret === null || caret < 3 || caret !== field.selectionEnd) { return; }
        if (wordChar.test(field.value.charAt(caret - 1))) { return; }
        var before = field.value.slice(0, caret - 1);
        var found = before.match(typedCode);
        var text = found ? table[found[2].toLowerCase()] : null;
        if (!text) { return; }
        var start = before.length - found[2].length - 1;
        field.setRangeText(text, start, caret - 1, "end");
        var after = start + text.length + 1;
        field.setSelectionRange(after, after);
      });
    });
  }

  // Credit and source fields: the library's credits as suggestions (most used
  // first, loaded once), and a flag with a one-click fix when what was typed is
  // not in house style or is a known credit spelled differently.
  function setupCreditAdvice() {
    var list = document.getElementById("credit-suggestions");
    var fields = document.querySelectorAll("input[data-credit-check]");
    if (!list || !fields.length || !window.fetch) { return; }
    var loaded = false;
    function loadSuggestions() {
      if (loaded) { return; }
      loaded = true;
      fetch(list.getAttribute("data-source"), { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : { credits: [] }; })
        .then(function (body) {
          (body.credits || []).forEach(function (item) {
            var option = document.createElement("option");
            option.value = item.credit;
            option.label = item.photos + (item.photos === 1 ? " photo" : " photos");
            list.appendChild(option);
          });
        }, function () { loaded = false; });
    }
    fields.forEach(function (field) {
      var timer = null;
      var asked = 0;
      var flag = document.createElement("p");
      flag.className = "credit-advice";
      flag.setAttribute("role", "status");
      flag.hidden = true;
      field.insertAdjacentElement("afterend", flag);
      function show(fixes) {
        flag.textContent = "";
        flag.hidden = !fixes.length;
        field.classList.toggle("advised", fixes.length > 0);
        fixes.forEach(function (fix) {
          var text = document.createElement("span");
          text.textContent = "Did you mean “" + fix.value + "”? " + fix.reason[0].toUpperCase() +
            fix.reason.slice(1) + ". ";
          var button = document.createElement("button");
          button.type = "button";
          button.className = "button small";
          button.textContent = "Use “" + fix.value + "”";
          button.addEventListener("click", function () {
            field.value = fix.value;
            field.dispatchEvent(new Event("input", { bubbles: true }));
            show([]);
            field.focus();
          });
          flag.appendChild(text);
          flag.appendChild(button);
        });
      }
      function check() {
        var value = field.value.trim();
        var mine = ++asked;
        if (!value) { show([]); return; }
        var url = list.getAttribute("data-check") + "?value=" + encodeURIComponent(value);
        fetch(url, { credentials: "same-origin" })
          .then(function (response) { return response.ok ? response.json() : { fixes: [] }; })
          .then(function (body) {
            if (mine === asked && body.value === field.value.trim()) { show(body.fixes || []); }
          }, function () {});
      }
      field.addEventListener("focus", loadSuggestions);
      field.addEventListener("input", function () {
        window.clearTimeout(timer);
        timer = window.setTimeout(check, 250);
      });
      if (field.value.trim()) { check(); }
    });
  }

  // Photo page: apply a saved template in place. "t" (or Alt+T while typing)
  // picks one, Enter applies it; the caption then has the focus again.
  function setupTemplatePicker() {
    var picker = document.querySelector("form[data-template-picker]");
    if (!picker) { return; }
    var choice = picker.querySelector("select[name=template]");
    var meta = document.querySelector("form[data-inplace]");
    var status = document.querySelector("[data-save-status]");
    var busy = false;
    // A take is captioned with one template: the last one applied is preselected.
    var remembered = null;
    try { remembered = window.localStorage.getItem("photodesk.template"); } catch (e) { remembered = null; }
    if (remembered && Array.prototype.some.call(choice.options, function (o) { return o.value === remembered; })) {
      choice.value = remembered;
    }
    function show(text, category) {
      if (!status) { return; }
      status.textContent = "";
      var p = document.createElement("p");
      p.className = "flash flash-" + category;
      p.textContent = text;
      status.appendChild(p);
    }
    document.addEventListener("keydown", function (event) {
      if (dialogOpen()) { return; }
      var alt = event.altKey && !event.ctrlKey && !event.metaKey && event.code === "KeyT";
      var plain = event.key === "t" && plainKey(event) && !typing(event.target);
      if (alt || plain) {
        event.preventDefault();
        choice.focus();
      }
    });
    choice.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && plainKey(event)) {
        event.preventDefault();
        apply();
      }
    });
    picker.addEventListener("submit", function (event) {
      if (!window.fetch || !meta) { return; }
      event.preventDefault();
      apply();
    });
    function apply() {
      if (busy || !window.fetch || !meta) { picker.submit(); return; }
      busy = true;
      // The page may have saved in place since it loaded: apply on top of that version.
      picker.elements.version.value = meta.elements.version.value;
      var token = document.querySelector('meta[name="csrf-token"]');
      fetch(picker.action, {
        method: "POST",
        body: new FormData(picker),
        credentials: "same-origin",
        headers: { "Accept": "application/json", "X-CSRF-Token": token ? token.content : "" }
      }).then(function (response) {
        return response.json().then(function (body) {
          return { status: response.status, body: body };
        }, function () {
          return { status: response.status,
            body: { error: "Not applied: reload the page (you may have been signed out)." } };
        });
      }).then(function (answer) {
        busy = false;
        var body = answer.body;
        if (answer.status === 409) {
          show("Not applied: someone else changed the fields this template fills. Reload to see their values.", "error");
          return;
        }
        if (body.error) { show(body.error, "error"); return; }
        try { window.localStorage.setItem("photodesk.template", choice.value); } catch (e) { /* private mode */ }
        meta.dispatchEvent(new CustomEvent("photodesk:stored", { detail: body }));
        show(body.message, body.category);
        var caption = meta.querySelector("textarea[name=caption]");
        if (caption) {
          caption.focus();
          caption.setSelectionRange(caption.value.length, caption.value.length);
        }
      }, function () {
        busy = false;
        show("Could not reach photodesk; the template was not applied. Try again.", "error");
      });
    }
  }

  onReady(function () {
    setupCopy();
    setupSelection();
    setupAutosubmit();
    setupOmitEmpty();
    setupConfirm();
    setupCompare();
    setupDropzone();
    setupShortcutsDialog();
    setupGridKeys();
    setupPhotoPage();
    setupCodeReplacements();
    setupCreditAdvice();
    setupTemplatePicker();
  });
})();
