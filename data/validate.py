"""Raw workbook → typed tables, every unusable row rejected with where and why (SPEC §1).

Staging in the dbt sense: rename (header matching), cast (parse) and check. Nothing
here computes a metric; everything here explains itself to a director in one line.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from data import parse
from data.headers import ColumnMap, column_spellings, duplicate_tabs, enum_lookup, match_headers, match_tabs
from data.reasons import reason
from data.schema import SCALES, TAB_BY_NAME, TABS, Column, Tab
from data.workbook import RawTab, RawWorkbook, SyncRefused

REJECT_COLUMNS = ["tab", "sheet_row", "column", "value", "reason", "severity"]
# What a date column expects, as its "not a …" reason says (the templates: data/reasons.py).
KIND_HINT = {kind: reason(f"kind_{kind}") for kind in ("date", "datetime", "date_or_datetime")}


@dataclass
class TabReport:
    """What happened to one contract tab in a sync: the Data page and the CLI print this."""

    tab: str
    source_title: str | None
    status: str  # loaded, missing_tab, missing_columns, absent_optional
    rows_read: int = 0
    loaded: int = 0
    rejected: int = 0
    warnings: int = 0
    missing_columns: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    message: str = ""


@dataclass
class LoadResult:
    tables: dict[str, pd.DataFrame]
    rejects: pd.DataFrame
    tabs: list[TabReport]
    ignored_tabs: list[str]

    @property
    def rows_loaded(self) -> int:
        return sum(t.loaded for t in self.tabs)

    @property
    def rows_rejected(self) -> int:
        return sum(t.rejected for t in self.tabs)


class _Problems:
    """Collects rejects and warnings as column-wise arrays (cheap at a million rows)."""

    def __init__(self, tab: str):
        self.tab = tab
        self.parts: list[pd.DataFrame] = []

    def add(self, rows: pd.Series, column: str, values: pd.Series, reason: str | pd.Series, severity: str) -> None:
        if rows.empty:
            return
        self.parts.append(
            pd.DataFrame(
                {
                    "tab": self.tab,
                    "sheet_row": rows.to_numpy(dtype="int64"),
                    "column": column,
                    "value": values.map(parse.display).to_numpy(dtype=object),
                    "reason": reason.to_numpy(dtype=object) if isinstance(reason, pd.Series) else reason,
                    "severity": severity,
                }
            )
        )

    def frame(self) -> pd.DataFrame:
        if not self.parts:
            return pd.DataFrame(columns=REJECT_COLUMNS)
        return pd.concat(self.parts, ignore_index=True)


def _frame(raw: RawTab, width: int) -> pd.DataFrame:
    """Rows padded to the header's width (the Sheets API drops trailing empty cells)."""
    n = len(raw.rows)
    if not n:
        return pd.DataFrame(columns=range(width), dtype=object)
    if isinstance(raw.rows, pd.DataFrame):
        df = raw.rows.astype(object)
    else:
        # Transpose with zip_longest: ragged rows (the Sheets API drops trailing empty cells)
        # are padded with None in C, and pandas never sees rows of mismatched lengths.
        columns = list(itertools.zip_longest(*raw.rows, fillvalue=None))
        # Every row empty (the Sheets API sends [] for a blank row): no column, but n rows.
        df = pd.DataFrame({i: pd.Series(col, dtype=object) for i, col in enumerate(columns)},
                          index=pd.RangeIndex(n))
    for i in range(df.shape[1], width):
        df[i] = None
    df.index = pd.RangeIndex(2, n + 2)  # sheet row numbers: header = row 1
    return df




