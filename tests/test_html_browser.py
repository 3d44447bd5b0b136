"""The HTML walkthroughs of the gallery in a real browser (Chromium through Playwright).

Each page is opened from its file:// URL, stepped through entry by entry with the buttons
and the arrow keys, and compared with the JSON log of the same problem: the current entry
(aria-current="step") follows the log's order, the entries marked ``uses`` are its
``depends_on``, the diagram's highlighted neuron or weight is the entry's own (the log's
layer, neuron and source). Every entry shown has MathML; no request leaves the page; no
console error (a CSP violation is one). Skipped without a browser, failing under CI=true.
"""
from __future__ import annotations

import re
from typing import Any

import pytest
from browsercheck import browser_session

from tracer import Problem, trace
from tracer.engine.graph import trace_graph
from tracer.examples import example_path
from tracer.gallery import catalogue
from tracer.model.conv_problem import ConvProblem
from tracer.model.graph_problem import GraphProblem, is_expression_file
from tracer.resources import examples_dir

PAGES = [w for ex in catalogue() for w in ex.walkthroughs]

#: The diagram elements a page can highlight, as "ATTR=VALUE" tokens (data-ATTR="VALUE").
DRAWN = """els => els.flatMap(e => ['neuron', 'weight', 'node', 'wire', 'cell']
  .filter(a => e.dataset[a] !== undefined).map(a => a + '=' + e.dataset[a]))"""
DIAGRAM = "svg [data-neuron], svg [data-weight], svg [data-node], svg [data-wire], svg [data-cell]"


#: In-page walk: press "Next step" (a button click) or ArrowRight (a keydown) n times and
#: record after each what the page shows.
WALK = """([n, how]) => {
  const root = document.querySelector('.tracer');
  const next = root.querySelector('[data-action="next"]');
  const state = () => {
    const cur = root.querySelectorAll('[aria-current="step"]');
    const el = cur[0];
    // an equation holds its <math>; a cell of a whole-layer matrix (<mtd>) is inside one
    const math = el ? (el.querySelector('math[alttext]') || el.closest('math[alttext]')) : null;
    return {
      current: Array.from(cur, e => Number(e.dataset.entry)),
      uses: Array.from(root.querySelectorAll('.uses'), e => Number(e.dataset.entry ?? e.dataset.entryRef)),
      svg: Array.from(root.querySelectorAll('svg .current'),
                      e => ['neuron', 'weight', 'node', 'wire', 'cell'].filter(a => e.dataset[a] !== undefined)
                             .map(a => a + '=' + e.dataset[a])[0]),
      // a row of a table longer than --max-terms may print its name as plain HTML (<sub>)
      math: (!!math && math.getAttribute('alttext') !== '' && math.querySelectorAll('mi, mn').length > 0)
            || (!!el && el.tagName === 'TR' && el.closest('tbody').rows.length > 8 && el.cells[0].textContent !== ''),
    };
  };
  const out = [];
  for (let k = 0; k < n; k++) {
    if (how === 'button') { next.click(); }
    else { document.dispatchEvent(new KeyboardEvent('keydown', {key: 'ArrowRight', bubbles: true})); }
    out.push(state());
  }
  return out;
}"""


@pytest.fixture(scope="module")
def browser() -> Any:
    yield from browser_session()


