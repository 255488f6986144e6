"""The first visit to a freshly started server, with and without its start-up warm-up.

`python -m views.serve` (views/shell.start_up, warm) computes the Weekly review's numbers, does
the process's one-time work (imports, the charts' probe of plotly) and sets the heap aside for
the garbage collector before anyone asks. This starts a fresh server on a copy of the DB, waits
`WAIT_S` (the warm-up under way or done, as when a director opens the page some seconds after
a restart), then loads the Weekly review in a fresh browser context: navigation → last websocket
frame and → stable, as in bench/browser.py. *Before* = the same with `PULSE_WARM=0` (no warm-up).
The two alternate run by run, so a busy neighbour weighs on both alike.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from bench.browser import ARGS, CHROMIUM, _load, _s, _summary, server
from bench.common import log, md_table
from bench.workbooks import million_messages_db, sample_db

WAIT_S = {"sample": 3.0, "1M": 10.0}
TARGET_S = 1.5  # last frame of the first visit at 1M messages


def _first(browser: Any, db: Path, wait_s: float, warm: bool) -> dict[str, float]:
    with server(db, env=None if warm else {"PULSE_WARM": "0"}) as base:
        time.sleep(wait_s)
        return _load(browser, base)


def run(runs: int | None, quick: bool, profile: bool) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    runs = runs or (2 if quick else 5)
    dbs = {"sample": sample_db()} if quick else {"sample": sample_db(), "1M": million_messages_db()}
    rows, cases = [], []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        for label, db in dbs.items():
            loads: dict[bool, list[dict[str, float]]] = {False: [], True: []}
            for i in range(runs):
                for warm in (False, True):
                    log(f"first visit: {label}, warm-up {'on' if warm else 'off'}, run {i + 1}/{runs}")
                    loads[warm].append(_first(browser, db, WAIT_S[label], warm))
            frame = {w: _summary([x["last_frame_s"] for x in v]) for w, v in loads.items()}
            stable = {w: _summary([x["stable_s"] for x in v]) for w, v in loads.items()}
            ratio = frame[True]["median"] / frame[False]["median"]
            for warm in (False, True):
                cases.append({"case": f"first-visit/{label}/{'warm' if warm else 'cold'}", "n": runs,
                              "last_frame": frame[warm], "stable": stable[warm]})
            rows.append([label, runs, _s(frame[False]), _s(frame[True]), f"{ratio:.2f}×",
                         _s(stable[False]), _s(stable[True])])
        browser.close()
    table = md_table(["db", "n", "last frame, no warm-up", "last frame, warm-up", "ratio",
                      "stable, no warm-up", "stable, warm-up"], rows)
    return {"name": "first_visit",
            "inputs": f"a fresh server per load, the Weekly review opened {WAIT_S} s after the start; chromium "
                      f"1920×1080, cold browser cache. Target: last frame ≤ {TARGET_S} s at 1M messages.",
            "cases": cases, "table": table}
