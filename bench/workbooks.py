"""Benchmark inputs, built once and cached under bench/out/ (rebuilt when missing or stale).

* `sheets_limit_workbook()`: the sample agency generated at the scale that fills a Google
  Sheet to its limit of 10 million cells (header rows included), as a folder of CSVs.
* `sheets_limit_api()`: the same workbook as the Google Sheets API answers it: the
  spreadsheets.get metadata and the values:batchGet body, shaped by the recorded
  responses of tests/fixtures/sheets-api (via tests.data.sheets_fixtures) and valued as
  the API sends them with UNFORMATTED_VALUE + SERIAL_NUMBER: dates and date-times as
  serial numbers in the sheet's time zone, numbers as numbers, checkboxes as booleans,
  text as text, trailing blank cells left out, pretty-printed like every Google API.
* `million_messages_db()`: a DuckDB file synced from the scale-50 sample (~1M messages).
* `sample_db()`: a DuckDB file synced from the bundled sample (data/sample, scale 1).

A cache entry is keyed by a hash of the code that shapes it (the generator, the schema,
the loader, this file's BUILD_VERSION), so a change elsewhere cannot leave a stale input.

`python -m bench.workbooks [--quick]` builds everything and prints the real cell counts.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bench.common import OUT, ROOT, log

BUILD_VERSION = "1"
SHEETS_CELL_LIMIT = 10_000_000
QUICK_CELLS = 1_000_000
MILLION_SCALE = 50.0
QUICK_SCALE = 5.0

# The sheet's own settings (spreadsheets.get `properties`): a Moscow sheet, as in the
# recorded fixtures, so serial numbers are read in a zone other than the agency's (UTC in
# pulse.toml) and the sync really converts them.
SHEET_TIME_ZONE = "Europe/Moscow"
SHEET_LOCALE = "ru_RU"
SHEET_KEY = "SPREADSHEET_ID"

SERIAL_EPOCH = pd.Timestamp("1899-12-30")
_DATE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M",
                 "%d.%m.%Y")


def _hash_files(*paths: Path) -> str:
    h = hashlib.sha256(BUILD_VERSION.encode())
    for p in paths:
        for f in sorted(p.glob("*.py")) if p.is_dir() else [p]:
            h.update(f.name.encode())
            h.update(f.read_bytes())
    return h.hexdigest()[:16]


def _generator_hash() -> str:
    return _hash_files(ROOT / "data" / "sample" / "generate.py")


def _loader_hash() -> str:
    """The data layer shapes what lands in DuckDB, the mart tables' SQL (data/marts.py) included:
    a change to it rebuilds the DBs."""
    return _hash_files(ROOT / "data" / "sample" / "generate.py", ROOT / "data")


def _read_manifest(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _write_manifest(path: Path, data: dict[str, Any]) -> None:
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")


# ------------------------------------------------------------------------- CSV workbooks


@dataclass(frozen=True)
class Workbook:
    """A generated workbook as a CSV folder, with its size as a spreadsheet sees it."""

    csv_dir: Path
    scale: float
    rows: dict[str, int]  # data rows per tab (blank and broken rows included)
    cells: dict[str, int]  # (rows + header) x columns per tab

    @property
    def total_cells(self) -> int:
        return sum(self.cells.values())

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def _cells(counts: dict[str, int]) -> dict[str, int]:
    from data.sample.generate import COLUMNS

    return {tab: (n + 1) * len(COLUMNS[tab]) for tab, n in counts.items()}


def _generate(folder: Path, scale: float) -> dict[str, int]:
    from data.sample.generate import generate

    if folder.exists():
        shutil.rmtree(folder)
    t0 = time.perf_counter()
    counts = generate(folder, seed=7, scale=scale)
    log(f"  generated scale {scale:g}: {sum(_cells(counts).values()):,} cells in {time.perf_counter() - t0:.1f} s")
    return counts


def _fit_scale(folder: Path, target: int) -> tuple[float, dict[str, int]]:
    """The largest scale (in steps of 0.01) whose workbook has at most `target` cells.

    Cells grow about linearly with the scale, but not exactly (rows are rounded per
    client and tier), so this steps from an estimate and keeps the best fit.
    """
    probe = 2.0
    per_scale = sum(_cells(_generate(folder, probe)).values()) / probe
    tried: dict[float, tuple[int, dict[str, int]]] = {}
    last = None

    def total_at(s: float) -> int:
        nonlocal last
        if s not in tried:
            counts = _generate(folder, s)
            tried[s], last = (sum(_cells(counts).values()), counts), s
        return tried[s][0]

    scale = math.floor(target / per_scale * 100) / 100
    for _ in range(12):
        t = total_at(scale)
        if t > target:
            scale = round(scale - max(0.01, math.ceil((t - target) / per_scale * 100) / 100), 2)
            continue
        up = round(scale + 0.01, 2)
        if up in tried and tried[up][0] > target:
            break
        jump = round(math.floor((scale + (target - t) / per_scale) * 100) / 100, 2)
        scale = jump if jump > up and jump not in tried else up
    best = max((s for s, (t, _) in tried.items() if t <= target), default=min(tried))
    if best != last:
        _generate(folder, best)
    return best, tried[best][1]


def sheets_limit_workbook(cells: int = SHEETS_CELL_LIMIT) -> Workbook:
    """The sample agency at the size of a full Google Sheet (`cells` cells), as CSVs."""
    return _cached_csv(OUT / f"sheets-limit-{cells}", f"a {cells:,}-cell workbook",
                       lambda csv_dir: _fit_scale(csv_dir, cells))


def sample_workbook(scale: float) -> Workbook:
    """The sample agency at `scale` as CSVs (scale 50: about a million messages)."""
    return _cached_csv(OUT / f"sample-x{scale:g}", f"the sample at scale {scale:g}",
                       lambda csv_dir: (scale, _generate(csv_dir, scale)))


def _cached_csv(base: Path, what: str, build: Callable[[Path], tuple[float, dict[str, int]]]) -> Workbook:
    """The CSV folder under base, rebuilt by build(csv_dir) → (scale, rows per tab) when the
    generator changed since it was written (its manifest says which)."""
    manifest = base / "manifest.json"
    m = _read_manifest(manifest)
    csv_dir = base / "csv"
    if not (m and m.get("generator") == _generator_hash() and csv_dir.is_dir()):
        log(f"building {what} in {csv_dir} …")
        base.mkdir(parents=True, exist_ok=True)
        manifest.unlink(missing_ok=True)
        scale, counts = build(csv_dir)
        m = {"generator": _generator_hash(), "scale": scale, "rows": counts, "cells": _cells(counts)}
        _write_manifest(manifest, m)
    return Workbook(csv_dir, float(m["scale"]), dict(m["rows"]), dict(m["cells"]))


# ------------------------------------------------------------------- the Sheets API form


@dataclass(frozen=True)
class ApiWorkbook:
    """The two response bodies of one sync: spreadsheets.get and values:batchGet."""

    metadata_json: Path
    batchget_json: Path
    key: str
    time_zone: str
    locale: str
    workbook: Workbook

    @property
    def body_bytes(self) -> int:
        return self.batchget_json.stat().st_size


def _api_numbers(s: pd.Series) -> list[Any]:
    """Numeric text as the number the cell holds (8, 2.5); anything else stays text."""
    nums = pd.to_numeric(s.where(s != ""), errors="coerce")
    out: list[Any] = s.tolist()
    for i in np.flatnonzero(nums.notna().to_numpy()):
        v = float(nums.iat[i])
        out[i] = int(v) if v.is_integer() else v
    return out


def _api_booleans(s: pd.Series) -> list[Any]:
    """TRUE/FALSE cells (checkboxes) come back as JSON booleans; "yes" stays text."""
    low = s.str.lower()
    out: list[Any] = s.tolist()
    for i in np.flatnonzero(low.isin(["true", "false"]).to_numpy()):
        out[i] = low.iat[i] == "true"
    return out


def _api_dates(s: pd.Series, kind: str, agency_tz: str) -> list[Any]:
    """Date cells as serial numbers: days since 1899-12-30, the time of day as the fraction.

    The CSV's date-times are agency wall time; a sheet in another zone holds the same
    instants as its own wall time, so they are converted before becoming serials. A
    bare date is a date cell (a whole serial) in either zone. Text that is no date
    ("next tuesday", "31.02.2026") stays text, as Sheets keeps it.
    """
    wall = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
    given = s != ""
    for fmt in _DATE_FORMATS:
        todo = given & wall.isna()
        if not todo.any():
            break
        wall[todo] = pd.to_datetime(s[todo], format=fmt, errors="coerce")
    timed = (s.str.contains(":", regex=False) & wall.notna()).to_numpy()
    if kind != "date" and timed.any() and agency_tz != SHEET_TIME_ZONE:
        di = pd.DatetimeIndex(wall[timed])
        moved = di.tz_localize(agency_tz, ambiguous=np.ones(len(di), dtype=bool), nonexistent="shift_forward")
        wall[timed] = moved.tz_convert(SHEET_TIME_ZONE).tz_localize(None)
    serial = ((wall - SERIAL_EPOCH) / pd.Timedelta(days=1)).to_numpy()
    out: list[Any] = s.tolist()
    for i in np.flatnonzero(wall.notna().to_numpy()):
        v = float(serial[i])
        out[i] = int(v) if v.is_integer() else v
    return out


def api_values(csv_path: Path, tab: str, agency_tz: str) -> list[list[Any]]:
    """One tab's rows as values:batchGet sends them (UNFORMATTED_VALUE + SERIAL_NUMBER)."""
    from data.schema import TAB_BY_NAME

    df = pd.read_csv(csv_path, dtype=str, keep_default_na=False, encoding="utf-8")
    schema = TAB_BY_NAME.get(tab)
    names = [c.name for c in schema.columns] if schema else []
    columns = []
    for name in df.columns:
        kind = schema.column(name).kind if name in names else "text"
        s = df[name]
        if kind in ("date", "datetime", "date_or_datetime"):
            columns.append(_api_dates(s, kind, agency_tz))
        elif kind in ("number", "integer"):
            columns.append(_api_numbers(s))
        elif kind == "boolean":
            columns.append(_api_booleans(s))
        else:
            columns.append(s.tolist())
    rows: list[list[Any]] = [list(df.columns)]
    for r in zip(*columns, strict=True):
        row = list(r)
        while row and row[-1] == "":  # the API leaves out trailing blank cells ([] for a blank row)
            row.pop()
        rows.append(row)
    while len(rows) > 1 and not rows[-1]:
        rows.pop()  # and trailing blank rows altogether
    return rows