def expected_highlight(e: Any, drawn: set[str], kind: str) -> set[str]:
    """The diagram elements the log says an entry is about, among those drawn: a network's
    neuron or weight (the JSON log's layer, neuron, source); a feature-map cell (the JSON
    log's ``cell``) with, for a conv cell or a pooled cell, the map cells its operands name;
    a circuit's gate, or its wire, read off the entry's name (``q``, ``local dq/dx``,
    ``df/dx via q``, ``df/dx``)."""
    if kind == "network":
        if e["kind"] in ("dw", "new_w") and e["neuron"] is not None and e["source"] is not None:
            want = {f"weight={e['layer']}:{e['neuron']}:{e['source']}"}
        elif e["neuron"] is not None:
            want = {f"neuron={e['layer']}:{e['neuron']}"}
        else:
            want = {d for d in drawn if d.startswith(f"neuron={e['layer']}:")}
    elif kind == "conv":
        want = set()
        cell = e.get("cell")
        if cell is not None and len(cell) == 3:
            want = {f"cell={e['layer']}:{cell[0]}:{cell[1]}:{cell[2]}"}
            if e["kind"] in ("cell_net", "pooled"):
                for name, base in e["operands"]:
                    m = re.fullmatch(r"(X|[AP])(\d*)\[(\d+),(-?\d+),(-?\d+)\]", name)
                    if m:
                        c, r, k = (int(x) - base + 1 for x in m.group(3, 4, 5))
                        want.add(f"cell={m.group(2) or 0}:{c}:{r}:{k}")
    else:
        name = e["name"]
        if e["kind"] == "gate":
            want = {f"node={name}"}
        elif m := re.fullmatch(r"local d(\w+)/d(\w+)", name):
            want = {f"wire={m.group(2)}>{m.group(1)}"}
        elif m := re.fullmatch(r"d\w+/d(\w+) via (\w+)", name):
            want = {f"wire={m.group(1)}>{m.group(2)}"}
        else:
            x = re.fullmatch(r"d\w+/d(\w+)", name)
            assert x, name
            want = {f"node={x.group(1)}"} | {d for d in drawn if d.startswith(f"wire={x.group(1)}>")}
    return want & drawn


def page_log(w: Any) -> tuple[list[dict[str, Any]], str]:
    """The JSON log's entries of a gallery page's problem, and the page's kind of diagram;
    a conv entry also lists its operands' names (and the problem's index base)."""
    path = example_path(w.example).with_name(w.problem)
    if is_expression_file(path):
        return trace_graph(GraphProblem.from_file(path)).to_dict()["entries"], "circuit"
    problem = Problem.from_file(path)
    log = trace(problem)
    entries = log.to_dict()["entries"]
    if not isinstance(problem, ConvProblem):
        return entries, "network"
    for d, e in zip(entries, log.entries):
        d["operands"] = [(o.name, problem.names.base) for o in e.operands]
    return entries, "conv"


