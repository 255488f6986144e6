"""The two file forms of a workbook: an .xlsx file and a folder of .csv files.

Both keep cells as the file holds them (text stays text, "007" stays "007"); all
interpretation happens later, in one place, for every source alike.
"""

from __future__ import annotations

import csv
import sys
import zipfile
from pathlib import Path

import pandas as pd

from data.workbook import RawTab, RawWorkbook, SourceError


def _delimiter(path: Path) -> str:
    """Comma, or semicolon as Excel writes CSV in locales with a decimal comma."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        first = fh.readline()
    return ";" if first.count(";") > first.count(",") else ","


def read_csv_tab(path: Path) -> RawTab:
    try:
        sep = _delimiter(path)
        df = pd.read_csv(
            path,
            header=None,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,
            encoding="utf-8-sig",
            sep=sep,
            quoting=csv.QUOTE_MINIMAL,
        ).astype(object)
    except pd.errors.EmptyDataError:
        return RawTab(path.stem, [], [])
    except pd.errors.ParserError:
        # A row longer than the first (a note in an unlabelled column): the fast reader
        # refuses it, the csv module reads it; the extra cells sit under no header.
        return _read_csv_ragged(path, sep)
    except UnicodeDecodeError as exc:
        raise SourceError(f"{path.name} cannot be read as UTF-8 CSV: {str(exc).splitlines()[0]}") from None
    header = df.iloc[0].tolist() if len(df) else []
    body = df.iloc[1:].reset_index(drop=True)
    body.columns = range(body.shape[1])
    return RawTab(path.stem, header, body)  # type: ignore[arg-type]


# The csv module refuses a field over 131,072 characters by default; a long comment pasted
# into a cell is data, not an attack (the file is read whole either way), so lift the cap.
_FIELD_LIMIT = min(sys.maxsize, 2**31 - 1)


def _read_csv_ragged(path: Path, sep: str) -> RawTab:
    if csv.field_size_limit() < _FIELD_LIMIT:
        csv.field_size_limit(_FIELD_LIMIT)
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.reader(fh, delimiter=sep))
    except (UnicodeDecodeError, csv.Error) as exc:
        raise SourceError(f"{path.name} cannot be read as CSV: {str(exc).splitlines()[0]}") from None
    return RawTab(path.stem, rows[0] if rows else [], rows[1:])


def read_csv_folder(folder: str | Path) -> RawWorkbook:
    p = Path(folder)
    if not p.is_dir():
        raise SourceError(f"{p} is not a folder of .csv files")
    files = sorted(f for f in p.iterdir() if f.suffix.lower() == ".csv" and f.is_file())
    if not files:
        raise SourceError(f"{p} holds no .csv files (one file per tab, file name = tab name)")
    return RawWorkbook(source=str(p), kind="csv", tabs=[read_csv_tab(f) for f in files], title=p.name)


def read_xlsx(path: str | Path) -> RawWorkbook:
    from openpyxl import load_workbook

    p = Path(path)
    if not p.is_file():
        raise SourceError(f"{p} not found")
    try:
        wb = load_workbook(p, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise SourceError(f"{p.name} is not a readable .xlsx workbook ({type(exc).__name__})") from None
    try:
        tabs = []
        for ws in wb.worksheets:
            try:
                rows = [list(r) for r in ws.iter_rows(values_only=True)]
            except Exception as exc:
                # Sheets are parsed lazily, so a damaged one (XML cut short, a bad CRC, a
                # malformed cell) fails here, not on opening. Whatever openpyxl, zipfile or
                # the XML parser raises, the file is unreadable: say which file and tab.
                reason = str(exc).splitlines()[0] if str(exc) else ""
                raise SourceError(f"{p.name} is not a readable .xlsx workbook: tab {ws.title} is damaged "
                                  f"({type(exc).__name__}{': ' + reason if reason else ''})") from None
            while rows and all(v is None for v in rows[-1]):
                rows.pop()
            tabs.append(RawTab(ws.title, rows[0] if rows else [], rows[1:]))
    finally:
        wb.close()
    return RawWorkbook(source=str(p), kind="xlsx", tabs=tabs, title=p.stem)
