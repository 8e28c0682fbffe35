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

  // Forms that undo or delete something ask first.
  function setupConfirm() {
    document.querySelectorAll("form[data-confirm], button[data-confirm]").forEach(function (el) {
      var form = el.tagName === "FORM" ? el : el.form;
      var message = el.getAttribute("data-confirm");
      if (el.tagName === "FORM") {
        form.addEventListener("submit", function (event) {
          if (!window.confirm(message)) { event.preventDefault(); }
        });
      } else {
        el.addEventListener("click", function (event) {
          if (!window.confirm(message)) { event.preventDefault(); }
        });
      }
    });
  }

  // Upload: drop files on the zone; they go into the ordinary file input, so the
  // form posts exactly as it does without JavaScript.
  function setupDropzone() {
    document.querySelectorAll("[data-dropzone]").forEach(function (zone) {
      var input = zone.querySelector("[data-file-input]");
      var list = document.querySelector("[data-file-list]");
      if (!input) { return; }
      function showFiles() {
        if (!list) { return; }
        list.textContent = "";
        Array.prototype.forEach.call(input.files, function (file) {
          var item = document.createElement("li");
          var size = file.size > 1048576
            ? (file.size / 1048576).toFixed(1) + " MB"
            : Math.max(1, Math.round(file.size / 1024)) + " KB";
          item.textContent = file.name + " · " + size;
          list.appendChild(item);
        });
        zone.classList.toggle("has-files", input.files.length > 0);
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

  onReady(function () {
    setupCopy();
    setupSelection();
    setupAutosubmit();
    setupOmitEmpty();
    setupConfirm();
    setupDropzone();
  });
})();
