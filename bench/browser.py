"""What a director waits for in a browser: a real streamlit server and Playwright-driven chromium.

For every page (views/registry.py), in a fresh browser context (cold browser cache, as a first
visit), times from navigation to

- *last frame*: the last websocket frame the server sends for the run (its script is done);
- *stable*: the last change to the page's DOM that is followed by `QUIET_MS` without another
  (charts drawn, tables laid out) — what the eye calls "the page is there";

and, from the Weekly review, a click on each page's sidebar link to its stable page. Also the
websocket bytes a page load receives. The first visit to a fresh server is bench/first_visit.py.

Public tools only: streamlit, Playwright and the chromium it is pointed at (`PULSE_CHROMIUM`,
default /usr/bin/chromium). Figures are medians (and ranges); nothing is asserted.
"""

from __future__ import annotations

import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.common import log, md_table
from bench.workbooks import million_messages_db, sample_db
from tests.e2e.server import serving
from views import registry

CHROMIUM = os.environ.get("PULSE_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
QUIET_MS = 1500  # no DOM change for this long: the page is stable
HEARTBEAT_BYTES = 64  # frames this small are keep-alives, not a run's output
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
TARGETS = {"stable after last frame": 1.0, "sidebar switch to stable": 0.5}

# Records, in the page, the time of every DOM change (performance.now(), ms since navigation).
OBSERVER = """
window.__pulseLastMutation = 0;
new MutationObserver(() => { window.__pulseLastMutation = performance.now(); })
  .observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
"""


@contextmanager
def server(db: Path, env: dict[str, str] | None = None) -> Iterator[str]:
    """The dashboard (`python -m views.serve`) on a copy of db: a running server holds its file."""
    work = Path(tempfile.mkdtemp(prefix="pulse-browser-"))
    try:
        copy = work / "pulse.duckdb"
        shutil.copy(db, copy)
        with serving(copy, env=env) as url:
            yield url
    finally:
        shutil.rmtree(work, ignore_errors=True)


class Frames:
    """The websocket frames a tab receives: when the last came (perf_counter) and their bytes."""

    def __init__(self, page: Any) -> None:
        self.last = 0.0
        self.bytes = 0
        page.on("websocket", self._socket)

    def _socket(self, ws: Any) -> None:
        ws.on("framereceived", self._frame)

    def _frame(self, payload: Any) -> None:
        size = len(payload) if payload is not None else 0
        self.bytes += size
        if size > HEARTBEAT_BYTES:  # a keep-alive is not the page's content
            self.last = time.perf_counter()

    def reset(self) -> None:
        self.last, self.bytes = 0.0, 0


def _stable(page: Any, origin_ms: float) -> float:
    """Seconds from origin_ms (performance.now(), 0 = navigation start) to the last DOM change that
    QUIET_MS of calm followed."""
    page.wait_for_selector(IDLE, timeout=180_000)
    while True:
        now_ms, last_ms = page.evaluate("() => [performance.now(), window.__pulseLastMutation]")
        if now_ms - last_ms >= QUIET_MS:
            return (last_ms - origin_ms) / 1000
        page.wait_for_timeout(100)


def _load(browser: Any, url: str) -> dict[str, float]:
    """One cold-browser load of url: last frame, stable, bytes."""
    ctx = browser.new_context(viewport={"width": 1920, "height": 1080})
    ctx.add_init_script(OBSERVER)
    page = ctx.new_page()
    frames = Frames(page)
    try:
        t0 = time.perf_counter()
        page.goto(url, wait_until="commit", timeout=180_000)
        stable = _stable(page, 0.0)  # performance.now() counts from the navigation
        return {"last_frame_s": frames.last - t0, "stable_s": stable, "ws_bytes": frames.bytes}
    finally:
        ctx.close()


def _switch(browser: Any, base: str, page_key: str) -> float:
    """From a stable Weekly review, a click on page_key's sidebar link → that page stable (seconds)."""
    ctx = browser.new_context(viewport={"width": 1920, "height": 1080})
    ctx.add_init_script(OBSERVER)
    page = ctx.new_page()
    try:
        page.goto(base, timeout=180_000)
        _stable(page, 0.0)
        index = [p.key for p in registry.PAGES].index(page_key)
        clicked_ms = page.evaluate("() => performance.now()")
        page.locator('[data-testid="stSidebarNav"] a').nth(index).click()
        page.wait_for_url(f"**/{page_key}**", timeout=60_000)
        return _stable(page, clicked_ms)
    finally:
        ctx.close()


def _summary(values: list[float]) -> dict[str, Any]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "runs": values}


def _s(x: dict[str, Any]) -> str:
    return f"{x['median']:.2f} s ({x['min']:.2f}–{x['max']:.2f})"


def run(runs: int | None, quick: bool, profile: bool) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    runs = runs or (2 if quick else 5)
    dbs = {"sample": sample_db()}
    if not quick:
        dbs["1M"] = million_messages_db()
    rows, cases = [], []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        for label, db in dbs.items():
            with server(db) as base:
                _load(browser, base)  # the server's own first run: not timed here (python -m bench first)
                for p in registry.PAGES:
                    log(f"browser: {p.key} on {label}")
                    url = base if p.key == registry.DEFAULT else f"{base}/{p.key}"
                    loads = [_load(browser, url) for _ in range(runs)]
                    frame = _summary([x["last_frame_s"] for x in loads])
                    stable = _summary([x["stable_s"] for x in loads])
                    after = _summary([x["stable_s"] - x["last_frame_s"] for x in loads])
                    switch = _summary([_switch(browser, base, p.key) for _ in range(runs)]) \
                        if p.key != registry.DEFAULT else None
                    kb = statistics.median(x["ws_bytes"] for x in loads) / 1024
                    cases.append({"case": f"{p.key}/{label}", "n": runs, "last_frame": frame, "stable": stable,
                                  "stable_after_frame": after, "sidebar_switch": switch, "ws_kib": kb})
                    rows.append([p.key, label, runs, _s(frame), _s(stable), _s(after),
                                 _s(switch) if switch else "—", f"{kb:,.0f}"])
        browser.close()
    table = md_table(["page", "db", "n", "navigation → last frame", "→ stable", "stable after last frame",
                      "sidebar click → stable", "websocket KiB"], rows)
    targets = ", ".join(f"{k} ≤ {v} s" for k, v in TARGETS.items())
    return {"name": "browser", "inputs": f"chromium 1920×1080, a fresh browser context per load; stable = last DOM "
                                         f"change followed by {QUIET_MS} ms of calm. Targets: {targets}.",
            "cases": cases, "table": table}