# Google APIs pretty-print JSON (the prettyPrint system parameter defaults to true), at
# these depths: payload keys 2, valueRanges 4, their keys 6, rows 8, cells 10.
_ROW_PAD, _CELL_PAD, _VALUES_CLOSE_PAD = " " * 8, " " * 10, " " * 6


def _pretty_values(rows: list[list[Any]]) -> str:
    """`values` exactly as json.dumps(indent=2) writes it at its depth, with the C encoder."""
    if not rows:
        return "[]"
    sep = (",\n" + _CELL_PAD, ": ")
    parts = []
    for row in rows:
        if row:
            inner = json.dumps(row, ensure_ascii=False, separators=sep)[1:-1]
            parts.append(f"{_ROW_PAD}[\n{_CELL_PAD}{inner}\n{_ROW_PAD}]")
        else:
            parts.append(_ROW_PAD + "[]")
    return "[\n" + ",\n".join(parts) + "\n" + _VALUES_CLOSE_PAD + "]"


def pretty_batch_get(payload: dict[str, Any]) -> str:
    """json.dumps(payload, indent=2, ensure_ascii=False), fast for millions of cells."""
    shell = dict(payload)
    values = []
    shell["valueRanges"] = []
    for i, entry in enumerate(payload["valueRanges"]):
        e = dict(entry)
        if "values" in e:
            values.append(e["values"])
            e["values"] = f"@@values-{i}@@"
        shell["valueRanges"].append(e)
    text = json.dumps(shell, indent=2, ensure_ascii=False)
    for i, v in enumerate(values):
        text = text.replace(f'"@@values-{i}@@"', _pretty_values(v), 1)
    return text


