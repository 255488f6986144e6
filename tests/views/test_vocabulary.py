"""What a director reads: no code name and no "None" on any tile, tooltip, header or CSV file,
and one quantity written one way on every page."""

from __future__ import annotations

import io
import json
import re

import pandas as pd
import pytest

from data.settings import ROOT
from metrics import formats, vocabulary
from metrics.catalogue import METRICS, metric
from tests.views.conftest import CALLS, DRAWN, PAGES
from views import common, registry

CODE_NAME = re.compile(r"\b[a-z][a-z0-9]*_[a-z0-9_]+\b")  # wait_hours, as_of, client_name
CLIENT = "C03"  # a client of the sample with rows in every family


def _words(at) -> list[tuple[str, str]]:
    """(where, text) for every tile label, tile tooltip, grid header, grid tooltip and grid cell."""
    out = []
    for m in at.metric:
        out += [("tile", m.label), ("tile value", m.value), ("tooltip", m.proto.help)]
    for d in at.dataframe:
        out += [("header", str(c)) for c in d.value.columns]
        config = json.loads(d.proto.columns or "{}")
        out += [("column tooltip", c.get("help", "")) for c in config.values()]
        out += [("cell", v) for v in d.value.astype(object).to_numpy().ravel() if isinstance(v, str)]
    return out


def _csv(key: str) -> pd.DataFrame:
    """The CSV file the table's Download button would write, read back."""
    call = CALLS[key]
    data = common._csv(DRAWN[key], [*call["columns"], *call.get("csv_extra", ())], call.get("labels"),
                       formats.date_format("DD.MM.YYYY"), "UTC")
    return pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)


@pytest.mark.parametrize("query", [{}, {"client": "Meridian Bank"}], ids=["all clients", "one client"])
def test_no_page_shows_a_code_name_or_none_on_a_tile_tooltip_header_or_csv(app, query) -> None:
    at = app("overview", query=query)
    bad = []
    for page in PAGES:
        if page != "overview":
            at.switch_page(registry.page(page).file).run()
        assert not at.exception, page
        for where, text in _words(at):
            # A cell holds sheet data (a workbook column named in a rejected row's reason is the
            # sheet's own word); the rest is ours: no code name there, and "None" nowhere.
            if (where != "cell" and CODE_NAME.search(text)) or re.search(r"\bNone\b", text):
                bad.append((page, where, text[:80]))
        for key in CALLS:
            if "columns" not in CALLS[key] or CALLS[key]["columns"] is None:
                continue
            exported = _csv(key)
            bad += [(page, f"csv header {key}", h) for h in exported.columns if CODE_NAME.search(h)]
            bad += [(page, f"csv cell {key}", v) for v in exported.to_numpy().ravel() if v in ("None", "nan", "NaT")]
    assert bad == [], "\n".join(map(str, sorted(set(bad))))


def test_every_shown_column_is_a_term_and_every_term_is_in_the_dictionary() -> None:
    dictionary = (ROOT / "docs" / "metrics.md").read_text(encoding="utf-8")
    for t in vocabulary.TERMS.values():
        assert f"| {t.label} | `{t.name}` |" in dictionary, t.name
        assert not CODE_NAME.search(t.label + " " + t.help), t.name
    for m in METRICS:
        assert not CODE_NAME.search(m.label + " " + m.description), m.name


def test_one_quantity_reads_the_same_on_every_page(app) -> None:
    """A metric shown on several pages shows the same text, and every grid column of a quantity
    uses that quantity's one format (which writes what a tile writes)."""
    at = app("overview")
    seen: dict[str, set[tuple[str, str]]] = {}
    formats_by_kind: dict[str, set[str]] = {}
    for page in PAGES:
        if page != "overview":
            at.switch_page(registry.page(page).file).run()
        if page == "clients":
            continue  # one client's tiles, not the agency's
        for m in at.metric:
            seen.setdefault(m.label.split(" · ")[0], set()).add((page, m.value))
        for call in CALLS.values():
            for name in call.get("columns") or []:
                t = vocabulary.term(name)
                if t.kind in formats.QUANTITIES:
                    formats_by_kind.setdefault(t.kind, set()).add(formats.table_format(t.kind))
    shared = {label: pages for label, pages in seen.items() if len({p for p, _ in pages}) > 1}
    assert shared, "no tile is on two pages: nothing compared"
    for label, pages in shared.items():
        assert len({v for _, v in pages}) == 1, (label, pages)
    for kind, used in formats_by_kind.items():
        assert used == {formats.table_format(kind)}, kind


@pytest.mark.parametrize("kind", list(formats.QUANTITIES))
@pytest.mark.parametrize("value", [0, 0.5, 1, 2.25, 13.49, 96.666, -1.5, -0.4, 120])
def test_a_grid_cell_writes_what_a_tile_writes(kind, value) -> None:
    """The grid formats the rounded number with a printf pattern; the tile writes show()."""
    shown = formats.table_format(kind).replace("%%", "%") % formats.rounded(value, kind) \
        if "%%" not in formats.table_format(kind) else formats.table_format(kind) % formats.rounded(value, kind)
    assert shown == formats.show(value, kind).replace(",", "")


def test_the_overdue_days_read_alike_on_the_tile_the_weekly_list_the_digest_and_the_deadlines_table(app) -> None:
    at = app("overview")
    longest = DRAWN["overview_overdue"]["days_overdue"].max()
    assert formats.show(longest, "days").endswith(" wd")
    at.switch_page(registry.page("deadlines").file).run()
    tile = next(m.value for m in at.metric if m.label.startswith(metric("max_days_overdue").label))
    assert tile == formats.show(longest, "days")
    config = json.loads(at.dataframe[1].proto.columns)
    assert config[vocabulary.term("days_overdue").label]["type_config"]["format"] == "%.0f wd"


ACRONYMS = {"NPS", "CSAT", "SLA", "ID", "PM", "CSV"}


@pytest.mark.parametrize("code", ["ru", "uk"])
def test_in_russian_and_ukrainian_every_tile_and_grid_header_is_translated(app, code) -> None:
    """The grids draw on a canvas the browser test cannot read: their headers are checked here."""
    at = app("overview", query={"lang": code})
    english = []
    for page in PAGES:
        if page != "overview":
            at.switch_page(registry.page(page).file).run()
        assert not at.exception, page
        shown = [m.label for m in at.metric] + [str(c) for d in at.dataframe for c in d.value.columns]
        english += [(page, text) for text in shown
                    if set(re.findall(r"[A-Za-z]{2,}", text)) - ACRONYMS]
    assert english == []
