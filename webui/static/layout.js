// photodesk gallery: the phone layout's menu and filter drawer. Without this file
// the menu shows every link and the filters sit below the photos.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function onReady(fn) {
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", fn);
    } else {
      fn();
    }
  }

  // A button that shows and hides the element it controls, saying so in aria-expanded.
  function toggler(button, target, onOpen) {
    function set(open) {
      button.setAttribute("aria-expanded", open ? "true" : "false");
      target.classList.toggle("open", open);
      if (open && onOpen) { onOpen(); }
    }
    button.addEventListener("click", function () {
      set(button.getAttribute("aria-expanded") !== "true");
    });
    return set;
  }

  onReady(function () {
    var menuButton = document.querySelector("[data-menu-toggle]");
    var menu = document.getElementById("main-nav");
    if (menuButton && menu) {
      toggler(menuButton, menu.closest(".topbar") || menu);
    }

    var drawer = document.querySelector("[data-drawer]");
    var openButton = document.querySelector("[data-drawer-open]");
    if (!drawer || !openButton) { return; }
    var setDrawer = toggler(openButton, drawer, function () {
      var first = drawer.querySelector("input, select");
      if (first) { first.focus(); }
    });
    drawer.querySelectorAll("[data-drawer-close]").forEach(function (button) {
      button.addEventListener("click", function () {
        setDrawer(false);
        openButton.focus();
      });
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && drawer.classList.contains("open")) {
        event.preventDefault();
        event.stopImmediatePropagation();
        setDrawer(false);
        openButton.focus();
      }
    });
  });
})();