def _stage_tab(
    tab: Tab, raw: RawTab, cmap: ColumnMap, ctx: parse.ParseContext, report: TabReport
) -> tuple[pd.DataFrame, _Problems, pd.Series]:
    """Parse one tab's columns; returns (typed frame, problems, rejected-row mask)."""
    header = list(raw.header)
    match = match_headers(header, tab, cmap)
    report.ignored_columns = match.ignored + [f"{h} (duplicate)" for h in match.duplicates]
    df = _frame(raw, len(header))
    # Cleaned once (trimmed, blanks → missing). Only a row blank in every cell, columns the
    # contract does not know included, is skipped: text only in a notes column is a row
    # whose required values are missing, and is rejected as such (SPEC §1).
    src = pd.DataFrame({c: parse.clean(df[i]) for c, i in match.index.items()}, index=df.index)
    filled = src.notna().any(axis=1) if len(src.columns) else pd.Series(False, index=df.index)
    used = set(match.index.values())
    for i in df.columns:
        if i not in used:
            filled = filled | parse.clean(df[i]).notna()
    blank = ~filled
    src = src[~blank.to_numpy()]
    report.rows_read = len(src)
    probs = _Problems(tab.name)
    bad = pd.Series(False, index=src.index)
    out = pd.DataFrame(index=src.index)
    rows = pd.Series(src.index, index=src.index)

    def reject(mask: pd.Series, column: str, values: pd.Series, reason: str | pd.Series) -> None:
        nonlocal bad
        if mask.any():
            r = reason[mask] if isinstance(reason, pd.Series) else reason
            probs.add(rows[mask], column, values[mask], r, "error")
            bad |= mask

    for col in tab.columns:
        values = src[col.name] if col.name in src else pd.Series(None, index=src.index, dtype=object)
        present = parse.clean(values).notna()
        if col.required:
            reject(~present, col.name, values, reason("required", column=col.name))
        out[col.name] = _cast(col, values, present, ctx, cmap, tab, reject, probs, rows)

    _row_rules(tab, out, src, reject, probs, rows)
    return out, probs, bad


def _cast(col: Column, values, present, ctx, cmap, tab, reject, probs, rows) -> pd.Series:
    """One column to its type; unparseable values reject the row (or warn, if lenient)."""
    if col.kind == "text":
        return parse.as_text(values)
    if col.kind in ("date", "datetime", "date_or_datetime"):
        t = parse.parse_temporal(values, ctx)
        reject(t.bad, col.name, values, reason("not_kind", column=col.name, kind=KIND_HINT[col.kind]))
        reject(t.out_of_range, col.name, values, reason("out_of_range", column=col.name, range=parse.RANGE_HINT))
        return parse.to_date(t, ctx) if col.kind == "date" else parse.to_utc(t, ctx)
    if col.kind == "number":
        nums, bad = parse.parse_number(values)
        reject(bad, col.name, values, reason("not_number", column=col.name))
        return nums
    if col.kind == "integer":
        ints, bad, frac = parse.parse_integer(values)
        reject(bad, col.name, values, reason("not_whole_number", column=col.name))
        reject(frac, col.name, values, reason("must_be_whole_number", column=col.name))
        if col.default is not None:
            ints = ints.fillna(int(col.default))
        return ints
    if col.kind == "boolean":
        vals, bad = parse.parse_boolean(values)
        reject(bad, col.name, values, reason("not_boolean", column=col.name))
        return vals
    # enum
    vals, unknown = parse.parse_enum(values, enum_lookup(col.name, col.values, cmap))
    allowed = ", ".join(col.values)
    if col.lenient:
        if unknown.any():
            warning = (reason("unknown_value_read_as", column=col.name, allowed=allowed, fallback=col.fallback)
                       if col.fallback else reason("unknown_value_left_blank", column=col.name, allowed=allowed))
            probs.add(rows[unknown], col.name, values[unknown], warning, "warning")
        vals = vals.where(~unknown, col.fallback)
    else:
        reject(unknown, col.name, values, reason("unknown_value", column=col.name, allowed=allowed))
    if col.default is not None:
        vals = vals.where(vals.notna(), col.default)
    return vals.where(vals.notna(), None).astype(object)