def sheets_limit_api(cells: int = SHEETS_CELL_LIMIT) -> ApiWorkbook:
    """The full-size workbook as the Sheets API's metadata and values:batchGet bodies."""
    from data.settings import load_settings

    wb = sheets_limit_workbook(cells)
    agency_tz = load_settings().timezone
    base = wb.csv_dir.parent / "api"
    manifest = base / "manifest.json"
    fingerprint = _hash_files(ROOT / "data" / "sample" / "generate.py", ROOT / "data" / "schema.py",
                              Path(__file__)) + f"-{agency_tz}"
    m = _read_manifest(manifest)
    api = ApiWorkbook(base / "metadata.json", base / "batchget.json", SHEET_KEY, SHEET_TIME_ZONE, SHEET_LOCALE, wb)
    if m and m.get("fingerprint") == fingerprint and api.batchget_json.is_file():
        return api
    from tests.data.sheets_fixtures import batch_get_payload, metadata_payload

    log(f"writing the Sheets API bodies of the {wb.total_cells:,}-cell workbook to {base} …")
    t0 = time.perf_counter()
    base.mkdir(parents=True, exist_ok=True)
    manifest.unlink(missing_ok=True)
    tabs = {f.stem: api_values(f, f.stem, agency_tz) for f in sorted(wb.csv_dir.glob("*.csv"))}
    meta = metadata_payload(tabs, time_zone=SHEET_TIME_ZONE, locale=SHEET_LOCALE, key=SHEET_KEY,
                            title="Northwind Creative (10M cells)")
    for sheet in meta["sheets"]:
        # The 10-million-cell limit counts grid cells: a full sheet's grid is its data.
        rows = tabs[sheet["properties"]["title"]]
        sheet["properties"]["gridProperties"].update(rowCount=len(rows), columnCount=max(map(len, rows)))
    api.metadata_json.write_text(json.dumps(meta, indent=2, ensure_ascii=False), encoding="utf-8")
    body = pretty_batch_get(batch_get_payload(SHEET_KEY, list(tabs.items())))
    api.batchget_json.write_text(body, encoding="utf-8")
    api_cells = {t: sum(map(len, rows)) for t, rows in tabs.items()}
    _write_manifest(manifest, {"fingerprint": fingerprint, "bytes": len(body.encode()), "sent_cells": api_cells})
    log(f"  {len(body.encode()) / 2**20:,.0f} MiB of JSON ({sum(api_cells.values()):,} cells sent, "
        f"blank trailing cells left out) in {time.perf_counter() - t0:.1f} s")
    return api


