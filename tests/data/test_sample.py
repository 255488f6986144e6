"""The bundled sample: the committed CSVs are what the generator makes, and the stories a
demo tells (slow bank, group chat, sliding NPS, punctual and late PM) are really in them.

The checks recompute each story from the CSVs with pandas alone, so they hold whatever
the metrics code does; only the last test asks the project's own loader.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from data.sample import generate as gen

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"
AS_OF = pd.Timestamp("2026-11-20 18:00:00")
AS_OF_DATE = pd.Timestamp("2026-11-20")
WINDOW_START = pd.Timestamp("2025-11-21")

# SPEC §1, written out again here so a wrong constant in the generator cannot hide.
CANONICAL = {
    "clients": "client_id,client_name,account_manager,tier,status,start_date",
    "team": "person,role,department,email",
    "projects": "project_id,client_id,project_name,project_manager,department,status,start_date,baseline_due,"
                "due_date,delivered_date,slip_cause",
    "milestones": "milestone_id,project_id,milestone_name,owner,baseline_due,due_date,delivered_date,slip_cause,"
                  "status",
    "messages": "message_id,thread_id,client_id,project_id,channel,direction,sender,sent_at,needs_reply",
    "approvals": "approval_id,project_id,deliverable,round,sent_at,due_by,responded_at,decision,approver",
    "feedback": "response_id,client_id,project_id,received_on,score,scale,respondent,comment",
}
TABS = list(CANONICAL)

# The deliberately broken rows as README.md and generate.py document them: (tab, id, sheet row).
BROKEN_ERRORS = [
    ("projects", "P047", 48),
    ("milestones", "M0208", 209),
    ("messages", "MSG008586", 8587),
    ("messages", "MSG010835", 10837),
    ("messages", "MSG014311", 14313),
    ("messages", "MSG016561", 16563),
    ("approvals", "A0762", 763),
    ("approvals", "A1143", 1144),
    ("feedback", "R0130", 131),
    ("feedback", "R0268", 269),
]
WARNING = ("messages", "MSG006056", 6057)
BLANK_ROW = ("clients", "", 14)


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    out = tmp_path_factory.mktemp("sample")
    return out, gen.generate(out)


@pytest.fixture(scope="module")
def raw() -> dict[str, pd.DataFrame]:
    """Every committed row as text, with its sheet row number (header = row 1)."""
    out = {}
    for tab in TABS:
        df = pd.read_csv(SAMPLE / f"{tab}.csv", dtype=str, keep_default_na=False)
        df.insert(0, "row", df.index + 2)
        out[tab] = df
    return out


@pytest.fixture(scope="module")
def tabs(raw: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The rows a loader keeps: broken and blank rows removed."""
    out = {}
    for tab, df in raw.items():
        bad = {row for t, _, row in BROKEN_ERRORS if t == tab}
        df = df[~df["row"].isin(bad)]
        out[tab] = df[(df.drop(columns="row") != "").any(axis=1)].copy()
    return out


def when(s: pd.Series) -> pd.Series:
    """Parse the two datetime spellings the sample uses (ISO and DD.MM.YYYY H:MM)."""
    ru = s.str.contains(".", regex=False)
    iso = pd.to_datetime(s.where(~ru & (s != "")), format="ISO8601", errors="coerce")
    dmy = pd.to_datetime(s.where(ru), format="%d.%m.%Y %H:%M", errors="coerce")
    return iso.fillna(dmy)


def working_days(d1: pd.Series, d2: pd.Series) -> np.ndarray:
    """SPEC §2 working_days with the default Mon-Fri calendar."""
    a = d1.to_numpy().astype("M8[D]")
    b = d2.to_numpy().astype("M8[D]")
    one = np.timedelta64(1, "D")
    fwd = np.busday_count(a + one, b + one)
    back = -np.busday_count(b + one, a + one)
    return np.where(b >= a, fwd, back)


