"""The app as a whole: every page opens, the Weekly review tiles are the metrics, the view lives
in the URL, every tile is in the metric dictionary, and sheet text is never rendered."""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from data import store
from data.settings import ROOT, SAMPLE_DIR, Settings
from metrics import approvals, deadlines, feedback, replies
from metrics.catalogue import METRICS, metric
from metrics.context import Context, Filters
from tests.conftest import MINIMAL_TABS, with_rows, write_csv_folder
from tests.views.conftest import PAGES, SAMPLE_AS_OF, metric_values, synced, tile_key
from views import registry

SAMPLE_AS_OF_TS = "2026-11-20T18:00:00"
TILES = ["on_time_rate", "open_overdue", "awaiting_agency", "oldest_wait_hours", "sla_breach_rate", "pending",
         "overdue", "nps"]
SUMMARIES = (deadlines.deadlines_summary, replies.replies_summary, approvals.approvals_summary,
             feedback.feedback_summary)
# The Data page's tiles count rows of the load; they describe the workbook, not client service.
LOAD_TILES = {"Rows loaded", "Rows rejected", "Warnings", "Tabs not loaded"}


def expected_tiles(db: Path, as_of: str = SAMPLE_AS_OF_TS, period_days: int = 7,
                   filters: Filters | None = None) -> dict[str, str]:
    """The Weekly review tiles as metrics/ computes them for the same Context, formatted."""
    ctx = Context.build(Settings(db=str(db)), as_of=as_of, period_days=period_days, filters=filters)
    con = store.connect(db)
    try:
        values: dict = {}
        for fn in SUMMARIES:
            values.update(fn(con, ctx))
    finally:
        con.close()
    return {metric(n).label: metric(n).fmt(values[n]) for n in TILES}


def shown_tiles(at: AppTest) -> dict[str, str]:
    shown = metric_values(at)
    return {metric(n).label: shown[metric(n).label] for n in TILES}


def problems(at: AppTest) -> list[str]:
    return [str(e.value) for e in at.exception] + [str(e.value) for e in at.error]


# --- every page opens ----------------------------------------------------------------------------

@pytest.mark.parametrize("workbook", ["sample", "empty"])
def test_every_page_opens_without_an_exception_or_an_error(app, workbook, sample_db, empty_db) -> None:
    at = app("overview", db=sample_db if workbook == "sample" else empty_db)
    failures = {"overview": problems(at)} if problems(at) else {}
    for page in PAGES[1:]:
        at.switch_page(registry.page(page).file).run()
        if problems(at):
            failures[page] = problems(at)
    assert failures == {}


# --- the Weekly review tiles are the metrics ------------------------------------------------------

def test_weekly_review_tiles_equal_the_metrics_and_follow_a_filter(app, sample_db) -> None:
    at = app("overview")
    assert shown_tiles(at) == expected_tiles(sample_db)

    at.sidebar.multiselect(key="client").set_value(["Meridian Bank"]).run()
    filtered = expected_tiles(sample_db, filters=Filters(clients=("C03",)))
    assert shown_tiles(at) == filtered
    assert filtered != expected_tiles(sample_db)  # the filter is not a no-op on the sample


# --- the view lives in the URL --------------------------------------------------------------------

URL_VIEW = {"client": ["Meridian Bank"], "period": "Last 4 weeks", "as_of": "2026-11-13"}
URL_AS_OF = "2026-11-13T23:59:59"  # a picked day is read at its end


def test_opening_a_url_sets_the_sidebar_and_the_tiles(app, sample_db) -> None:
    at = app("overview", query=URL_VIEW)
    assert at.sidebar.multiselect(key="client").value == ["Meridian Bank"]
    assert at.sidebar.segmented_control(key="period").value == "Last 4 weeks"
    assert at.sidebar.date_input(key="as_of").value == dt.date(2026, 11, 13)
    assert shown_tiles(at) == expected_tiles(sample_db, as_of=URL_AS_OF, period_days=28,
                                             filters=Filters(clients=("C03",)))