def _row_rules(tab: Tab, out: pd.DataFrame, src: pd.DataFrame, reject, probs: _Problems, rows) -> None:
    """Rules across columns of one row: deadlines, scales, rounds, reply defaults."""
    for group in tab.one_of:
        a, b = group
        # Both left blank in the sheet (an unreadable date is already rejected on its own).
        none = ~_given(src, a) & ~_given(src, b)
        reject(none, b, pd.Series(None, index=out.index, dtype=object),
               reason("needs_one_of", column=a, other=b))
        out[a] = out[a].where(out[a].notna(), out[b])
        out[b] = out[b].where(out[b].notna(), out[a])
    if tab.name == "messages":
        default = out["direction"] == "in"
        out["needs_reply"] = out["needs_reply"].fillna(default.astype("boolean"))
    if tab.name == "approvals":
        reject(out["round"].notna() & (out["round"] < 1), "round", src.get("round", out["round"]),
               reason("at_least_one", column="round"))
        answered = out["responded_at"].notna()
        reject(answered & out["decision"].isna(), "decision",
               pd.Series(None, index=out.index, dtype=object),
               reason("required_when_given", column="decision", other="responded_at"))
        stray = ~answered & out["decision"].notna()
        if stray.any():
            probs.add(rows[stray], "decision", out["decision"][stray],
                      reason("given_without", column="decision", other="responded_at"), "warning")
    if tab.name == "feedback":
        score = out["score"]
        for scale, (lo, hi) in SCALES.items():
            on = (out["scale"] == scale) & score.notna()
            frac = on & (score != np.floor(score.fillna(0)))
            raw = src.get("score", score)
            reject(frac, "score", raw,
                   reason("score_not_whole", column="score", scale=scale.upper(), low=lo, high=hi))
            outside = on & ~frac & ((score < lo) | (score > hi))
            reject(outside, "score", raw,
                   reason("score_outside_scale", column="score", scale=scale.upper(), low=lo, high=hi))


def _given(src: pd.DataFrame, name: str) -> pd.Series:
    return parse.clean(src[name]).notna() if name in src else pd.Series(False, index=src.index)


def _references(tab: Tab, out: pd.DataFrame, bad: pd.Series, accepted: dict[str, set],
                rejected_keys: dict[str, dict], reject_fn) -> None:
    for col in tab.columns:
        if not col.ref:
            continue
        vals = out[col.name]
        given = vals.notna() & ~bad
        if not given.any():
            continue
        known = accepted.get(col.ref)
        missing = given & ~vals.isin(known or set())
        if not missing.any():
            continue
        if known is None:
            why = pd.Series(reason("reference_not_loaded", column=col.name, tab=col.ref), index=vals.index)
        else:
            rej = rejected_keys.get(col.ref, {})
            why = vals.map(
                lambda v, rej=rej, ref=col.ref, name=col.name:
                reason("reference_rejected", column=name, value=v, tab=ref, row=rej[v])
                if v in rej else reason("reference_unknown", column=name, value=v, tab=ref)
            )
        reject_fn(missing, col.name, vals, why)


