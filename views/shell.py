"""The app shell: the store, the settings, the global filters (kept in the URL) and the one
pinned read per script run. app.py wires it; pages only ask it for this run's snapshot and
Context (through views.common.open_page).

The connection is a process-wide resource (one DuckDB connection, a cursor per thread);
every run reads one snapshot of it, and metrics/ caches results under that snapshot's load.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import gc
import logging
import os
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import streamlit as st

from data import store
from data.schedule import Schedule
from data.settings import Settings, load_settings
from data.sync import SyncOutcome, first_sync, run_sync
from lang import LANGUAGES, N_, _, known, language
from lang import use as speak_language
from metrics import quality
from metrics.context import Context, Filters, filter_options, parse_as_of
from metrics.context import client_names as metric_client_names
from views.text import md_escape

# Tests and the browser suite point the app at their own files through these.
SETTINGS_ENV = "PULSE_SETTINGS"
DB_ENV = "PULSE_DB"
SOURCE_ENV = "PULSE_SOURCE"
WARM_ENV = "PULSE_WARM"  # "0": no background warm-up of the default view (to measure without it)

# Period presets: the label is also the URL value (?period=Last+4+weeks).
PERIODS: dict[str, int | None] = {"Last week": 7, "Last 4 weeks": 28, "Quarter": 91, "Custom": None}
DEFAULT_PERIOD = "Last week"
_PERIOD_WORDS = (N_("Last week"), N_("Last 4 weeks"), N_("Quarter"), N_("Custom"))  # shown through _()
# Filter session keys are also their URL parameters (bind="query-params").
FILTER_FIELDS = {"client": "clients", "am": "account_managers", "pm": "project_managers", "dept": "departments",
                 "tier": "tiers", "channel": "channels"}
log = logging.getLogger("agency_pulse")


# --- store and settings ---------------------------------------------------------------------

def settings() -> Settings:
    path = os.environ.get(SETTINGS_ENV) or None
    mtime = Path(path).stat().st_mtime if path and Path(path).exists() else 0.0
    return _settings(path, mtime, os.environ.get(SOURCE_ENV, ""), os.environ.get(DB_ENV, ""))


@functools.lru_cache(maxsize=8)  # asked many times per rerun: a plain memo, not st.cache_resource's hashing
def _settings(path: str | None, _mtime: float, source: str, db: str) -> Settings:
    return load_settings(path).with_overrides(source=source or None, db=db or None)


@st.cache_resource(show_spinner=False)
def _connection(db_path: str) -> duckdb.DuckDBPyConnection:
    return store.connect(db_path)


_FIRST_SYNC_TRIED: set[str] = set()
_RUN = threading.local()  # this script run's snapshot (a run is one thread)


def connection() -> duckdb.DuckDBPyConnection:
    """The store (one connection per process), synced from the source the first time this
    process finds it empty; a failed first sync is recorded and shown, never raised."""
    return _opened(spinner=True)


def start_up() -> None:
    """What the server does before anyone asks (views/serve.py calls it once the runtime is up):
    the first sync when the file is empty, then the default view warmed (see warm)."""
    _opened(spinner=False)


_FIRST_SYNC_LOCK = threading.Lock()  # a visitor arriving during the start-up's first sync waits for it


def _opened(spinner: bool) -> duckdb.DuckDBPyConnection:
    s = settings()
    db = str(s.db_path())
    con = _connection(db)
    if db not in _FIRST_SYNC_TRIED:
        with _FIRST_SYNC_LOCK:
            if db not in _FIRST_SYNC_TRIED:
                if not store.has_data(con):
                    with st.spinner(_("Loading the workbook for the first time…")) if spinner \
                            else contextlib.nullcontext():
                        _on_cursor(con, lambda cur: first_sync(cur, s))  # the sample comes with its history
                # once per process: a broken source must not be retried on every click
                _FIRST_SYNC_TRIED.add(db)
                warm(db)
    _keep_schedule(db, s.refresh_minutes)
    return con


_WARMING: set[str] = set()
_WARMING_LOCK = threading.Lock()


def warm(db: str) -> None:
    """Compute the default view — the Weekly review with the default filters, as of now — in the
    background, after the server starts and after every sync, so the first visitor finds its
    numbers in the cache (metrics/cache.py) instead of waiting for them. The Weekly review asks
    the digest's questions (metrics/digest.digest_data), so warming the digest warms the page.
    One warm-up per file at a time; a failure only costs the first visitor the wait."""
    if os.environ.get(WARM_ENV) == "0":  # the browser benchmark's "before"
        return
    with _WARMING_LOCK:
        if db in _WARMING:
            return
        _WARMING.add(db)

    def job() -> None:
        _process_once()
        from metrics import digest, health

        cur = _connection(db).cursor()
        try:
            if not store.has_data(cur):
                return
            s = settings()
            code = known(s.language) or _sheet_language(cur)
            with language(code):
                ctx = Context(s, default_as_of(cur), PERIODS[DEFAULT_PERIOD], Filters())
                filter_options(cur)
                client_names(cur)
                digest.digest_data(cur, ctx)
                health.client_health(cur, ctx)
        except Exception:
            log.warning("warming the default view of %s failed", db, exc_info=True)
        finally:
            cur.close()
            _settle_the_heap()
            with _WARMING_LOCK:
                _WARMING.discard(db)

    threading.Thread(target=job, name="pulse-warm", daemon=True).start()


def _process_once() -> None:
    """What the first page run of a process pays once, paid here instead (~0.3 s at 1M
    messages, profiled): the page modules' imports (plotly's alone ~0.5 s cold), the charts'
    one probe of plotly (views/figures.fast_path_ok) and Streamlit's first-element check for
    a REPL, which walks the call stack's source files."""
    import importlib

    for name in ("views.common", "views.present", "views.weekly"):  # they import this module: by name
        importlib.import_module(name)
    from views import figures

    figures.fast_path_ok()
    try:
        from streamlit import delta_generator

        delta_generator._maybe_print_use_warning()  # private: a newer Streamlit may drop it
    except (ImportError, AttributeError):
        pass