def test_a_view_set_through_the_widgets_equals_the_same_view_opened_by_url(app) -> None:
    by_url = shown_tiles(app("overview", query=URL_VIEW))

    at = app("overview")
    at.sidebar.multiselect(key="client").set_value(["Meridian Bank"])
    at.sidebar.segmented_control(key="period").set_value("Last 4 weeks")
    at.sidebar.date_input(key="as_of").set_value(dt.date(2026, 11, 13))
    at.run()
    assert not at.exception
    assert shown_tiles(at) == by_url
    assert at.sidebar.date_input(key="as_of").value != SAMPLE_AS_OF  # really another view than the default


# --- every tile is in the metric dictionary -------------------------------------------------------

def test_every_tile_on_every_page_is_a_catalogue_metric_in_the_dictionary(app) -> None:
    labels = {m.label: m.name for m in METRICS}
    dictionary = (ROOT / "docs" / "metrics.md").read_text(encoding="utf-8")
    at = app("overview")
    shown: dict[str, set[str]] = {"overview": {tile_key(m.label) for m in at.metric}}
    for page in PAGES[1:]:
        at.switch_page(registry.page(page).file).run()
        shown[page] = {tile_key(m.label) for m in at.metric}
    shown["data"] -= LOAD_TILES

    undefined = {(page, label) for page, ls in shown.items() for label in ls if label not in labels}
    undocumented = {(page, label) for page, ls in shown.items() for label in ls
                    if label in labels and f"### {label} — `{labels[label]}`" not in dictionary}
    assert undefined == set(), "tiles that are not catalogue metrics (metrics/catalogue.py)"
    assert undocumented == set(), "tiles missing from docs/metrics.md (python -m metrics.docs)"
    assert shown["overview"], "the Weekly review shows tiles"


# --- sheet text is shown as text ------------------------------------------------------------------

