"""Full syncs (read → stage → write a fresh DuckDB file) through the real `data.sync.run_sync`.

Cases:

* ``sheets_api``: the 10-million-cell workbook from a Google Sheet. The real gspread and
  google-auth clients run (token exchange, spreadsheets.get, one values:batchGet); only
  the HTTP layer is mocked with `responses` (tests.data.sheets_fixtures), answering with
  the prebuilt response bodies, so moving the body, JSON decoding, gspread, our parsing
  and the DuckDB write are all measured.
* ``sheets_csv``: the same workbook as a folder of CSVs.
* ``sample_csv``: the bundled sample (scale 1) as a folder of CSVs.

Each case runs in its own process (`python -m bench.sync --case NAME`), so its peak RSS
is its own. The stages are timed by wrapping the functions run_sync calls:
read = `read_source` (for Sheets: credentials, token, metadata, batchGet incl. JSON decode),
stage = `load_workbook` (header matching, parsing, validation), write = `store.write_load`;
"other" is the rest of the total (opening the fresh file, the sync log).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from bench.common import OUT, cpu_seconds, fmt_s, log, md_table, peak_rss_mb, profile_text, save_profile, stats

CASES: dict[str, str] = {
    "sheets_api": "{size} workbook, Google Sheets API (gspread, HTTP mocked)",
    "sheets_csv": "{size} workbook, CSV folder",
    "sample_csv": "sample (scale 1), CSV folder",
}
BIG_RUNS = 3
SMALL_RUNS = 5
QUICK_BIG_RUNS = 2
QUICK_SMALL_RUNS = 3


@contextlib.contextmanager
def _patched(obj: Any, name: str, wrapper: Callable[[Callable[..., Any]], Callable[..., Any]]) -> Iterator[None]:
    original = getattr(obj, name)
    setattr(obj, name, wrapper(original))
    try:
        yield
    finally:
        setattr(obj, name, original)


def _timed(acc: dict[str, float], key: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                acc[key] = acc.get(key, 0.0) + time.perf_counter() - t0

        return timed

    return wrap


@contextlib.contextmanager
def stage_timers(acc: dict[str, float]) -> Iterator[None]:
    """Time run_sync's three stages, and the JSON decoding inside the Sheets read."""
    import requests

    import data.store
    import data.sync

    with contextlib.ExitStack() as stack:
        stack.enter_context(_patched(data.sync, "read_source", _timed(acc, "read")))
        stack.enter_context(_patched(data.sync, "load_workbook", _timed(acc, "stage")))
        stack.enter_context(_patched(data.store, "write_load", _timed(acc, "write")))
        stack.enter_context(_patched(requests.models.Response, "json", _timed(acc, "json_decode")))
        yield


def _csv_size(folder: Path) -> dict[str, Any]:
    """Cells ((rows + header) x header width) and data rows of a CSV folder."""
    import csv

    cells = rows = 0
    for f in sorted(folder.glob("*.csv")):
        with f.open(encoding="utf-8-sig", newline="") as fh:
            records = list(csv.reader(fh))
        if records:
            cells += len(records) * len(records[0])
            rows += len(records) - 1
    return {"cells": cells, "rows": rows}


