"""Server-side time of a filter change on each page (an AppTest rerun), sample and 1M messages.

A *cold* change picks a client filter not seen before in this process, so every metric
on the page is computed (cache miss); a *warm* change goes back to a filter set already
shown (cache hit), which is what flicking between views in a meeting costs. The browser's
rendering is not included: this is the Python work the server does per interaction.
"""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path
from typing import Any

from bench.common import fmt_s, log, md_table
from bench.workbooks import million_messages_db, sample_db
from views import registry

PAGES = tuple(p.key for p in registry.PAGES)
TARGETS_S = {"sample": 0.150, "1M": 0.500}
AS_OF = "2026-11-20"


def _client_labels(db: Path) -> tuple[list[str], int]:
    from data import store
    from views.shell import client_labels

    # Read-write like the app: DuckDB refuses a read-only and a read-write connection to one
    # file in the same process.
    con = store.connect(db)
    try:
        names = dict(con.execute("SELECT client_id, client_name FROM clients ORDER BY client_id").fetchall())
        messages = int(con.execute("SELECT count(*) FROM messages").fetchone()[0])
    finally:
        con.close()
    return list(client_labels(names).values()), messages


def _share_bytecode_cache() -> None:
    """Give every AppTest run one bytecode cache, as the server's runtime does.

    AppTest builds a new ScriptCache per run, so each rerun recompiles app.py and the page
    (Streamlit's magic rewrite included, ~10 ms); a running server compiles a page once.
    Leaving that in would time the test harness, not the app.
    """
    import streamlit.testing.v1.app_test as app_test
    import streamlit.testing.v1.local_script_runner as local_script_runner
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache

    shared = ScriptCache()
    app_test.ScriptCache = local_script_runner.ScriptCache = lambda: shared  # type: ignore[assignment]


def _time_page(page: str, db: Path, labels: list[str], runs: int) -> dict[str, Any]:
    from streamlit.testing.v1 import AppTest

    from data.settings import ROOT

    _share_bytecode_cache()

    os.environ["PULSE_DB"] = str(db)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    at.query_params["as_of"] = AS_OF
    at.run()
    if page != registry.DEFAULT:
        at.switch_page(registry.page(page).file).run()
    assert not at.exception, at.exception
    cold, warm = [], []
    fresh = iter(labels)
    first = None
    for i in range(runs):
        label = next(fresh)
        t0 = time.perf_counter()
        at.sidebar.multiselect(key="client").set_value([label]).run()
        cold.append(time.perf_counter() - t0)
        assert not at.exception, at.exception
        first = first or label
        t0 = time.perf_counter()
        at.sidebar.multiselect(key="client").set_value([first if i else label]).run()
        warm.append(time.perf_counter() - t0)
    return {"page": page, "cold": cold, "warm": warm}


def run(runs: int | None, quick: bool, profile: bool) -> dict[str, Any]:
    runs = runs or (3 if quick else 5)
    dbs = {"sample": sample_db()}
    if not quick:
        dbs["1M"] = million_messages_db()
    rows, cases = [], []
    for label, db in dbs.items():
        clients, messages = _client_labels(db)
        assert len(clients) > runs, "need more clients than runs for cold filter changes"
        for page in PAGES:
            log(f"pages: {page} on {label}")
            res = _time_page(page, db, clients, runs)
            med_cold, med_warm = statistics.median(res["cold"]), statistics.median(res["warm"])
            target = TARGETS_S[label]
            verdict = "met" if med_cold <= target else "MISSED"
            cases.append({"case": f"{page}/{label}", "db": label, "messages": messages, "n": runs,
                          "cold_median_s": med_cold, "cold_min_s": min(res["cold"]),
                          "warm_median_s": med_warm, "cold_runs_s": res["cold"], "warm_runs_s": res["warm"],
                          "target_s": target, "verdict": verdict})
            rows.append([page, label, runs, fmt_s(med_cold), fmt_s(min(res["cold"])), fmt_s(med_warm),
                         f"< {fmt_s(target)}: {verdict} ({med_cold / target:.2f}×)"])
    table = md_table(["page", "db", "n", "filter change, cold (median)", "cold min", "warm (cached, median)",
                      "target"], rows)
    return {"name": "pages", "inputs": "AppTest rerun after changing the client filter; cold = a filter set "
                                       "not computed before, warm = one already cached", "cases": cases,
            "table": table}