@pytest.mark.parametrize("w", PAGES, ids=[f"{w.example}/{w.name}" for w in PAGES])
def test_gallery_page_steps_as_the_log_says(browser: Any, w: Any) -> None:
    page_file = examples_dir() / w.example / f"{w.name}.html"
    log, kind = page_log(w)
    page = browser.new_page()
    errors: list[str] = []
    outside: list[str] = []
    url = page_file.resolve().as_uri()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("request", lambda r: outside.append(r.url) if r.url != url else None)
    try:
        page.goto(url)
        shown = sorted(page.eval_on_selector_all("[data-entry]", "els => els.map(e => Number(e.dataset.entry))"))
        refs = page.eval_on_selector_all("[data-entry-ref]", "els => els.map(e => Number(e.dataset.entryRef))")
        names = page.eval_on_selector_all("[data-entry]", "els => els.map(e => [Number(e.dataset.entry), e.dataset.name])")
        drawn = set(page.eval_on_selector_all(DIAGRAM, DRAWN))
        assert len(shown) == len(set(shown)), "each entry's main appearance is marked once"
        assert all(log[i]["name"] == name for i, name in names if name is not None)  # rows: no name
        if not shown:  # an exercise sheet, general formulas: no entry printed with its numbers
            assert w.sheet == "exercise" or w.style == "symbolic", "a worked page marks its entries"
            assert page.get_by_role("button", name="Next step").is_visible()
            assert outside == [] and errors == []
            return
        assert shown
        assert set(refs) <= set(shown)
        on_page = set(shown) | set(refs)
        assert page.locator('meta[http-equiv="Content-Security-Policy"]').count() == 1

        # the first steps with real clicks and keys; the page scrolls to the current entry
        page.get_by_role("button", name="Next step").click()
        assert page.locator('[aria-current="step"]').get_attribute("data-entry") == str(shown[0])
        assert page.locator('[aria-current="step"]').is_visible()
        assert page.evaluate("() => { const r = document.querySelector('[aria-current=\"step\"]')"
                             ".getBoundingClientRect(); return r.bottom > 0 && r.top < innerHeight; }")
        if len(shown) > 1:
            page.keyboard.press("ArrowRight")
            assert page.locator('[aria-current="step"]').get_attribute("data-entry") == str(shown[1])
            page.keyboard.press("ArrowLeft")
            assert page.locator('[aria-current="step"]').get_attribute("data-entry") == str(shown[0])
        page.get_by_role("button", name="Previous step").click()  # stays on the first
        assert page.locator('[aria-current="step"]').get_attribute("data-entry") == str(shown[0])
        page.get_by_role("button", name="Show all").click()
        assert page.locator('[aria-current="step"], .uses, svg .current').count() == 0

        # every entry, by the button and then by the key
        for how in ("button", "key"):
            states = page.evaluate(WALK, [len(shown) + 1, how])
            for k, state in enumerate(states):
                i = shown[min(k, len(shown) - 1)]  # past the last, it stays there
                e = log[i]
                assert state["current"] == [i], (how, k)
                assert sorted(set(state["uses"])) == sorted(set(e["depends_on"]) & on_page), (how, e["name"])
                assert set(state["svg"]) == expected_highlight(e, drawn, kind), (how, e["name"], state["svg"])
                assert state["math"], f"{e['name']} has no MathML"
            page.get_by_role("button", name="Show all").click()

        # hide values: values become click-to-reveal
        page.get_by_role("button", name="Hide values").click()
        value = page.locator("[data-entry] mn").first
        assert value.evaluate("e => getComputedStyle(e).color") == "rgba(0, 0, 0, 0)"
        value.click()
        assert value.evaluate("e => getComputedStyle(e).color") != "rgba(0, 0, 0, 0)"
        assert page.get_by_role("button", name="Hide values").get_attribute("aria-pressed") == "true"
    finally:
        page.close()
    assert outside == []
    assert errors == []


def test_print_hides_the_controls(browser: Any) -> None:
    page = browser.new_page()
    try:
        page.goto((examples_dir() / "xor" / "walkthrough.html").resolve().as_uri())
        page.emulate_media(media="print")
        assert not page.get_by_role("button", name="Next step").is_visible()
        assert page.locator("math").first.is_visible()
    finally:
        page.close()


def test_stepping_into_a_folded_table_opens_it(browser: Any, tmp_path: Any, monkeypatch: Any) -> None:
    """A table longer than FOLD_ROWS rows is a closed <details> (the 784-30-10 weights); the
    step to one of its rows opens it and shows the row."""
    import tracer.render.html as html
    from tracer.render import RenderOptions, render_text
    monkeypatch.setattr(html, "FOLD_ROWS", 4)
    log = trace(Problem.from_file(example_path("classic-2-2-2")))
    first = log.notation.quantity("weight", 1, 1, 1).plain
    path = tmp_path / "folded.html"
    path.write_text(render_text(log, "html", RenderOptions(weights=(first,))).text, encoding="utf-8")
    page = browser.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        page.goto(path.resolve().as_uri())
        shown = sorted(page.eval_on_selector_all("[data-entry]", "els => els.map(e => Number(e.dataset.entry))"))
        row = page.locator("details.table tr[data-entry]").first
        index = int(row.get_attribute("data-entry") or "-1")
        assert not row.is_visible() and page.locator("details.table[open]").count() == 0
        for _ in range(shown.index(index) + 1):
            page.keyboard.press("ArrowRight")
        assert row.get_attribute("aria-current") == "step"
        assert row.is_visible() and page.locator("details.table[open]").count() == 1
    finally:
        page.close()
    assert errors == []