class _Case:
    """One sync case: what to read, and how to run a single sync of it."""

    def __init__(self, name: str, quick: bool):
        from bench import workbooks
        from data.settings import SAMPLE_DIR, load_settings

        self.name = name
        self.settings = load_settings()
        self.api = None
        cells = workbooks.QUICK_CELLS if quick else workbooks.SHEETS_CELL_LIMIT
        if name == "sample_csv":
            self.source = str(SAMPLE_DIR)
            self.size = _csv_size(SAMPLE_DIR)
        else:
            wb = workbooks.sheets_limit_workbook(cells)
            self.size = {"cells": wb.total_cells, "rows": wb.total_rows, "scale": wb.scale,
                         "messages": wb.rows.get("messages")}
            self.source = str(wb.csv_dir)
            if name == "sheets_api":
                self.api = workbooks.sheets_limit_api(cells)
                # Read once, outside the timings: it stands for bytes arriving off the network.
                self.metadata = self.api.metadata_json.read_bytes()
                self.body = self.api.batchget_json.read_bytes()
                self.size["body_mib"] = round(len(self.body) / 2**20, 1)
        self.db = OUT / f"tmp-sync-{os.getpid()}.duckdb"
        # Import once, outside the timings: a module import is a per-process cost.
        import data.files
        import data.sheets  # noqa: F401

    def _clean(self) -> None:
        for p in (self.db, self.db.with_name(self.db.name + ".wal")):
            p.unlink(missing_ok=True)

    def run_once(self) -> tuple[float, dict[str, float], Any]:
        """One full sync into a fresh file: (total seconds, stage seconds, outcome)."""
        from data import store
        from data.sync import run_sync

        self._clean()
        acc: dict[str, float] = {}
        try:
            with stage_timers(acc), self._source_context() as src:
                t0, c0 = time.perf_counter(), cpu_seconds()
                con = store.connect(self.db)
                try:
                    outcome = run_sync(con, self.settings, src)
                finally:
                    con.close()
                total = time.perf_counter() - t0
                acc["cpu"] = cpu_seconds() - c0
                if self.api is not None:
                    self._check_calls()
        finally:
            self._clean()
        if not outcome.ok:
            raise RuntimeError(f"{self.name}: sync failed: {outcome.error}")
        return total, acc, outcome

    @contextlib.contextmanager
    def _source_context(self) -> Iterator[str]:
        if self.api is None:
            yield self.source
            return
        import responses

        import data.sync
        from tests.data.sheets_fixtures import SHEETS_API, mock_token, service_account_info, sheet_url, sheets_api_mock

        # The service-account key as .streamlit/secrets.toml would hold it: a throwaway
        # key the fixtures generate (nothing real; Google is never contacted).
        secrets = {"gcp_service_account": service_account_info()}
        with sheets_api_mock() as rsps, _patched(data.sync, "read_secrets", lambda _fn: lambda *a, **k: secrets):
            mock_token(rsps)
            key = self.api.key
            rsps.add(responses.GET, f"{SHEETS_API}/{key}", body=self.metadata, content_type="application/json")
            rsps.add(responses.GET, f"{SHEETS_API}/{key}/values:batchGet", body=self.body,
                     content_type="application/json")
            self._rsps = rsps
            yield sheet_url(key)

    def _check_calls(self) -> None:
        """One metadata request and one values:batchGet naming every tab, as the contract says."""
        from tests.data.sheets_fixtures import SHEETS_API, calls_to, query_of

        batch = calls_to(self._rsps, f"{SHEETS_API}/{self.api.key}/values:batchGet")
        meta = calls_to(self._rsps, f"{SHEETS_API}/{self.api.key}")
        if len(batch) != 1 or len(meta) != 1:
            raise RuntimeError(f"expected 1 metadata + 1 batchGet request, got {len(meta)} + {len(batch)}")
        asked = query_of(batch[0]).get("ranges", [])
        if len(asked) != 7:
            raise RuntimeError(f"batchGet asked for {len(asked)} tabs, expected 7: {asked}")


def run_case(name: str, runs: int, quick: bool, profile: bool, warmup: int) -> dict[str, Any]:
    """Runs in the child process: time `runs` syncs of one case."""
    case = _Case(name, quick)
    gc.collect()
    rss_before = peak_rss_mb()
    for _ in range(warmup):
        case.run_once()
        gc.collect()
    totals: list[float] = []
    parts: dict[str, list[float]] = {"read": [], "json_decode": [], "stage": [], "write": [], "other": [],
                                     "cpu": []}
    outcome = None
    for i in range(runs):
        total, acc, outcome = case.run_once()
        totals.append(total)
        for k in ("read", "json_decode", "stage", "write", "cpu"):
            parts[k].append(acc.get(k, 0.0))
        parts["other"].append(total - acc.get("read", 0) - acc.get("stage", 0) - acc.get("write", 0))
        log(f"  {name} run {i + 1}/{runs}: {fmt_s(total)}, CPU {fmt_s(acc['cpu'])} (read {fmt_s(acc.get('read'))}, "
            f"stage {fmt_s(acc.get('stage'))}, write {fmt_s(acc.get('write'))})")
        del acc
        gc.collect()
    assert outcome is not None and outcome.result is not None
    result: dict[str, Any] = {
        "case": name,
        "what": CASES[name].format(size=f"{(case.size.get('cells') or 0) / 1e6:.0f}M-cell"),
        **stats(totals),
        "stages": {k: stats(v) for k, v in parts.items()},
        "size": case.size,
        "warmup_runs": warmup,
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "rss_before_runs_mb": round(rss_before, 1),
        "tabs": {t.tab: {"loaded": t.loaded, "rejected": t.rejected, "warnings": t.warnings}
                 for t in outcome.result.tabs},
    }
    if profile:
        log(f"  {name}: one more run under cProfile …")
        text = profile_text(case.run_once)
        prefix = "quick-" if quick else ""  # a smoke run never overwrites the real profiles
        result["profile"] = str(save_profile(f"{prefix}sync-{name}", text).relative_to(OUT.parent.parent))
    return result


