// tracer's stepping: "Previous step" / "Next step" (and the arrow keys) walk through the
// entries of the log in log order, the order of the computation. The current entry gets
// aria-current="step", the entries it uses the class "uses", and the diagram's neuron or
// weight the class "current". "Show all" returns to the whole page; "Hide values" makes
// every value a click-to-reveal. No framework, no network.
(function () {
  "use strict";
  var roots = [];
  var active = null;

  function setup(root) {
    var entries = null;  // collected on first use: a 784-30-10 page marks 24,000 entries
    function list() {
      if (entries === null) {
        entries = Array.prototype.slice.call(root.querySelectorAll("[data-entry]"));
        entries.sort(function (a, b) { return Number(a.dataset.entry) - Number(b.dataset.entry); });
      }
      return entries;
    }
    var status = root.querySelector(".tracer-status");
    var hide = root.querySelector('[data-action="hide"]');
    var state = { pos: -1 };

    function each(selector, fn) {
      Array.prototype.forEach.call(root.querySelectorAll(selector), fn);
    }
    function clear() {
      each('[aria-current="step"]', function (el) { el.removeAttribute("aria-current"); });
      each(".uses", function (el) { el.classList.remove("uses"); });
      each(".current", function (el) { el.classList.remove("current"); });
    }
    // data-at: "ATTR=VALUE" (svg [data-ATTR="VALUE"]) or "ATTR^VALUE" (a prefix), space-separated
    function highlight(at) {
      at.split(" ").forEach(function (token) {
        var m = /^([a-z]+)([=^])(.+)$/.exec(token);
        if (!m) { return; }
        var selector = "svg [data-" + m[1] + (m[2] === "^" ? "^=" : "=") + '"' + m[3] + '"]';
        each(selector, function (el) { el.classList.add("current"); });
      });
    }
    function go(k) {
      list();
      if (!entries.length) { return; }
      state.pos = Math.max(0, Math.min(entries.length - 1, k));
      clear();
      root.classList.add("stepping");
      var el = entries[state.pos];
      var folded = el.closest("details");
      if (folded && !folded.open) { folded.open = true; }
      el.setAttribute("aria-current", "step");
      (el.dataset.uses || "").split(" ").forEach(function (i) {
        if (i) {
          each('[data-entry="' + i + '"], [data-entry-ref="' + i + '"]', function (u) { u.classList.add("uses"); });
        }
      });
      highlight(el.dataset.at || "");
      el.scrollIntoView({ block: "center" });
      if (status) {
        status.textContent = "Step " + (state.pos + 1) + " of " + entries.length + ": " + (el.dataset.name || (el.cells && el.cells[0] ? el.cells[0].textContent : ""));
      }
    }
    function showAll() {
      state.pos = -1;
      clear();
      root.classList.remove("stepping");
      if (status) { status.textContent = ""; }
    }
    var actions = {
      next: function () { go(state.pos + 1); },
      prev: function () { go(state.pos < 0 ? 0 : state.pos - 1); },
      all: showAll,
      hide: function () {
        var on = root.classList.toggle("hide-values");
        if (hide) { hide.setAttribute("aria-pressed", on ? "true" : "false"); }
        if (!on) { each(".revealed", function (el) { el.classList.remove("revealed"); }); }
      }
    };
    root.addEventListener("click", function (event) {
      var target = event.target;
      var button = target.closest ? target.closest("[data-action]") : null;
      if (button && actions[button.dataset.action]) {
        actions[button.dataset.action]();
        return;
      }
      if (root.classList.contains("hide-values") && target.closest) {
        var value = target.closest(".eq mn, tr[data-entry] td, tr[data-entry-ref] td");
        if (value) { value.classList.toggle("revealed"); }
      }
    });
    return actions;
  }

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) { return; }
    var tag = event.target && event.target.tagName ? event.target.tagName.toLowerCase() : "";
    if (tag === "input" || tag === "textarea" || tag === "select" || (event.target && event.target.isContentEditable)) { return; }
    var actions = active ? active.actions : (roots[0] && roots[0].actions);
    if (!actions) { return; }
    if (event.key === "ArrowRight") { actions.next(); event.preventDefault(); }
    if (event.key === "ArrowLeft") { actions.prev(); event.preventDefault(); }
  });

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll(".tracer[data-tracer]"), function (root) {
      if (root.dataset.ready) { return; }
      root.dataset.ready = "1";
      var actions = setup(root);
      var entry = { root: root, actions: actions };
      roots.push(entry);
      root.addEventListener("focusin", function () { active = entry; });
      root.addEventListener("click", function () { active = entry; }, true);
    });
  }
  // a long table folded into <details> (the 784-30-10 weights) prints unfolded
  window.addEventListener("beforeprint", function () {
    Array.prototype.forEach.call(document.querySelectorAll(".tracer details.table"), function (d) { d.open = true; });
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
