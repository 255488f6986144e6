"""Header, tab and value matching: the agency's spelling onto the contract's names.

Directors type headers by hand ("Client ID", "Дедлайн"); matching must be forgiving
about case and separators but never guess between two columns.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from data.schema import TABS, Tab

DEFAULT_MAP_PATH = Path(__file__).resolve().parent / "columns.toml"
_SEPARATORS = re.compile(r"[\s\-_]+")


def normalize(text: Any) -> str:
    """Case, surrounding spaces and space/-/_ differences do not matter (SPEC §1)."""
    s = str(text).strip().casefold().replace("ё", "е")
    return _SEPARATORS.sub(" ", s).strip()


def value_key(text: Any) -> str:
    """Enumeration values compare like headers, with `_` as the canonical separator."""
    return normalize(text).replace(" ", "_")


@dataclass
class ColumnMap:
    """Aliases for tabs, columns (per tab and common) and enumeration values."""

    tabs: dict[str, list[str]] = field(default_factory=dict)
    columns: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    values: dict[str, dict[str, list[str]]] = field(default_factory=dict)

    def merged(self, other: ColumnMap) -> ColumnMap:
        """This map with another's aliases added (an agency's file on top of the defaults)."""

        def merge(a: dict[str, list[str]], b: dict[str, list[str]]) -> dict[str, list[str]]:
            out = {k: list(v) for k, v in a.items()}
            for k, v in b.items():
                out.setdefault(k, [])
                out[k] = list(dict.fromkeys([*out[k], *v]))
            return out

        cols = {k: dict(v) for k, v in self.columns.items()}
        for sect, aliases in other.columns.items():
            cols[sect] = merge(cols.get(sect, {}), aliases)
        vals = {k: dict(v) for k, v in self.values.items()}
        for sect, aliases in other.values.items():
            vals[sect] = merge(vals.get(sect, {}), aliases)
        return ColumnMap(merge(self.tabs, other.tabs), cols, vals)


def _as_alias_table(raw: Any, where: str) -> dict[str, list[str]]:
    if not isinstance(raw, dict):
        raise ValueError(f"{where}: expected a table of name = [aliases]")
    out: dict[str, list[str]] = {}
    for k, v in raw.items():
        items = [v] if isinstance(v, str) else v
        if not isinstance(items, list) or not all(isinstance(x, str) for x in items):
            raise ValueError(f"{where}.{k}: expected a list of strings")
        out[str(k)] = items
    return out


def parse_column_map(raw: dict[str, Any], where: str = "column map") -> ColumnMap:
    return ColumnMap(
        tabs=_as_alias_table(raw.get("tabs", {}), f"{where} [tabs]"),
        columns={
            s: _as_alias_table(t, f"{where} [columns.{s}]") for s, t in raw.get("columns", {}).items()
        },
        values={s: _as_alias_table(t, f"{where} [values.{s}]") for s, t in raw.get("values", {}).items()},
    )


@lru_cache(maxsize=8)
def load_column_map(extra_path: str = "") -> ColumnMap:
    """The committed defaults, plus the agency's own file when the settings name one."""
    base = parse_column_map(tomllib.loads(DEFAULT_MAP_PATH.read_text(encoding="utf-8")), "data/columns.toml")
    if not extra_path:
        return base
    p = Path(extra_path)
    if not p.exists():
        raise ValueError(f"column_map file {p} not found")
    return base.merged(parse_column_map(tomllib.loads(p.read_text(encoding="utf-8")), str(p)))


def match_tabs(titles: Iterable[str], cmap: ColumnMap) -> tuple[dict[str, str], list[str]]:
    """Map contract tab names to source titles; return (matches, ignored titles).

    A canonical name beats an alias; of two titles for one tab one is used, never merged.
    Staging refuses such a workbook first (duplicate_tabs), so no rows are dropped unseen.
    """
    exact = {normalize(t.name): t.name for t in TABS}
    alias = {normalize(a): name for name, aliases in cmap.tabs.items() for a in aliases}
    found: dict[str, tuple[int, str]] = {}
    ignored: list[str] = []
    for title in titles:
        key = normalize(title)
        if key in exact:
            tab, rank = exact[key], 0
        elif key in alias and alias[key] in exact.values():
            tab, rank = alias[key], 1
        else:
            ignored.append(title)
            continue
        prev = found.get(tab)
        if prev is None or rank < prev[0]:
            if prev is not None:
                ignored.append(prev[1])
            found[tab] = (rank, title)
        else:
            ignored.append(title)
    return {tab: title for tab, (_, title) in found.items()}, ignored


def duplicate_tabs(titles: Iterable[str], cmap: ColumnMap) -> dict[str, list[str]]:
    """Contract tabs that more than one title maps to (SPEC §1: such a sync is refused).

    Picking one would drop the other's rows without a word, whichever one wins.
    """
    seen: dict[str, list[str]] = {}
    for title in titles:
        for tab in match_tabs([title], cmap)[0]:
            seen.setdefault(tab, []).append(title)
    return {tab: found for tab, found in seen.items() if len(found) > 1}


def column_spellings(tab: Tab, column: str, cmap: ColumnMap) -> list[str]:
    """The header names a column is looked for under: its own name, then its aliases."""
    names = [column, *cmap.columns.get(tab.name, {}).get(column, []), *cmap.columns.get("common", {}).get(column, [])]
    return list(dict.fromkeys(names))


@dataclass
class HeaderMatch:
    """Which source column index holds each contract column of one tab."""

    index: dict[str, int]
    ignored: list[str]  # headers the contract does not know (information only)
    duplicates: list[str]  # headers that named a column another header already claimed

    def missing(self, tab: Tab) -> list[str]:
        return [c for c in tab.required_columns if c not in self.index]


def match_headers(header: list[Any], tab: Tab, cmap: ColumnMap) -> HeaderMatch:
    """Tab-specific aliases beat common ones; an exact canonical name beats any alias."""
    names = {c.name for c in tab.columns}
    exact = {normalize(n): n for n in names}
    specific = {
        normalize(a): col for col, aliases in cmap.columns.get(tab.name, {}).items() for a in aliases
    }
    common = {normalize(a): col for col, aliases in cmap.columns.get("common", {}).items() for a in aliases}
    claimed: dict[str, tuple[int, int]] = {}
    ignored: list[str] = []
    duplicates: list[str] = []
    for i, raw in enumerate(header):
        if raw is None or str(raw).strip() == "":
            continue
        key = normalize(raw)
        col, rank = None, 3
        if key in exact:
            col, rank = exact[key], 0
        elif specific.get(key) in names:
            col, rank = specific[key], 1
        elif common.get(key) in names:
            col, rank = common[key], 2
        if col is None:
            ignored.append(str(raw))
            continue
        prev = claimed.get(col)
        if prev is None or rank < prev[0]:
            if prev is not None:
                duplicates.append(str(header[prev[1]]))
            claimed[col] = (rank, i)
        else:
            duplicates.append(str(raw))
    return HeaderMatch({c: i for c, (_, i) in claimed.items()}, ignored, duplicates)


def enum_lookup(column: str, allowed: tuple[str, ...], cmap: ColumnMap) -> dict[str, str]:
    """normalised spelling → canonical value for one enumeration column."""
    table = {value_key(v): v for v in allowed}
    for canonical, aliases in cmap.values.get(column, {}).items():
        if canonical in allowed:
            for a in aliases:
                table.setdefault(value_key(a), canonical)
    return table