def deliverables(tabs: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """SPEC §4: milestones plus projects without milestones, cancelled ones left out."""
    p, m = tabs["projects"], tabs["milestones"]
    cols = ["project_id", "baseline_due", "due_date", "delivered_date", "slip_cause", "status"]
    own = p[~p["project_id"].isin(m["project_id"])][cols]
    d = pd.concat([m[cols], own], ignore_index=True)
    d = d.merge(p[["project_id", "project_manager", "client_id", "status"]].rename(columns={"status": "pstatus"}),
                on="project_id")
    d = d[(d["status"] != "cancelled") & (d["pstatus"] != "cancelled")].copy()
    for c in ("baseline_due", "due_date", "delivered_date"):
        d[c] = pd.to_datetime(d[c].replace("", None), format="%Y-%m-%d")
    return d


# ---------------------------------------------------------------------------------------
# The files


def test_regenerating_gives_the_committed_bytes(regenerated: tuple[Path, dict[str, int]]) -> None:
    out, _ = regenerated
    for name in [f"{t}.csv" for t in TABS] + ["sample.toml"]:
        assert (out / name).read_bytes() == (SAMPLE / name).read_bytes(), (
            f"data/sample/{name} is stale: run `python -m data.sample.generate` and commit the result")


def test_regenerating_gives_the_committed_history(regenerated: tuple[Path, dict[str, int]]) -> None:
    """The kept weekly copies of the deadline tabs are generated too, byte for byte."""
    out, _ = regenerated
    made = sorted(p.relative_to(out).as_posix() for p in (out / "history").rglob("*.csv"))
    committed = sorted(p.relative_to(SAMPLE).as_posix() for p in (SAMPLE / "history").rglob("*.csv"))
    assert made == committed and len(made) >= 6
    for name in made:
        assert (out / name).read_bytes() == (SAMPLE / name).read_bytes(), (
            f"data/sample/{name} is stale: run `python -m data.sample.generate` and commit the result")


def test_history_copies_only_undo_moves_and_deliveries() -> None:
    """Each copy has today's rows; a due date differs only where today's was rescheduled, and
    then lies between baseline_due and today's due_date; nothing is delivered after its date."""
    for day, version in gen.history_versions(gen._build(7, 1.0)[0]).items():
        today = {t: pd.read_csv(SAMPLE / f"{t}.csv", dtype=str, keep_default_na=False) for t in version}
        for tab, then in version.items():
            now = today[tab]
            assert list(then.iloc[:, 0]) == list(now.iloc[:, 0])
            changed = then["due_date"].to_numpy() != now["due_date"].to_numpy()
            assert (now["baseline_due"].to_numpy()[changed] != now["due_date"].to_numpy()[changed]).all()
            lo = pd.concat([now["baseline_due"], now["due_date"]], axis=1).min(axis=1)[changed]
            hi = pd.concat([now["baseline_due"], now["due_date"]], axis=1).max(axis=1)[changed]
            assert ((then["due_date"][changed] >= lo) & (then["due_date"][changed] <= hi)).all()
            delivered = then["delivered_date"].replace("", None).dropna()
            assert (delivered <= day).all(), (day, tab)


def test_generate_reports_the_rows_it_wrote(regenerated: tuple[Path, dict[str, int]]) -> None:
    out, counts = regenerated
    assert list(counts) == TABS
    for tab in TABS:
        lines = (out / f"{tab}.csv").read_bytes().count(b"\n")
        assert counts[tab] == lines - 1  # no field of the sample spans lines


def test_committed_files_have_the_canonical_headers_and_plain_format() -> None:
    for tab, header in CANONICAL.items():
        data = (SAMPLE / f"{tab}.csv").read_bytes()
        text = data.decode("utf-8")
        assert b"\r" not in data and text.endswith("\n") and not text.startswith("\ufeff")
        assert text.split("\n", 1)[0] == header, tab


def test_sample_toml_names_the_reference_moment() -> None:
    text = (SAMPLE / "sample.toml").read_text(encoding="utf-8")
    ref = tomllib.loads(text)
    assert ref == {"as_of": "2026-11-20T18:00:00", "name": "Northwind Creative (sample agency)"}
    assert pd.Timestamp(ref["as_of"]).day_name() == "Friday"
    assert text.startswith("# The bundled sample agency: its reference moment.")


def test_sizes(tabs: dict[str, pd.DataFrame]) -> None:
    ranges = {"clients": (20, 30), "team": (20, 30), "projects": (80, 100), "milestones": (330, 480),
              "messages": (18_000, 22_000), "approvals": (1_300, 1_700), "feedback": (340, 460)}
    for tab, (lo, hi) in ranges.items():
        assert lo <= len(tabs[tab]) <= hi, (tab, len(tabs[tab]))


def test_values_are_in_the_documented_formats(tabs: dict[str, pd.DataFrame]) -> None:
    iso_date = re.compile(r"^\d{4}-\d{2}-\d{2}$")
    date_cols = {"clients": ["start_date"], "projects": ["start_date", "baseline_due", "due_date", "delivered_date"],
                 "milestones": ["baseline_due", "due_date", "delivered_date"], "approvals": ["due_by"],
                 "feedback": ["received_on"]}
    for tab, cols in date_cols.items():
        for c in cols:
            v = tabs[tab][c]
            assert v[v != ""].str.match(iso_date).all(), (tab, c)
    for tab, c in (("messages", "sent_at"), ("approvals", "sent_at"), ("approvals", "responded_at")):
        v = tabs[tab][c]
        assert when(v[v != ""]).notna().all(), (tab, c)
    m = tabs["messages"]
    assert set(m["channel"].str.lower()) <= {"email", "chat", "phone", "meeting", "other", "fax"}
    assert set(m["direction"]) == {"in", "out", "inbound"}
    assert set(m["needs_reply"]) == {"", "true", "false", "yes"}
    assert (m["needs_reply"] == "").mean() > 0.8  # mostly the defaults apply
    a = tabs["approvals"]
    assert set(a["decision"]) == {"", "approved", "changes_requested", "rejected"}
    assert set(a["round"]) <= {"1", "2", "3", "4"}
    assert ((a["responded_at"] == "") == (a["decision"] == "")).all()
    f = tabs["feedback"]
    score = f["score"].astype(int)
    nps = f["scale"] != "csat"
    assert score[nps].between(0, 10).all() and score[~nps].between(1, 5).all()
    assert 0.7 < nps.mean() < 0.95
    assert set(tabs["projects"]["status"]) == {"planned", "active", "on_hold", "delivered", "cancelled"}
    assert set(tabs["projects"]["slip_cause"]) <= {"", "agency", "client", "scope", "external"}


def test_references_resolve(tabs: dict[str, pd.DataFrame]) -> None:
    clients, projects = tabs["clients"], tabs["projects"]
    people = set(tabs["team"]["person"])
    for tab, col in (("clients", "client_id"), ("projects", "project_id"), ("milestones", "milestone_id"),
                     ("messages", "message_id"), ("approvals", "approval_id"), ("feedback", "response_id")):
        assert tabs[tab][col].is_unique, tab
    cids, pids = set(clients["client_id"]), set(projects["project_id"])
    assert set(projects["client_id"]) <= cids
    assert set(tabs["milestones"]["project_id"]) <= pids
    assert set(tabs["approvals"]["project_id"]) <= pids
    for tab in ("messages", "feedback"):
        assert set(tabs[tab]["client_id"]) <= cids
        assert set(tabs[tab]["project_id"]) - {""} <= pids
    staff = set(clients["account_manager"]) | set(projects["project_manager"]) | set(tabs["milestones"]["owner"])
    assert staff <= people
    out = tabs["messages"][tabs["messages"]["direction"] == "out"]
    assert set(out["sender"]) <= people
    # A message about a project is about one of its own client's projects.
    m = tabs["messages"][tabs["messages"]["project_id"] != ""]
    owner = projects.set_index("project_id")["client_id"]
    assert (m["project_id"].map(owner) == m["client_id"]).all()


def test_nothing_happens_after_as_of(tabs: dict[str, pd.DataFrame]) -> None:
    assert when(tabs["messages"]["sent_at"]).max() <= AS_OF
    a = tabs["approvals"]
    assert when(a["sent_at"]).max() <= AS_OF and when(a["responded_at"]).max() <= AS_OF
    assert pd.to_datetime(tabs["feedback"]["received_on"]).max() <= AS_OF_DATE
    for tab in ("projects", "milestones"):
        d = tabs[tab]["delivered_date"]
        assert d[d != ""].max() <= "2026-11-20"
    p = tabs["projects"]
    future = p[p["start_date"] > "2026-11-20"]
    assert 1 <= len(future) <= 6 and (future["status"] == "planned").all()
    assert when(tabs["messages"]["sent_at"]).min() >= WINDOW_START


def test_paused_and_ended_clients_fall_quiet(tabs: dict[str, pd.DataFrame]) -> None:
    c = tabs["clients"].set_index("client_id")["status"]
    assert set(c[c.isin(["paused", "ended"])].index) == {"C20", "C22", "C23", "C24"}
    m = tabs["messages"]
    last = when(m["sent_at"]).groupby(m["client_id"]).max()
    assert (last[["C22", "C23"]] < pd.Timestamp("2026-07-01")).all()
    assert (last[["C20", "C24"]] < pd.Timestamp("2026-10-01")).all()
    assert (last.drop(["C20", "C22", "C23", "C24"]) > AS_OF - pd.Timedelta(days=14)).all()


def test_office_rhythm(tabs: dict[str, pd.DataFrame]) -> None:
    t = when(tabs["messages"]["sent_at"])
    office = (t.dt.day_of_week < 5) & (t.dt.hour >= 9) & (t.dt.hour < 20)
    assert 0.95 < office.mean() < 1.0  # mostly office hours, but not only
    by_hour = t[office].dt.hour.value_counts()
    assert by_hour[11] > by_hour[13] < by_hour[15]  # a late-morning and a mid-afternoon peak


# ---------------------------------------------------------------------------------------
# The personalities


def test_meridian_bank_takes_a_week_to_approve(tabs: dict[str, pd.DataFrame]) -> None:
    a = tabs["approvals"]
    a = a[a["responded_at"] != ""]
    client = a["project_id"].map(tabs["projects"].set_index("project_id")["client_id"])
    lag = (when(a["responded_at"]).dt.normalize() - when(a["sent_at"]).dt.normalize()).dt.days
    med = lag.groupby(client).median()
    assert med["C03"] >= 5
    others = med.drop("C03")
    assert others.max() <= 2 and med["C03"] >= others.max() + 3


def test_lumen_telecom_hears_many_agency_voices(tabs: dict[str, pd.DataFrame]) -> None:
    m = tabs["messages"]
    recent = m[(m["direction"] == "out") & (when(m["sent_at"]) > AS_OF - pd.Timedelta(days=30))]
    voices = recent.groupby("client_id")["sender"].nunique()
    assert voices["C07"] >= 7
    assert voices.drop("C07").max() <= voices["C07"] - 3
    group = m[(m["client_id"] == "C07") & (m["channel"] == "chat") & (m["direction"] == "out")]
    assert group.groupby("thread_id")["sender"].nunique().max() >= 5  # one chat, many people


def test_solstice_hotels_nps_slides(tabs: dict[str, pd.DataFrame]) -> None:
    f = tabs["feedback"]
    f = f[(f["client_id"] == "C05") & (f["scale"] != "csat")]
    day = pd.to_datetime(f["received_on"])
    score = f["score"].astype(int)
    first = score[day < WINDOW_START + pd.Timedelta(days=91)]
    last = score[day > AS_OF_DATE - pd.Timedelta(days=91)]
    assert len(first) >= 3 and len(last) >= 3
    assert first.mean() - last.mean() >= 3
    assert first.min() >= 9 and last.max() <= 6


def test_irina_is_punctual_and_tom_is_late(tabs: dict[str, pd.DataFrame]) -> None:
    d = deliverables(tabs)
    done = d[d["delivered_date"].notna()].copy()
    done["slip"] = working_days(done["baseline_due"], done["delivered_date"])
    irina = done[done["project_manager"] == "Irina Kovalenko"]
    tom = done[done["project_manager"] == "Tom Hargreaves"]
    rest = done[~done["project_manager"].isin(["Irina Kovalenko", "Tom Hargreaves"])]
    assert len(irina) >= 20 and (irina["slip"] <= 0).all()
    assert (irina["due_date"] == irina["baseline_due"]).all()
    assert len(tom) >= 20
    assert (tom["slip"] > 0).mean() >= 0.6 and tom["slip"].median() >= 3 and tom["slip"].max() >= 10
    assert (tom["due_date"] != tom["baseline_due"]).mean() >= 0.5
    assert tom.loc[tom["slip"] > 0, "slip_cause"].value_counts().idxmax() == "agency"
    assert 0.6 <= (rest["slip"] <= 0).mean() <= 0.95  # the ordinary ones in between
    # Late work carries a cause, work on time does not.
    assert (done.loc[done["slip"] > 0, "slip_cause"] != "").all()
    assert (done.loc[done["slip"] <= 0, "slip_cause"] == "").all()


def test_some_work_is_open_and_overdue_at_as_of(tabs: dict[str, pd.DataFrame]) -> None:
    d = deliverables(tabs)
    open_ = d[d["delivered_date"].isna()]
    overdue = open_[open_["due_date"] < AS_OF_DATE]
    assert len(open_) >= 30 and 3 <= len(overdue) <= 25


def test_unanswered_threads_in_both_directions(tabs: dict[str, pd.DataFrame]) -> None:
    """SPEC §5 episodes at as_of: a handful each way, aged from hours to about two weeks."""
    m = tabs["messages"].assign(t=lambda x: when(x["sent_at"]))
    m = m[m["direction"].isin(["in", "out", "inbound"])].sort_values(["thread_id", "t", "message_id"])
    inbound = m["direction"] != "out"
    needs = np.where(m["needs_reply"] == "", inbound, m["needs_reply"].isin(["true", "yes"]))
    agency, client = {}, {}
    for tid, is_in, need, t in zip(m["thread_id"], inbound, needs, m["t"], strict=True):
        if is_in:
            client.pop(tid, None)
            if need:
                agency.setdefault(tid, t)
        else:
            agency.pop(tid, None)
            if need:
                client.setdefault(tid, t)
    for opened, lo, hi in ((agency, 4, 25), (client, 3, 15)):
        ages = [(AS_OF - t) / pd.Timedelta(days=1) for t in opened.values()]
        assert lo <= len(ages) <= hi
        assert min(ages) < 1 and 7 <= max(ages) <= 16


def test_pending_approvals_some_overdue(tabs: dict[str, pd.DataFrame]) -> None:
    a = tabs["approvals"]
    pending = a[a["responded_at"] == ""]
    sent = when(pending["sent_at"]).dt.normalize()
    lag = working_days(sent, pd.Series(AS_OF_DATE, index=sent.index))
    due = pd.to_datetime(pending["due_by"].replace("", None), format="%Y-%m-%d")
    overdue = np.where(due.notna(), due < AS_OF_DATE, lag > 3)
    assert 5 <= len(pending) <= 40 and 2 <= overdue.sum() < len(pending)


# ---------------------------------------------------------------------------------------
# The broken rows


def test_broken_rows_are_where_the_docs_say(raw: dict[str, pd.DataFrame]) -> None:
    listed = {(tab, rid, row) for tab, rid, row, _ in gen.broken_rows()}
    assert listed == {*BROKEN_ERRORS, WARNING, BLANK_ROW}
    readme = (SAMPLE / "README.md").read_text(encoding="utf-8")
    doc = gen.__doc__ or ""
    for tab, rid, row in [*BROKEN_ERRORS, WARNING]:
        assert raw[tab].loc[raw[tab]["row"] == row].iloc[:, 1].item() == rid
        assert f"| {rid} | {row} |" in readme and f"{rid}" in doc and f"row {row} " in doc
    assert (raw["clients"].loc[raw["clients"]["row"] == BLANK_ROW[2]].drop(columns="row") == "").all(axis=None)


def test_the_loader_rejects_exactly_the_broken_rows() -> None:
    """End to end with the project's own reader and validator (SPEC §1 "bad input")."""
    files = pytest.importorskip("data.files")
    headers = pytest.importorskip("data.headers")
    validate = pytest.importorskip("data.validate")
    result = validate.stage(files.read_csv_folder(SAMPLE), headers.load_column_map(), "UTC", "DMY")
    rej = result.rejects
    found = {(t, int(r)) for t, r, s in zip(rej["tab"], rej["sheet_row"], rej["severity"], strict=True)
             if s == "error"}
    assert found == {(t, row) for t, _, row in BROKEN_ERRORS}
    warned = {(t, int(r)) for t, r, s in zip(rej["tab"], rej["sheet_row"], rej["severity"], strict=True)
              if s != "error"}
    assert warned == {(WARNING[0], WARNING[2])}
