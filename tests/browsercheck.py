"""A real browser for the HTML walkthrough's tests (shared test helper).

Playwright (PyPI) drives Chromium: Debian's ``chromium`` package (``/usr/bin/chromium``,
what ``.ci/run`` installs) or, where it could be downloaded, Playwright's own build. Without
Playwright or a browser the tests skip, except in CI (``CI=true``), where they fail: CI must
prove the pages step as the log says (like the TeX and KaTeX checks, tests/latexcheck.py
and tests/mathcheck.py).
"""
from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from mathcheck import in_ci

CANDIDATES = ("chromium", "chromium-browser", "google-chrome")


def _unavailable(reason: str) -> None:
    if in_ci():
        pytest.fail(f"{reason}; CI must run the HTML walkthrough in a browser "
                    "(pip install '.[test]', apt-get install chromium)")
    pytest.skip(reason)


def executable() -> str | None:
    return next((path for path in map(shutil.which, CANDIDATES) if path), None)


def browser_session() -> Iterator[Any]:
    """One headless Chromium for all the tests that use it (launching costs about a second)."""
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        _unavailable("playwright is not installed")
        return
    path = executable()
    with sync_playwright() as pw:
        try:
            browser = pw.chromium.launch(executable_path=path, args=["--no-sandbox"]) if path \
                else pw.chromium.launch()
        except Error as exc:
            _unavailable(f"no browser for Playwright: {str(exc).splitlines()[0]}")
            return
        try:
            yield browser
        finally:
            browser.close()