def stage(wb: RawWorkbook, cmap: ColumnMap, timezone: str = "UTC", date_order: str = "DMY") -> LoadResult:
    """Every contract tab of a workbook, staged in dependency order (clients first)."""
    ctx = parse.ParseContext(
        timezone=timezone,
        serial_timezone=wb.serial_timezone,
        date_order=parse.date_order_for(wb.locale, date_order),
    )
    by_title = {t.title: t for t in wb.tabs}
    titles = [t.title for t in wb.tabs]
    clashes = duplicate_tabs(titles, cmap)
    if clashes:
        def name(title: str) -> str:
            return f"{title}.csv" if wb.kind == "csv" else title

        # Three titles for one table read "a and b and c": the last one is {second}.
        raise SyncRefused("; ".join(
            reason("tabs_clash", first=" and ".join(name(t) for t in found[:-1]), second=name(found[-1]), tab=tab)
            for tab, found in clashes.items()))
    matched, ignored = match_tabs(titles, cmap)
    tables: dict[str, pd.DataFrame] = {}
    reports: list[TabReport] = []
    problem_frames: list[pd.DataFrame] = []
    accepted: dict[str, set] = {}
    rejected_keys: dict[str, dict] = {}

    for tab in TABS:
        title = matched.get(tab.name)
        if title is None:
            status = "missing_tab" if tab.required else "absent_optional"
            msg = reason("required_tab_missing" if tab.required else "optional_tab_absent", tab=tab.name)
            reports.append(TabReport(tab.name, None, status, message=msg))
            continue
        raw = by_title[title]
        report = TabReport(tab.name, title, "loaded")
        missing = match_headers(list(raw.header), tab, cmap).missing(tab)
        if missing:
            report.status = "missing_columns"
            report.missing_columns = missing
            report.message = reason("tab_lacks_columns", title=title, columns=", ".join(missing))
            reports.append(report)
            continue
        out, probs, bad = _stage_tab(tab, raw, cmap, ctx, report)
        rows = pd.Series(out.index, index=out.index)

        def reject_fn(mask, column, values, reason, probs=probs, rows=rows):
            nonlocal bad
            if mask.any():
                r = reason[mask] if isinstance(reason, pd.Series) else reason
                probs.add(rows[mask], column, values[mask], r, "error")
                bad = bad | mask

        _references(tab, out, bad, accepted, rejected_keys, reject_fn)
        key = tab.key.name
        if tab.key.unique:
            valid_keys = out[key].where(~bad)
            dup = valid_keys.notna() & valid_keys.duplicated(keep="first")
            if dup.any():
                first_row = (
                    pd.Series(out.index, index=out.index)[valid_keys.notna() & ~dup]
                    .groupby(valid_keys[valid_keys.notna() & ~dup]).first()
                )
                why = out[key][dup].map(
                    lambda v, key=key, first=first_row: reason("duplicate", column=key, value=v, row=first[v])
                )
                reject_fn(dup, key, out[key], why.reindex(out.index))
        good = out[~bad].copy()
        good.insert(0, "sheet_row", good.index.astype("int64"))
        tables[tab.name] = good.reset_index(drop=True)
        accepted[tab.name] = set(good[key])
        first_rejected: dict = {}
        for k, r in zip(out[key][bad], out.index[bad], strict=True):
            if k is not None and k == k:
                first_rejected.setdefault(k, r)
        rejected_keys[tab.name] = first_rejected
        frame = probs.frame()
        problem_frames.append(frame)
        report.loaded = len(good)
        report.rejected = int(bad.sum())
        report.warnings = int((frame["severity"] == "warning").sum())
        reports.append(report)

    rejects = pd.concat(problem_frames, ignore_index=True) if problem_frames else pd.DataFrame(columns=REJECT_COLUMNS)
    if rejects.empty:
        rejects = pd.DataFrame(columns=REJECT_COLUMNS)
    order = {t.name: i for i, t in enumerate(TABS)}
    rejects = rejects.assign(_o=rejects["tab"].map(order)).sort_values(
        ["_o", "sheet_row", "severity"], kind="stable").drop(columns="_o").reset_index(drop=True)
    return LoadResult(tables, rejects, reports, ignored)


def lost_tabs(result: LoadResult, previous_rows: dict[str, int], cmap: ColumnMap) -> list[str]:
    """Why each tab that held rows in the previous load cannot be loaded now (SPEC §1).

    An emptied tab is far more often a renamed header or tab than news, so such a sync is
    refused unless the caller allows a partial load; the reason names what was looked for.
    """
    reasons: list[str] = []
    for r in result.tabs:
        held = previous_rows.get(r.tab, 0)
        if held <= 0 or r.status == "loaded":
            continue
        tab = TAB_BY_NAME[r.tab]
        if r.status == "missing_columns":
            looked = "; ".join(reason("looked_for", column=c, names=", ".join(column_spellings(tab, c, cmap)))
                               for c in r.missing_columns)
            reasons.append(reason("lost_columns", title=r.source_title, tab=r.tab, count=held,
                                  columns=", ".join(r.missing_columns), looked=looked))
        else:
            names = ", ".join(dict.fromkeys([tab.name, *cmap.tabs.get(tab.name, [])]))
            reasons.append(reason("lost_tab", tab=r.tab, count=held, names=names,
                                  columns=", ".join(tab.required_columns)))
    return reasons


def empty_table(name: str) -> pd.DataFrame:
    """A typed, empty table for a tab that did not load, so queries still run."""
    tab = TAB_BY_NAME[name]
    cols = {c.name: pd.Series(dtype=object) for c in tab.columns}
    return pd.DataFrame({"sheet_row": pd.Series(dtype="int64"), **cols})