BOLD = "<b>x</b>"
SCRIPT = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def html_named_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two clients named like HTML, each with an overdue deliverable, a waiting message and an
    overdue approval at 2026-11-20, so their names reach every list of the pages."""
    tabs = {k: [list(r) for r in v] for k, v in MINIMAL_TABS.items()}
    tabs["clients"][1][1] = BOLD
    tabs = with_rows("clients", ["C02", SCRIPT, "Bea", "B", "active", "2026-01-05"], base=tabs)
    tabs = with_rows("projects", ["P02", "C02", "Launch", "Pat", "Digital", "active", "2026-01-01", "2026-11-10",
                                  "2026-11-10", "", ""], base=tabs)
    tabs = with_rows("messages", ["M2", "T2", "C02", "P02", "email", "in", "cto@b.test", "2026-11-19 10:00", ""],
                     base=tabs)
    tabs = with_rows("approvals", ["A2", "P01", "Banner", "1", "2026-11-02", "", "", "", "Client"],
                     ["A3", "P02", "Script", "1", "2026-11-02", "", "", "", "Client"], base=tabs)
    folder = write_csv_folder(tmp_path_factory.mktemp("html_wb"), tabs)
    return synced(tmp_path_factory.mktemp("html_db") / "pulse.duckdb", folder)


def strings(obj: object) -> list[str]:
    """Every string inside a decoded JSON value."""
    if isinstance(obj, str):
        return [obj]
    if isinstance(obj, dict):
        return [s for v in obj.values() for s in strings(v)]
    if isinstance(obj, list):
        return [s for v in obj for s in strings(v)]
    return []


def cell_values(at: AppTest) -> set[str]:
    return {str(v) for df in at.dataframe for col in df.value.columns for v in df.value[col].tolist()}


def test_client_names_that_look_like_html_are_shown_literally(app, html_named_db) -> None:
    at = app("overview", db=html_named_db, query={"as_of": "2026-11-20"})
    assert not at.exception
    assert {BOLD, SCRIPT} <= cell_values(at)
    labels = [s for c in at.get("plotly_chart") for s in strings(json.loads(c.proto.spec))]
    assert any("&lt;b&gt;x&lt;/b&gt;" in s for s in labels)  # plotly renders some HTML: labels are escaped
    assert not any(BOLD in s or SCRIPT in s for s in labels)

    at.switch_page(registry.page("clients").file).run()
    assert not at.exception
    options = at.selectbox(key="clients_client").options
    assert f"{BOLD} (C01)" in options and f"{SCRIPT} (C02)" in options
    assert {BOLD, SCRIPT} <= cell_values(at)


def test_no_page_renders_raw_html() -> None:
    # The one exception: the meeting screen's CSS, its arrow-key script and its large-type
    # tables, every cell HTML-escaped (tests/views/test_present.py checks that).
    sources = [ROOT / "app.py", *sorted(p for p in (ROOT / "views").glob("*.py") if p.name != "present.py")]
    offenders = [f"{p.relative_to(ROOT)}:{n}" for p in sources
                 for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
                 if re.search(r"unsafe_allow_html|\bst\.html\(", line)]
    assert offenders == []


def test_a_link_naming_a_client_that_no_longer_exists_says_so(app) -> None:
    at = app("overview", query={"client": ["Old Name Ltd"]})
    assert not at.exception
    assert any("Old Name Ltd" in w.value for w in at.sidebar.warning)


@pytest.mark.parametrize(("page", "summary", "names", "client", "client_id"), [
    ("deadlines", "metrics.deadlines.deadlines_summary",
     ["delivered", "on_time_rate", "median_slip_days", "open_overdue"], "Lumen Telecom", "C07"),
    ("unanswered", "metrics.replies.replies_summary",
     ["awaiting_agency", "oldest_wait_hours", "median_response_hours", "sla_breach_rate"], "Lumen Telecom", "C07"),
    ("approvals", "metrics.approvals.approvals_summary",
     ["pending", "overdue", "median_lag_days", "first_round_approval_rate"], "Meridian Bank", "C03"),
    ("feedback", "metrics.feedback.feedback_summary", ["responses", "nps", "csat"], "Meridian Bank", "C03"),
])
def test_a_view_opened_by_url_equals_the_same_view_set_through_widgets(
    app, sample_db, page, summary, names, client, client_id
) -> None:
    import importlib

    from tests.views.conftest import expected_tiles_for, shown_tiles_for

    module, fn = summary.rsplit(".", 1)
    by_url = app(page, query={"client": [client], "period": "Last 4 weeks"})
    by_widgets = app(page)
    by_widgets.sidebar.multiselect(key="client").set_value([client])
    by_widgets.sidebar.button_group(key="period").set_value("Last 4 weeks").run()
    assert not by_url.exception and not by_widgets.exception
    expected = expected_tiles_for(sample_db, getattr(importlib.import_module(module), fn), names, 28,
                                  clients=(client_id,))
    assert shown_tiles_for(by_url, names) == shown_tiles_for(by_widgets, names) == expected


# --- a dashboard that survives its data -------------------------------------------------------

@pytest.fixture
def broken_first_sync(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> AppTest:
    """The app started on a fresh DuckDB file whose source does not exist: its first sync fails."""
    from views import shell

    db = tmp_path / "fresh.duckdb"
    monkeypatch.setenv("PULSE_DB", str(db))
    monkeypatch.setenv("PULSE_SOURCE", str(tmp_path / "no-such-folder"))
    shell._FIRST_SYNC_TRIED.discard(str(db))
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()


def test_a_failed_first_sync_leaves_every_page_saying_why_and_the_data_page_working(
        broken_first_sync: AppTest) -> None:
    at = broken_first_sync
    for page in PAGES:
        if page != registry.DEFAULT:
            at.switch_page(registry.page(page).file).run()
        assert [e.value for e in at.exception] == [], page
        text = " ".join(str(x.value) for x in [*at.error, *at.info, *at.warning]).replace("\\", "")
        assert "CatalogException" not in text and "Traceback" not in text, page
        if page == "data":
            assert any(b.label == "Sync now" for b in at.button)
            assert "no-such-folder" in text  # the failed sync's reason
        else:
            assert "No data yet" in text and "no-such-folder" in text, page


def test_a_first_sync_is_tried_once_per_process_not_on_every_rerun(broken_first_sync: AppTest) -> None:
    from views import shell

    at = broken_first_sync
    at.run()
    at.switch_page(registry.page("deadlines").file).run()
    con = shell.connection()  # the app's own connection to db (this process holds the file)
    assert con.execute("SELECT count(*) FROM sync_log WHERE status = 'failed'").fetchone()[0] == 1


def test_a_page_that_fails_shows_an_error_id_and_no_traceback(app, monkeypatch: pytest.MonkeyPatch,
                                                             caplog: pytest.LogCaptureFixture) -> None:
    from metrics import cache, summaries

    def broken(con, ctx, families=()):
        raise RuntimeError("secret detail /home/agency/path")

    monkeypatch.setattr(summaries, "headline", broken)
    cache.clear()  # a cached headline from an earlier test would hide the broken one
    with caplog.at_level("ERROR", logger="agency_pulse"):
        at = app("overview")
    assert [e.value for e in at.exception] == []
    shown = " ".join(str(e.value) for e in at.error)
    match = re.search(r"error id `([0-9a-f]{8})`", shown)
    assert match and "secret detail" not in shown
    assert any(match.group(1) in r.getMessage() and r.exc_info for r in caplog.records)


# --- tables cannot export live formulas -------------------------------------------------------

FORMULA = '=HYPERLINK("http://evil","x")'


@pytest.fixture(scope="module")
def formula_named_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Clients named like a spreadsheet formula and like HTML, each with an overdue deliverable."""
    tabs = {k: [list(r) for r in v] for k, v in MINIMAL_TABS.items()}
    tabs["clients"][1][1] = FORMULA
    tabs = with_rows("clients", ["C02", SCRIPT, "Bea", "B", "active", "2026-01-05"], base=tabs)
    tabs = with_rows("projects", ["P02", "C02", "Launch", "Pat", "Digital", "active", "2026-01-01", "2026-11-10",
                                  "2026-11-10", "", ""], base=tabs)
    folder = write_csv_folder(tmp_path_factory.mktemp("formula_wb"), tabs)
    return synced(tmp_path_factory.mktemp("formula_db") / "pulse.duckdb", folder)