# ---------------------------------------------------------------------------- DuckDB files


def _sync_into(db: Path, source: Path) -> dict[str, Any]:
    from data import store
    from data.settings import load_settings
    from data.sync import run_sync

    for p in (db, db.with_name(db.name + ".wal")):
        p.unlink(missing_ok=True)
    con = store.connect(db)
    try:
        outcome = run_sync(con, load_settings(), str(source))
    finally:
        con.close()
    if not outcome.ok or outcome.result is None:
        raise RuntimeError(f"sync of {source} failed: {outcome.error}")
    return {t.tab: t.loaded for t in outcome.result.tabs}


def million_messages_db(scale: float = MILLION_SCALE) -> Path:
    """A DuckDB file synced from the sample at `scale` (50: about a million messages)."""
    wb = sample_workbook(scale)
    db = OUT / f"sample-x{scale:g}.duckdb"
    manifest = OUT / f"sample-x{scale:g}.duckdb.json"
    m = _read_manifest(manifest)
    if m and m.get("loader") == _loader_hash() and db.is_file():
        return db
    log(f"syncing the scale-{scale:g} sample into {db} …")
    t0 = time.perf_counter()
    manifest.unlink(missing_ok=True)
    loaded = _sync_into(db, wb.csv_dir)
    _write_manifest(manifest, {"loader": _loader_hash(), "loaded": loaded})
    log(f"  loaded {loaded.get('messages', 0):,} messages in {time.perf_counter() - t0:.1f} s")
    return db


def sample_db() -> Path:
    """A DuckDB file synced from the bundled sample (data/sample)."""
    from data.settings import SAMPLE_DIR

    db = OUT / "sample.duckdb"
    manifest = OUT / "sample.duckdb.json"
    csv_hash = hashlib.sha256(b"".join(f.read_bytes() for f in sorted(SAMPLE_DIR.glob("*.csv")))).hexdigest()[:16]
    key = f"{_loader_hash()}-{csv_hash}"
    m = _read_manifest(manifest)
    if m and m.get("loader") == key and db.is_file():
        return db
    manifest.unlink(missing_ok=True)
    loaded = _sync_into(db, SAMPLE_DIR)
    _write_manifest(manifest, {"loader": key, "loaded": loaded})
    return db


def db_messages(db: Path) -> int:
    from data import store

    con = store.connect(db, read_only=True)
    try:
        return int(con.execute("SELECT count(*) FROM messages").fetchone()[0])
    finally:
        con.close()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.workbooks", description="Build the benchmark inputs.")
    ap.add_argument("--quick", action="store_true", help="the smaller inputs of a smoke run")
    ap.add_argument("--only", choices=["sync", "report"], help="only the inputs of one benchmark")
    args = ap.parse_args(argv)
    cells = QUICK_CELLS if args.quick else SHEETS_CELL_LIMIT
    if args.only in (None, "sync"):
        wb = sheets_limit_workbook(cells)
        api = sheets_limit_api(cells)
        per_tab = ", ".join(f"{t} {c:,}" for t, c in wb.cells.items())
        print(f"sheets-limit workbook: scale {wb.scale:g}, {wb.total_cells:,} cells "
              f"(limit {cells:,}; {per_tab}); {wb.rows.get('messages', 0):,} messages; "
              f"API body {api.body_bytes / 2**20:,.0f} MiB")
    if args.only in (None, "report"):
        db = million_messages_db(QUICK_SCALE if args.quick else MILLION_SCALE)
        print(f"messages DB: {db.name}, {db_messages(db):,} messages loaded")
        s = sample_db()
        print(f"sample DB: {s.name}, {db_messages(s):,} messages loaded")
    return 0


if __name__ == "__main__":
    sys.exit(main())