# ----------------------------------------------------------------------------- the driver


def run(runs: int | None = None, quick: bool = False, profile: bool = False) -> dict[str, Any]:
    """Build the inputs, then time every case in its own process; returns the results."""
    build = [sys.executable, "-m", "bench.workbooks", "--only", "sync", *(["--quick"] if quick else [])]
    log("sync: building inputs (cached in bench/out) …")
    built = subprocess.run(build, check=True, capture_output=True, text=True)
    inputs_line = built.stdout.strip()
    log(inputs_line)
    cases = []
    for name in CASES:
        big = name != "sample_csv"
        n = runs or ((QUICK_BIG_RUNS if big else QUICK_SMALL_RUNS) if quick else (BIG_RUNS if big else SMALL_RUNS))
        out = OUT / f"tmp-sync-{name}.json"
        cmd = [sys.executable, "-m", "bench.sync", "--case", name, "--runs", str(n), "--out", str(out),
               "--warmup", "0" if big else "1", *(["--quick"] if quick else []), *(["--profile"] if profile else [])]
        log(f"sync: {name} ({n} runs) …")
        subprocess.run(cmd, check=True)
        cases.append(json.loads(out.read_text(encoding="utf-8")))
        out.unlink()
    return {"name": "sync", "inputs": inputs_line, "cases": cases, "table": table(cases)}


def table(cases: list[dict[str, Any]]) -> str:
    by = {c["case"]: c for c in cases}
    rows = []
    for c in cases:
        st = c["stages"]
        size = c["size"]
        read = fmt_s(st["read"]["median_s"])
        if c["case"] == "sheets_api":
            read += f" (JSON {fmt_s(st['json_decode']['median_s'])})"
        cells = size.get("cells")
        rate = f"{cells / c['median_s'] / 1e6:.2f} M/s" if cells else "—"
        rows.append([
            c["what"], f"{cells:,}" if cells else "—", c["n"], fmt_s(c["median_s"]), fmt_s(c["min_s"]),
            fmt_s(st["cpu"]["median_s"]),
            read, fmt_s(st["stage"]["median_s"]), fmt_s(st["write"]["median_s"]), fmt_s(st["other"]["median_s"]),
            rate, f"{c['peak_rss_mb']:,.0f} MiB",
        ])
    text = md_table(["what", "cells", "n", "median", "min", "CPU", "read (fetch+JSON)", "stage", "write", "other",
                     "cells/s", "peak RSS"], rows)
    notes = []
    if "sheets_api" in by and "sheets_csv" in by:
        a, b = by["sheets_api"], by["sheets_csv"]
        notes.append(f"Sheets API / CSV folder, same workbook: {a['median_s'] / b['median_s']:.2f}× (median); "
                     f"read alone {a['stages']['read']['median_s'] / b['stages']['read']['median_s']:.1f}×.")
        same = a["tabs"] == b["tabs"]
        notes.append("Rows loaded/rejected/warned per tab: " + ("identical from both forms." if same else
                     f"DIFFER — sheets {a['tabs']} vs csv {b['tabs']}."))
    for c in cases:
        if c.get("profile"):
            notes.append(f"Profile of {c['case']}: {c['profile']}")
    return text + ("\n\n" + "\n".join(f"- {n}" for n in notes) if notes else "")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.sync", description="Time one sync case (child process).")
    ap.add_argument("--case", choices=list(CASES), required=True)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=0)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)
    result = run_case(args.case, args.runs, args.quick, args.profile, args.warmup)
    args.out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