def _settle_the_heap() -> None:
    """Move what the warm-up built (the caches, the modules: long-lived) out of the garbage
    collector's way: a full collection then walks only what a page run creates, not the whole
    heap (at 1M messages a full collection took ~0.4 s with the GIL held, during which no
    websocket frame leaves). Objects left over from the previous load are unfrozen first,
    so a collection can still free them."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()


def _sheet_language(con: duckdb.DuckDBPyConnection) -> str:
    meta = quality.read_meta(con)
    return (known(meta.get("locale")) if meta.get("kind") == "sheets" else None) or "en"


def _on_cursor(con: duckdb.DuckDBPyConnection, job: Callable[[duckdb.DuckDBPyConnection], Any]) -> Any:
    """job on a cursor of its own: sessions and the schedule are threads (DuckDB: a cursor per thread)."""
    cur = con.cursor()
    try:
        return job(cur)
    finally:
        cur.close()


_SCHEDULES: dict[str, Schedule] = {}
_SCHEDULES_LOCK = threading.Lock()


def _keep_schedule(db: str, minutes: float) -> None:
    """One background refresh per DuckDB file while refresh_minutes is set (restarted when it changes)."""
    with _SCHEDULES_LOCK:
        running = _SCHEDULES.get(db)
        if running is not None and running.alive and running.every_seconds == minutes * 60:
            return
        if running is not None:
            running.stop(timeout=0)
            del _SCHEDULES[db]
        if minutes > 0:
            def refresh() -> SyncOutcome:
                outcome = _on_cursor(_connection(db), lambda cur: run_sync(cur, settings()))
                if outcome.ok:
                    warm(db)
                return outcome

            _SCHEDULES[db] = Schedule(minutes * 60, refresh).start()


@contextlib.contextmanager
def pinned() -> Iterator[store.Snapshot]:
    """Pin one snapshot of the store for this script run: every number the run draws comes
    from one load, whatever a sync commits meanwhile (app.py wraps each run in it)."""
    snap = store.Snapshot(connection())
    _RUN.snapshot = snap
    try:
        yield snap
    finally:
        _RUN.snapshot = None
        snap.release()


def reader() -> duckdb.DuckDBPyConnection:
    """This run's snapshot; outside a pinned run (a callback) the connection, on which each
    metrics call reads through a snapshot of its own."""
    return getattr(_RUN, "snapshot", None) or connection()


def sync_now() -> SyncOutcome:
    """Refresh from the source; the next run reads the new load (every cache key carries it).

    A DuckDB file found damaged while writing (it is only a cache of the sheet) is closed,
    set aside and rebuilt from the source, as the command line does.
    """
    s = settings()
    db = str(s.db_path())
    outcome = _on_cursor(_connection(db), lambda cur: run_sync(cur, s))
    if outcome.store_damaged:
        damaged = _connection(db)
        _connection.clear()
        with contextlib.suppress(duckdb.Error):
            damaged.close()
        kept = store.set_aside(Path(db))
        log.warning("DuckDB file %s was damaged: set aside as %s (its history of deadline moves stays there) "
                    "and rebuilt", db, kept)
        outcome = _on_cursor(_connection(db), lambda cur: run_sync(cur, s))
    if outcome.ok:
        warm(db)
    return outcome


# --- as_of, period, filters -----------------------------------------------------------------

def default_as_of(con: duckdb.DuckDBPyConnection) -> pd.Timestamp:
    """The sample's reference time when the sample is loaded (it never looks stale), else now."""
    ref = quality.read_meta(con).get("sample_as_of") or None
    if ref is None:
        # Live data: "now" to the last 5 minutes, so reruns share one as_of (and its cached
        # marts) instead of computing everything afresh every second.
        return pd.Timestamp.now(tz=settings().timezone).floor("5min")
    return parse_as_of(ref, settings().timezone)