def test_formula_and_html_client_names_show_literally_and_export_escaped(app, formula_named_db) -> None:
    from views.common import csv_safe

    at = app("overview", db=formula_named_db, query={"as_of": "2026-11-20"})
    for page in ("overview", "deadlines", "clients"):
        if page != "overview":
            at.switch_page(registry.page(page).file).run()
        assert not at.exception, page
        assert FORMULA in cell_values(at) and SCRIPT in cell_values(at), page  # the grid shows the name as is
        for df in at.dataframe:  # and every table's own Download CSV escapes it
            exported = csv_safe(df.value).decode("utf-8")
            if (df.value.astype(str) == FORMULA).to_numpy().any():
                assert '"\'=HYPERLINK(""http://evil"",""x"")"' in exported, page
            assert not re.search(r'(^|,)"?=', exported, flags=re.MULTILINE), page


def test_the_grids_own_csv_download_is_off_and_every_grid_is_drawn_by_common_table() -> None:
    import tomllib

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["disableDataExport"] is True  # st.dataframe's toolbar CSV writes formulas unescaped
    assert config["client"]["showErrorDetails"] == "none"
    sources = [ROOT / "app.py", *sorted((ROOT / "views").glob("*.py"))]
    grids = [f"{p.relative_to(ROOT)}:{n}" for p in sources
             for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
             if re.search(r"\bst\.(dataframe|data_editor|table)\(", line)]
    assert len(grids) == 1 and grids[0].startswith("views/common.py:")



def test_sync_now_on_a_damaged_file_sets_it_aside_and_rebuilds_it(monkeypatch: pytest.MonkeyPatch,
                                                                   tmp_path: Path) -> None:
    from data.settings import SAMPLE_DIR
    from views import shell

    db = tmp_path / "pulse.duckdb"
    synced(db, SAMPLE_DIR)
    with db.open("r+b") as fh:  # cut at 90%: the file opens, only replacing its tables fails
        fh.truncate(int(db.stat().st_size * 0.9))
    monkeypatch.setenv("PULSE_DB", str(db))
    shell._connection.clear()
    try:
        outcome = shell.sync_now()
        assert outcome.ok, outcome.error
        assert [p.name for p in tmp_path.glob("pulse.duckdb.corrupt-*")]
        assert store.has_data(shell.connection())
    finally:
        shell._connection(str(db)).close()
        shell._connection.clear()


