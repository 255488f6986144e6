"""The metrics layer against its targets: the whole SPEC §9 report and each metric family.

* ``build_report`` (metrics.report) on the sample DB and on the ~1M-message DB.
  Target: < 1 s at 1M messages.
* The same report on a copy of the 1M DB without the mart tables the sync builds
  (data/marts.py): what a file from before them costs, marts computed on the spot.
* Each family = its mart + its catalogue summary (`summary_record`), as a page tile
  asks it: deadlines (deliverables), replies (episodes), approvals (rounds), feedback
  (responses); health = `client_health` (the four marts, then one query for every
  client's signals; health_score has no catalogue expression to summarise).
  Target: < 100 ms each on the sample.

Every case runs once untimed first (the first call pays for the calendar's holiday table
and lazy imports; that time is reported as "first"), then `runs` timed calls on one
read-only connection, as the dashboard holds it. Nothing is asserted: a missed target
gets a cProfile of one more call (bench/out/profiles/).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from bench.common import (
    AS_OF,
    OUT,
    PERIOD_DAYS,
    cpu_seconds,
    fmt_s,
    log,
    md_table,
    profile_text,
    repeat,
    save_profile,
    stats,
)

REPORT_TARGET_1M = 1.0
FAMILY_TARGET_SAMPLE = 0.100
REPORT_RUNS = 5
SAMPLE_FAMILY_RUNS = 20
BIG_FAMILY_RUNS = 5


def _families() -> dict[str, tuple[Callable[..., Any], str | None]]:
    from metrics.approvals import rounds
    from metrics.deadlines import deliverables
    from metrics.feedback import responses
    from metrics.health import client_health
    from metrics.replies import episodes

    return {
        "deadlines": (deliverables, "deadlines"),
        "replies": (episodes, "replies"),
        "approvals": (rounds, "approvals"),
        "feedback": (responses, "feedback"),
        "health": (client_health, None),
    }


def _family_call(con: Any, ctx: Any, fam: str, acc: dict[str, list[float]] | None = None) -> Any:
    from metrics import cache
    from metrics.catalogue import summary_record

    mart_fn, summary = _families()[fam]
    cache.clear()  # cold: the work a first request (or one CLI run) does
    t0 = time.perf_counter()
    mart = mart_fn(con, ctx)
    t1 = time.perf_counter()
    rec = summary_record(con, mart, summary) if summary else None
    t2 = time.perf_counter()
    if acc is not None:
        acc["mart"].append(t1 - t0)
        if summary:
            acc["summary"].append(t2 - t1)
    return rec


def _cold_report(con: Any, ctx: Any) -> Any:
    """One `python -m metrics.report` worth of work: nothing cached from an earlier run."""
    from metrics import cache
    from metrics.report import build_report

    cache.clear()
    return build_report(con, ctx)


def _verdict(median: float | None, target: float | None) -> str:
    if target is None or median is None:
        return "—"
    ratio = median / target
    return f"{'met' if ratio < 1 else 'MISSED'} ({ratio:.2f}× target)"


def run(runs: int | None = None, quick: bool = False, profile: bool = False) -> dict[str, Any]:
    from bench import workbooks
    from data import store
    from data.settings import load_settings
    from metrics.context import Context
    from metrics.report import build_report

    log("report: building inputs (cached in bench/out) …")
    big_scale = workbooks.QUICK_SCALE if quick else workbooks.MILLION_SCALE
    dbs = {"sample": workbooks.sample_db(), "1M": workbooks.million_messages_db(big_scale)}
    messages = {k: workbooks.db_messages(p) for k, p in dbs.items()}
    big_label = f"{messages['1M'] / 1e6:.2f}M msgs" if not quick else f"{messages['1M'] / 1e3:.0f}k msgs (quick)"
    labels = {"sample": f"sample ({messages['sample']:,} msgs)", "1M": big_label}
    settings = load_settings()
    ctx = Context.build(settings, AS_OF, PERIOD_DAYS)
    prefix = "quick-" if quick else ""  # a smoke run never overwrites the real profiles

    cases: list[dict[str, Any]] = []
    for db_key, path in dbs.items():
        con = store.connect(path, read_only=True)
        try:
            n = runs or (3 if quick else REPORT_RUNS)
            target = REPORT_TARGET_1M if db_key == "1M" else None
            log(f"report: build_report on {labels[db_key]} ({n} runs) …")
            st, first = repeat(lambda con=con: _cold_report(con, ctx), n)
            cases.append({"case": f"report/{db_key}", "what": "build_report (SPEC §9)", "db": labels[db_key],
                          "messages": messages[db_key], **st, "first_s": first, "target_s": target})
            if (target and st["median_s"] >= target) or profile:
                cases[-1]["profile"] = _profile(f"{prefix}report-{db_key}", lambda con=con: build_report(con, ctx))
            for fam in _families():
                n = runs or ((5 if quick else SAMPLE_FAMILY_RUNS) if db_key == "sample"
                             else (3 if quick else BIG_FAMILY_RUNS))
                target = FAMILY_TARGET_SAMPLE if db_key == "sample" else None
                log(f"report: {fam} on {labels[db_key]} ({n} runs) …")
                t0 = time.perf_counter()
                _family_call(con, ctx, fam)
                first = time.perf_counter() - t0
                acc: dict[str, list[float]] = {"mart": [], "summary": []}
                totals, cpu = [], []
                for _ in range(n):
                    t0, c0 = time.perf_counter(), cpu_seconds()
                    _family_call(con, ctx, fam, acc)
                    totals.append(time.perf_counter() - t0)
                    cpu.append(cpu_seconds() - c0)
                st = {**stats(totals), "cpu": stats(cpu)}
                case = {"case": f"{fam}/{db_key}", "what": fam, "db": labels[db_key], "messages": messages[db_key],
                        **st, "first_s": first, "target_s": target,
                        "mart": stats(acc["mart"]), "summary": stats(acc["summary"])}
                if (target and st["median_s"] >= target) or profile:
                    case["profile"] = _profile(f"{prefix}{fam}-{db_key}",
                                               lambda con=con, fam=fam: _family_call(con, ctx, fam))
                cases.append(case)
        finally:
            con.close()
    # The same 1M report on a file without the sync's mart tables (one written before they
    # existed, or by other SQL): every mart is then computed from the loaded tabs on the spot.
    plain = _without_mart_tables(dbs["1M"])
    con = store.connect(plain, read_only=True)
    try:
        n = runs or (3 if quick else REPORT_RUNS)
        label = f"{labels['1M']}, no mart tables"
        log(f"report: build_report on {label} ({n} runs) …")
        st, first = repeat(lambda: _cold_report(con, ctx), n)
        cases.append({"case": "report/1M-plain", "what": "build_report (SPEC §9), marts computed on the spot",
                      "db": label, "messages": messages["1M"], **st, "first_s": first, "target_s": None})
    finally:
        con.close()
    return {"name": "report", "as_of": AS_OF, "period_days": PERIOD_DAYS, "cases": cases, "table": table(cases)}


def _without_mart_tables(db: Any) -> Any:
    """A copy of db with the mart tables and their meta rows dropped (and its own load id)."""
    import shutil

    import duckdb

    from data.marts import MARTS
    from data.store import MARTS_KEY

    copy = db.with_name(db.stem + "-plain.duckdb")
    shutil.copy(db, copy)
    con = duckdb.connect(str(copy))
    try:
        for name in MARTS:
            con.execute(f'DROP TABLE IF EXISTS "{name}"')
        con.execute("DELETE FROM meta WHERE key = ?", [MARTS_KEY])
        con.execute("UPDATE meta SET value = value || '-plain' WHERE key = 'loaded_at'")
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return copy


def _profile(name: str, fn: Callable[[], Any]) -> str:
    log(f"  profiling {name} …")
    return str(save_profile(name, profile_text(fn)).relative_to(OUT.parent.parent))


def table(cases: list[dict[str, Any]]) -> str:
    by = {c["case"]: c for c in cases}
    rows = []
    for c in cases:
        mart = fmt_s(c["mart"]["median_s"]) if "mart" in c else "—"
        summ = fmt_s(c["summary"]["median_s"]) if "summary" in c else "—"
        fam, db = c["case"].split("/")
        other = by.get(f"{fam}/sample") if db == "1M" else None
        scaling = f"{c['median_s'] / other['median_s']:.1f}×" if other else "—"
        rows.append([
            c["what"], c["db"], c["n"], fmt_s(c["median_s"]), fmt_s(c["min_s"]), fmt_s(c["cpu"]["median_s"]),
            fmt_s(c["first_s"]),
            mart, summ, scaling, fmt_s(c["target_s"]) if c["target_s"] else "—",
            _verdict(c["median_s"], c["target_s"]),
        ])
    text = md_table(["what", "DB", "n", "median", "min", "CPU", "first call", "mart", "summary", "1M / sample",
                     "target", "vs target"], rows)
    notes = [f"Profile of {c['case']}: {c['profile']}" for c in cases if c.get("profile")]
    return text + ("\n\n" + "\n".join(f"- {n}" for n in notes) if notes else "")