def client_names(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """client_id → client name of this run's load."""
    return metric_client_names(con)


def client_labels(names: dict[str, str]) -> dict[str, str]:
    """client_id → what the client filter shows (and the URL holds): the name, plus the id
    only when two clients share a name."""
    counts: dict[str, int] = {}
    for n in names.values():
        counts[n] = counts.get(n, 0) + 1
    return {cid: (n if counts[n] == 1 else f"{n} ({cid})") for cid, n in names.items()}


def _clear_filters(default_date: dt.date) -> None:
    for key in FILTER_FIELDS:
        st.session_state[key] = []
    st.session_state["period"] = DEFAULT_PERIOD
    st.session_state["as_of"] = default_date
    st.session_state.pop("from", None)


def _warn_unresolved_link(sb: Any, names: dict[str, str], default: pd.Timestamp) -> None:
    """A shared link whose client no longer exists (renamed, removed) or whose custom period
    starts after its as-of date would otherwise be dropped silently by the widgets."""
    if "_pulse_link_checked" in st.session_state:
        return
    st.session_state["_pulse_link_checked"] = True
    labels = set(client_labels(names).values())
    missing = [c for c in st.query_params.get_all("client") if c not in labels]
    if missing:
        sb.warning(_("Client(s) in this link not found in the data: {clients}. Showing every client.")
                   .format(clients=md_escape(", ".join(missing))), icon=":material/link_off:")
    start, end = st.query_params.get("from"), st.query_params.get("as_of") or default.date().isoformat()
    if start and start > end:
        sb.warning(_("This link's custom period starts ({start}) after its as-of date ({end}); showing the 7 days "
                     "up to the as-of date.").format(start=md_escape(start), end=md_escape(end)),
                   icon=":material/event_busy:")


def sidebar_filters(con: duckdb.DuckDBPyConnection) -> Context:
    """The global filters, shared by every page and kept in the URL; returns the Context."""
    s = settings()
    default = default_as_of(con)
    options, names = filter_options(con), client_names(con)
    sb = st.sidebar
    language_switch()
    sb.markdown("### " + _("Filters"))
    _warn_unresolved_link(sb, names, default)
    _from_url_once("period", "period", lambda v: v if v in PERIODS else None)
    period = sb.segmented_control(
        _("Period"), list(PERIODS), default=DEFAULT_PERIOD, key="period", format_func=lambda p: _(p),
        help=_("The period every flow metric counts: the N days ending on the as-of date."),
    ) or DEFAULT_PERIOD
    _to_url("period", period, DEFAULT_PERIOD)
    shown = settings().date_format  # the picker writes dates as every page does (the URL keeps ISO dates)
    as_of_date = sb.date_input(_("As of"), value=default.date(), key="as_of", bind="query-params", format=shown,
                               help=_("Numbers as they stood at the end of this day (the sample: its reference "
                                      "time)."))
    if PERIODS.get(period) is None:
        start = sb.date_input(_("From"), value=as_of_date - dt.timedelta(days=6), key="from", bind="query-params",
                              format=shown, max_value=as_of_date)
        days = max(1, (as_of_date - start).days + 1)
    else:
        days = PERIODS[period]
    if as_of_date == default.date():
        as_of = default
    else:
        # The end of that day: the next local midnight less a second (a fall-back hour just
        # before midnight happens twice; this counts both).
        next_midnight = pd.Timestamp(as_of_date + dt.timedelta(days=1)).tz_localize(
            s.timezone, ambiguous=False, nonexistent="shift_forward")
        as_of = next_midnight - pd.Timedelta(seconds=1)
    labels = client_labels(names)
    sb.multiselect(_("Client"), list(labels.values()), key="client", bind="query-params",
                   placeholder=_("All clients"))
    sb.multiselect(_("Account manager"), options["account_managers"], key="am", bind="query-params",
                   placeholder=_("All account managers"))
    sb.multiselect(_("Project manager"), options["project_managers"], key="pm", bind="query-params",
                   placeholder=_("All project managers"))
    sb.multiselect(_("Department"), options["departments"], key="dept", bind="query-params",
                   placeholder=_("All departments"))
    sb.multiselect(_("Tier"), options["tiers"], key="tier", bind="query-params", placeholder=_("All tiers"))
    sb.multiselect(_("Channel"), options["channels"], key="channel", bind="query-params",
                   placeholder=_("All channels"), help=_("Applies to messages and reply episodes."))
    chosen = {key: tuple(st.session_state.get(key) or ()) for key in FILTER_FIELDS}
    by_label = {label: cid for cid, label in labels.items()}
    chosen["client"] = tuple(by_label[c] for c in chosen["client"] if c in by_label)
    filters = Filters(**{field: chosen[key] for key, field in FILTER_FIELDS.items()})
    if filters.active or period != DEFAULT_PERIOD or as_of_date != default.date():
        sb.button(_("Clear filters"), icon=":material/filter_alt_off:", on_click=_clear_filters, args=(default.date(),),
                  width="stretch")
    ctx = Context(s, as_of, days, filters)
    st.session_state["_pulse_ctx"] = ctx
    return ctx


def default_language() -> str:
    """pulse.toml's `language`; blank: the Google Sheet's own locale when it is one and we speak it,
    else English."""
    chosen = known(settings().language)
    if chosen:
        return chosen
    try:
        return _sheet_language(connection())
    except Exception:  # nothing loaded yet: English
        return "en"


def _from_url_once(key: str, param: str, accept: Callable[[Any], str | None]) -> None:
    """A shared link's ?param= for a widget the app keeps in the URL itself, read on the session's
    first run (later runs keep what the widget holds); `accept` gives the value, or None for none."""
    flag = f"_pulse_url_{key}"
    if flag not in st.session_state:
        st.session_state[flag] = True
        value = accept(st.query_params.get(param))
        if value is not None:
            st.session_state[key] = value


def _to_url(key: str, value: str, default: str) -> None:
    """Write a widget's value to the URL as a stable code (not its shown, translated name: a
    widget bound by Streamlit would write "Последние 4 недели"); the default is left out."""
    if value == default:
        if key in st.query_params:  # never a no-op write: it would race the bound filters' own URL updates
            del st.query_params[key]
    elif st.query_params.get(key) != value:
        st.query_params[key] = value


def speak() -> str:
    """Set this run's language before anything is drawn: the sidebar's switch, else a shared link's
    ?lang=, else default_language(). The switch keeps ?lang=ru in the URL, so a copied link and the
    meeting screen keep the language."""
    _from_url_once("lang_switch", "lang", known)
    _RUN.default_language = default_language()  # one look at the load's meta per run
    code = known(st.session_state.get("lang_switch")) or _RUN.default_language
    speak_language(code)
    return code


def language_switch() -> None:
    """The sidebar's language switch (?lang=)."""
    default = getattr(_RUN, "default_language", None) or default_language()
    code = st.sidebar.segmented_control(_("Language"), list(LANGUAGES), format_func=LANGUAGES.get,
                                        key="lang_switch", default=default, width="stretch")
    _to_url("lang", known(code) or default, default)


def context() -> Context:
    """The Context the sidebar built on this run."""
    return st.session_state["_pulse_ctx"]


def show_error(exc: BaseException) -> None:
    """A page that failed shows an error id, never a traceback; the details go to the server log."""
    error_id = uuid.uuid4().hex[:8]
    log.error("page error %s", error_id, exc_info=exc)
    st.error(_("This view could not be drawn (error id `{error_id}`). The data is safe; the details are in the "
               "server log under that id. Try another filter or page, or reload.").format(error_id=error_id),
             icon=":material/error:")