def test_with_refresh_minutes_the_running_app_syncs_by_itself(monkeypatch: pytest.MonkeyPatch,
                                                              tmp_path: Path) -> None:
    from views import shell

    settings_file = tmp_path / "pulse.toml"
    settings_file.write_text("refresh_minutes = 0.01\n", encoding="utf-8")  # every 0.6 s
    db = tmp_path / "pulse.duckdb"
    synced(db, SAMPLE_DIR)
    monkeypatch.setenv("PULSE_SETTINGS", str(settings_file))
    monkeypatch.setenv("PULSE_DB", str(db))
    try:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
        assert not at.exception
        schedule = shell._SCHEDULES[str(db)]
        deadline = time.monotonic() + 60
        while schedule.runs < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert schedule.runs >= 2 and schedule.last.ok, schedule.last
        cur = shell.connection().cursor()
        try:
            assert cur.execute("SELECT count(*) FROM sync_log WHERE status = 'ok'").fetchone()[0] >= 3
        finally:
            cur.close()
    finally:
        for sched in list(shell._SCHEDULES.values()):
            sched.stop(timeout=30)
        shell._SCHEDULES.clear()


# --- the language ----------------------------------------------------------------------------------

def test_a_russian_google_sheet_opens_in_russian_and_the_switch_and_the_url_win(app, sample_db, tmp_path) -> None:
    from tests.views.conftest import edited_copy

    db = edited_copy(sample_db, tmp_path, "INSERT OR REPLACE INTO meta VALUES ('kind', 'sheets')",
                     "INSERT OR REPLACE INTO meta VALUES ('locale', 'ru_RU')")
    at = app("overview", db=db)
    assert not at.exception and at.title[0].value == "Обзор недели"  # the sheet's own locale
    at = app("overview", db=db, query={"lang": "uk"})
    assert at.title[0].value == "Тижневий огляд"  # a shared link's language
    at.segmented_control(key="lang_switch").set_value("en").run()
    assert at.title[0].value == "Weekly review"  # the sidebar's switch
    assert app("overview").title[0].value == "Weekly review"  # a CSV workbook: English


def test_the_server_warms_the_default_view_before_the_first_visitor(monkeypatch, sample_db, tmp_path) -> None:
    """views/serve.py's start-up: the Weekly review's numbers are cached before anyone asks, the
    process's one-time work is done, and what it built is out of the garbage collector's way."""
    import gc
    import shutil
    import time

    from metrics import cache, changes, digest, health, summaries
    from metrics.context import Context, Filters
    from views import figures, shell

    monkeypatch.setattr(figures, "_FAST", {})  # the charts' probe of plotly: not yet run
    gc.unfreeze()

    db = tmp_path / "pulse.duckdb"
    shutil.copy(sample_db, db)
    monkeypatch.setenv(shell.DB_ENV, str(db))
    monkeypatch.delenv(shell.WARM_ENV, raising=False)
    cache.clear()
    shell.start_up()
    deadline = time.monotonic() + 120
    while shell._WARMING and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not shell._WARMING
    con = shell._connection(str(db))
    ctx = Context(shell.settings(), shell.default_as_of(con), 7, Filters())
    before = len(cache._ENTRIES)
    summaries.headline(con, ctx)  # the Weekly review's tiles, its clients at risk, what changed
    health.lowest(con, ctx, digest.AT_RISK)
    for c in changes.LISTS:
        c.rows(con, ctx)
    assert len(cache._ENTRIES) == before, "the first visitor would have waited for these"
    assert before > 0
    assert "ok" in figures._FAST, "the first page run would have probed plotly"
    frozen = gc.get_freeze_count()
    gc.unfreeze()
    assert frozen > 0, "a full collection after the first run would walk every cached object"
