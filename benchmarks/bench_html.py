"""The 784-30-10 HTML walkthrough (issue 15): page size and DOMContentLoaded in Chromium.

    python3 benchmarks/bench_html.py

One step, ``--weights`` limiting the per-weight sections to two weights; targets: under
5 MB, DOMContentLoaded under 2 s in the test browser (Playwright driving Chromium, as
tests/test_html_browser.py does). Not a test: figures over the targets are marked NO.
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from problems import mnist_like

from tracer import trace
from tracer.render import RenderOptions, render_text

MAX_BYTES = 5_000_000
MAX_DCL_MS = 2000.0


def mnist_page() -> str:
    log = trace(mnist_like())
    names = log.notation
    first = names.quantity("weight", 1, 1, 1).plain
    return render_text(log, "html", RenderOptions(style="chain-rule", weights=(first,))).text


def main() -> int:
    start = time.perf_counter()
    text = mnist_page()
    render_s = time.perf_counter() - start
    size = len(text.encode("utf-8"))
    print(f"{'784-30-10 chain-rule HTML, trace + render':<46} {render_s:8.2f} s")
    print(f"{'page size':<46} {size / 1e6:8.2f} MB  {'ok' if size < MAX_BYTES else 'NO'} (< 5 MB)")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from browsercheck import executable
    from playwright.sync_api import sync_playwright
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as pw:
        path = Path(folder) / "mnist.html"
        path.write_text(text, encoding="utf-8")
        exe = executable()
        browser = pw.chromium.launch(executable_path=exe, args=["--no-sandbox"]) if exe else pw.chromium.launch()
        times = []
        for _ in range(3):
            page = browser.new_page()
            page.goto(path.as_uri(), wait_until="domcontentloaded")
            times.append(page.evaluate("() => performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd"))
            entries = page.locator("[data-entry]").count()
            page.close()
        browser.close()
    dcl = min(times)
    print(f"{'DOMContentLoaded (best of 3)':<46} {dcl:8.0f} ms  {'ok' if dcl < MAX_DCL_MS else 'NO'} (< 2000 ms)")
    print(f"{'entries marked for stepping':<46} {entries:8d}")
    return 0 if size < MAX_BYTES and dcl < MAX_DCL_MS else 1


if __name__ == "__main__":
    sys.exit(main())
