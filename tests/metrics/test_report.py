"""The report's JSON on the bundled sample, checked against an independent reference.

The product runs as a user runs it (`python -m data.sync`, then `python -m metrics.report`
in subprocesses); every number of SPEC §9's object is then compared with
tests/metrics/reference.py, a from-scratch, standard-library-only reading of the CSVs and
of SPEC §1–§7 that shares no code with `data` or `metrics`.

Equality is exact after rounding to 2 decimals. The only latitude: when the exact value lies
halfway between two 2-decimal numbers (e.g. an NPS of 25/8 = 3.125), SPEC names no tie
rule, so either neighbour is accepted (reference.acceptable).
"""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from datetime import date, datetime, time
from fractions import Fraction
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.metrics import reference as ref

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "data" / "sample"
REFERENCE_AS_OF = "2026-11-20T18:00:00"  # data/sample/sample.toml

# pulse.toml's defaults, written out so that a concurrent edit of pulse.toml cannot move the numbers.
DEFAULT_SETTINGS = """\
source = ""
timezone = "UTC"
workdays = ["Mon", "Tue", "Wed", "Thu", "Fri"]
workday_start = "10:00"
workday_end = "19:00"
holidays_country = ""
holidays = []
date_order = "DMY"
reply_sla_hours = 8
approval_sla_days = 3
"""
DEFAULT_CAL = ref.Calendar()

# A deliberately odd calendar: a zone with DST (29 March and 25 October 2026), Saturday work,
# no Friday, holidays, a 09:30-18:15 day, an SLA by channel and a shorter approval SLA.
CUSTOM_SETTINGS = """\
source = ""
timezone = "Europe/Berlin"
workdays = ["Mon", "Tue", "Wed", "Thu", "Sat"]
workday_start = "09:30"
workday_end = "18:15"
holidays_country = ""
holidays = ["2026-11-18", "2026-10-01", "2026-03-30"]
date_order = "DMY"
reply_sla_hours = { default = 6, chat = 2 }
approval_sla_days = 2
"""
CUSTOM_CAL = ref.Calendar(
    timezone="Europe/Berlin",
    workdays=("Mon", "Tue", "Wed", "Thu", "Sat"),
    workday_start=time(9, 30),
    workday_end=time(18, 15),
    holidays=frozenset({date(2026, 11, 18), date(2026, 10, 1), date(2026, 3, 30)}),
    reply_sla_hours={"default": Fraction(6), "chat": Fraction(2)},
    approval_sla_days=2,
)
SETTINGS = {"default": (DEFAULT_SETTINGS, DEFAULT_CAL), "custom": (CUSTOM_SETTINGS, CUSTOM_CAL)}

# (settings, --as-of, --period-days). 2026-10-02 is time travel: seven weeks of the sample
# have not happened yet. 2026-08-10T14:08:37 is exactly when an agency reply to C01 is sent: a
# message at as_of exists (SPEC §3 "at or before"), so that episode is answered. The custom
# 365-day case crosses both DST changes and gives as_of with an explicit offset.
CASES = [
    ("default", REFERENCE_AS_OF, 7),
    ("default", REFERENCE_AS_OF, 30),
    ("default", "2026-10-02T12:00:00", 7),
    ("default", "2026-10-02T12:00:00", 30),
    ("default", "2026-08-10T14:08:37", 7),  # MSG014970 (TH02742) answers C01 at this second
    ("custom", REFERENCE_AS_OF, 30),
    ("custom", "2026-03-31T08:00:00+00:00", 365),
]
CASE_IDS = [f"{s}-{a}-{n}d" for s, a, n in CASES]

BLOCKS = {  # SPEC §9, in its order
    "deadlines": ["delivered", "on_time_rate", "median_slip_days", "open_overdue"],
    "replies": ["awaiting_agency", "oldest_wait_hours", "median_response_hours", "sla_breach_rate", "awaiting_client"],
    "approvals": ["pending", "overdue", "median_lag_days", "first_round_approval_rate"],
    "feedback": ["responses", "nps", "csat"],
    "history": ["syncs", "deadline_moves", "moved_deliverables", "net_days_moved"],
}
CLIENT_KEYS = ["client_id", "client_name", "delivered", "on_time_rate", "open_overdue", "awaiting_agency",
               "oldest_wait_hours", "median_response_hours", "pending_approvals", "median_lag_days", "nps", "csat",
               "agency_voices", "health_score", "deadline_moves"]
COUNTS = {"delivered", "open_overdue", "awaiting_agency", "awaiting_client", "pending", "overdue", "responses",
          "pending_approvals", "agency_voices", "syncs", "deadline_moves", "moved_deliverables"}
# The sample is synced once, recorded at this moment: a history of one sync, so no move, and
# `syncs` is 1 from this moment on (0 for an as_of before it).
RECORDED_AT = "2026-06-01T00:00:00+00:00"
RATES = {"on_time_rate", "sla_breach_rate", "first_round_approval_rate"}
CLIENT_NUMBERS = [k for k in CLIENT_KEYS if k not in ("client_id", "client_name", "health_score")]

# Comparisons known to disagree with SPEC: {(case id, "block.key" or "clients.key"): reason}.
# Each becomes a strict xfail, so fixing the product turns it into a failure to clean up here.
KNOWN_BUGS: dict[tuple[str, str], str] = {}


def _param(case_id: str, case: tuple[str, str, int], name: str) -> Any:
    reason = KNOWN_BUGS.get((case_id, name))
    marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
    return pytest.param(case, name, id=f"{case_id}-{name}", marks=marks)


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=REPO, capture_output=True, text=True, timeout=120,
                          check=False)


class Sample:
    """One synced copy of the sample per settings file, and each report run once."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._dbs: dict[str, tuple[Path, Path, str]] = {}
        self._reports: dict[tuple[Any, ...], subprocess.CompletedProcess[str]] = {}

    def db(self, settings: str) -> tuple[Path, Path, str]:
        """(db path, settings path, sync stdout)."""
        if settings not in self._dbs:
            toml = self.root / f"{settings}.toml"
            db = self.root / f"{settings}.duckdb"
            toml.write_text(SETTINGS[settings][0] + f'db = "{db.as_posix()}"\n', encoding="utf-8")
            done = run("data.sync", "--source", str(SAMPLE), "--db", str(db), "--settings", str(toml),
                       "--recorded-at", RECORDED_AT)
            assert done.returncode == 0, done.stderr
            self._dbs[settings] = (db, toml, done.stdout)
        return self._dbs[settings]

    def report(self, settings: str, as_of: str | None, days: int | None, *, as_json: bool = True
               ) -> subprocess.CompletedProcess[str]:
        key = (settings, as_of, days, as_json)
        if key not in self._reports:
            db, toml, _ = self.db(settings)
            args = ["metrics.report", "--db", str(db), "--settings", str(toml)]
            if as_of is not None:
                args += ["--as-of", as_of]
            if days is not None:
                args += ["--period-days", str(days)]
            if as_json:
                args.append("--json")
            done = run(*args)
            assert done.returncode == 0, done.stderr
            self._reports[key] = done
        return self._reports[key]

    def json(self, case: tuple[str, str, int]) -> dict[str, Any]:
        return json.loads(self.report(*case).stdout)


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Sample:
    return Sample(tmp_path_factory.mktemp("report"))


@pytest.fixture(scope="module")
def workbooks() -> dict[str, ref.Workbook]:
    return {name: ref.load_workbook(SAMPLE, cal) for name, (_, cal) in SETTINGS.items()}


_expected: dict[tuple[str, str, int], dict[str, Any]] = {}


def expected(workbooks: dict[str, ref.Workbook], case: tuple[str, str, int]) -> dict[str, Any]:
    """The reference's exact report for a case (computed once)."""
    if case not in _expected:
        settings, as_of, days = case
        cal = SETTINGS[settings][1]
        _expected[case] = ref.compute(workbooks[settings], aware(as_of, cal), days, cal,
                                      recorded_at=datetime.fromisoformat(RECORDED_AT))
    return _expected[case]


def aware(as_of: str, cal: ref.Calendar) -> datetime:
    moment = datetime.fromisoformat(as_of)
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(cal.timezone))


def show(value: Any) -> str:
    return f"{float(value):.6f} ({value})" if isinstance(value, Fraction) else repr(value)


# --------------------------------------------------------------------------- the reference itself


def test_reference_calendar_follows_spec_examples() -> None:
    """SPEC §2's worked examples, so the second implementation is itself checked."""
    utc = ZoneInfo("UTC")
    fri_18 = datetime(2026, 11, 20, 18, 0, tzinfo=utc)
    mon_1130 = datetime(2026, 11, 23, 11, 30, tzinfo=utc)
    assert ref.business_hours(fri_18, mon_1130, DEFAULT_CAL) == Fraction(5, 2)
    assert ref.business_hours(mon_1130, fri_18, DEFAULT_CAL) == 0
    fri, sat, mon, thu = date(2026, 11, 20), date(2026, 11, 21), date(2026, 11, 23), date(2026, 11, 19)
    assert ref.working_days(fri, mon, DEFAULT_CAL) == 1
    assert ref.working_days(fri, sat, DEFAULT_CAL) == 0
    assert ref.working_days(fri, thu, DEFAULT_CAL) == -1
    # The DST night of 2026-03-29 (Sunday) changes nothing on a working Monday.
    berlin = ZoneInfo("Europe/Berlin")
    assert ref.business_hours(datetime(2026, 3, 28, 18, 0, tzinfo=berlin), datetime(2026, 3, 31, 10, 30, tzinfo=berlin),
                              CUSTOM_CAL) == Fraction(1, 4) + 1  # Sat 18:00-18:15, Mon 30 a holiday, Tue 09:30-10:30


def test_reference_rejects_the_documented_broken_rows(workbooks: dict[str, ref.Workbook]) -> None:
    """data/sample/README.md's list of broken rows, and nothing else."""
    wb = workbooks["default"]
    assert sorted((tab, row, rid) for tab, row, rid, _ in wb.rejects) == sorted([
        ("projects", 48, "P047"), ("milestones", 209, "M0208"), ("messages", 8587, "MSG008586"),
        ("messages", 10837, "MSG010835"), ("messages", 14313, "MSG014311"), ("messages", 16563, "MSG016561"),
        ("approvals", 763, "A0762"), ("approvals", 1144, "A1143"), ("feedback", 131, "R0130"),
        ("feedback", 269, "R0268"),
    ])
    assert [(tab, row, rid) for tab, row, rid, _ in wb.warnings] == [("messages", 6057, "MSG006056")]


# --------------------------------------------------------------------------- sync agrees on the input


def test_sync_loads_and_rejects_what_the_reference_does(sample: Sample, workbooks: dict[str, ref.Workbook]) -> None:
    """Per tab, the sync's printed loaded / rejected counts equal the reference's."""
    _, _, out = sample.db("default")
    wb = workbooks["default"]
    loaded = {"clients": len(wb.clients), "projects": len(wb.projects), "milestones": len(wb.milestones),
              "messages": len(wb.messages), "approvals": len(wb.approvals), "feedback": len(wb.feedback)}
    rejected = {tab: sum(1 for r in wb.rejects if r[0] == tab) for tab in loaded}
    printed = {}
    for line in out.splitlines():
        m = re.match(r"^\s*(\w+)\s+\S+\s+(\d+)\s+(\d+)\b", line)
        if m and m[1] in loaded:
            printed[m[1]] = (int(m[2]), int(m[3]))
    assert printed == {tab: (loaded[tab], rejected[tab]) for tab in loaded}, out


# --------------------------------------------------------------------------- shape


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_json_shape(sample: Sample, workbooks: dict[str, ref.Workbook], case: tuple[str, str, int]) -> None:
    got = sample.json(case)
    want = expected(workbooks, case)
    assert list(got) == ["as_of", "period", *BLOCKS, "clients"]
    as_of = aware(case[1], SETTINGS[case[0]][1]).astimezone(ZoneInfo(SETTINGS[case[0]][1].timezone))
    assert got["as_of"] == as_of.isoformat()  # always with its offset, in agency time
    assert datetime.fromisoformat(got["as_of"]).utcoffset() is not None
    assert got["period"] == {"start": want["period"]["start"].isoformat(), "end": want["period"]["end"].isoformat()}
    for block, keys in BLOCKS.items():
        assert list(got[block]) == keys, block
    wb = workbooks[case[0]]
    assert [c["client_id"] for c in got["clients"]] == sorted(wb.clients)  # one per loaded client, by client_id
    for c in got["clients"]:
        assert list(c) == CLIENT_KEYS, c["client_id"]
        assert c["client_name"] == wb.clients[c["client_id"]]["client_name"]
        h = c["health_score"]
        assert h is None or (isinstance(h, int | float) and 0 <= h <= 100 and h == round(h, 2)), (c["client_id"], h)
    numbers = [(k, v) for b in BLOCKS for k, v in got[b].items()]
    numbers += [(k, c[k]) for c in got["clients"] for k in CLIENT_NUMBERS]
    for key, value in numbers:
        if key in COUNTS:
            assert type(value) is int and value >= 0, (key, value)
        else:
            assert value is None or (type(value) in (int, float) and value == round(value, 2)), (key, value)
        if key in RATES and value is not None:
            assert 0 <= value <= 1, (key, value)


# --------------------------------------------------------------------------- every number


def matches(got: Any, exact: Any) -> bool:
    if exact is None or got is None:
        return got is None and exact is None
    if isinstance(got, bool) or isinstance(exact, bool):
        return False
    return any(math.isclose(got, a, rel_tol=0, abs_tol=1e-9) for a in ref.acceptable(exact))


SUMMARY_PARAMS = [_param(cid, case, f"{block}.{key}") for cid, case in zip(CASE_IDS, CASES, strict=True)
                  for block, keys in BLOCKS.items() for key in keys]
CLIENT_PARAMS = [_param(cid, case, f"clients.{key}") for cid, case in zip(CASE_IDS, CASES, strict=True)
                 for key in CLIENT_NUMBERS]


@pytest.mark.parametrize(("case", "name"), SUMMARY_PARAMS)
def test_summary_number(sample: Sample, workbooks: dict[str, ref.Workbook], case: tuple[str, str, int],
                        name: str) -> None:
    block, key = name.split(".")
    got = sample.json(case)[block][key]
    exact = expected(workbooks, case)[block][key]
    assert matches(got, exact), f"{name}: report {got!r}, reference {show(exact)}"


@pytest.mark.parametrize(("case", "name"), CLIENT_PARAMS)
def test_client_number(sample: Sample, workbooks: dict[str, ref.Workbook], case: tuple[str, str, int],
                       name: str) -> None:
    key = name.split(".")[1]
    got = {c["client_id"]: c[key] for c in sample.json(case)["clients"]}
    want = {c["client_id"]: c[key] for c in expected(workbooks, case)["clients"]}
    assert list(got) == list(want)
    wrong = {cid: (got[cid], show(want[cid])) for cid in want if not matches(got[cid], want[cid])}
    assert not wrong, f"{key}: client → (report, reference): {wrong}"


def test_time_travel_changes_the_numbers(sample: Sample) -> None:
    """Sanity: the earlier as_of is not silently ignored."""
    now, then = sample.json(CASES[0]), sample.json(CASES[2])
    assert then["period"] == {"start": "2026-09-26", "end": "2026-10-02"}
    assert now["replies"] != then["replies"] or now["approvals"] != then["approvals"]


# --------------------------------------------------------------------------- defaults and the text form


def test_sample_defaults_to_its_reference_as_of(sample: Sample) -> None:
    """Without --as-of on the sample, as_of is sample.toml's reference time (not now)."""
    toml = (SAMPLE / "sample.toml").read_text(encoding="utf-8")
    assert f'as_of = "{REFERENCE_AS_OF}"' in toml
    default = json.loads(sample.report("default", None, 7).stdout)
    assert default["as_of"] == "2026-11-20T18:00:00+00:00"
    assert default == sample.json(("default", REFERENCE_AS_OF, 7))


def _number(token: str) -> float | None:
    m = re.fullmatch(r"([-+\u2212]?\d+(?:[.,]\d+)?)\s*(%|h|wd)?", token.strip())
    if not m:
        return None  # "—" or another "no value" mark
    value = float(m[1].replace(",", ".").replace("−", "-"))
    return value / 100 if m[2] == "%" else value


def _close_enough(shown: str, exact: Any) -> bool:
    """A shown number agrees with the exact value to within half its last displayed digit."""
    value = _number(shown)
    if exact is None:
        return value is None
    if value is None:
        return False
    digits = len(shown.split(".")[1].rstrip("%hwd ").strip()) if "." in shown else 0
    scale = 100 if shown.strip().endswith("%") else 1
    return abs(value - float(exact)) <= 0.5 * 10 ** -digits / scale + 1e-9


def test_text_form_prints_the_same_headline_numbers(sample: Sample, workbooks: dict[str, ref.Workbook]) -> None:
    case = ("default", REFERENCE_AS_OF, 7)
    text = sample.report(*case, as_json=False).stdout
    want = expected(workbooks, case)
    got = sample.json(case)
    assert "2026-11-14" in text and "2026-11-20" in text and got["as_of"] in text
    lines = text.splitlines()
    for block, keys in BLOCKS.items():
        start = next(i for i, line in enumerate(lines) if line.strip().lower() == block)
        rows = []
        for line in lines[start + 1:]:
            if not line.strip():
                break
            rows.append(line)
        assert len(rows) == len(keys), (block, rows)
        for key, line in zip(keys, rows, strict=True):
            shown = re.split(r"\s{2,}", line.strip())[-1]
            assert _close_enough(shown, want[block][key]), f"{block}.{key}: text {line.strip()!r}, " \
                                                           f"reference {show(want[block][key])}"
    # The per-client table: its count columns equal the reference's.
    header_at = next(i for i, line in enumerate(lines) if line.split()[:1] == ["client"])
    header = lines[header_at].split()[1:]
    columns = {"waiting": "awaiting_agency", "overdue": "open_overdue", "pending": "pending_approvals"}
    by_name = {c["client_name"]: c for c in want["clients"]}
    seen = set()
    for line in lines[header_at + 1:]:
        if not line.strip():
            break
        name = next((n for n in by_name if line.strip().startswith(n[:28])), None)
        assert name is not None, line
        seen.add(name)
        cells = line.split()[-len(header):]
        for col, cell in zip(header, cells, strict=True):
            if col in columns:
                assert int(cell) == by_name[name][columns[col]], (name, col, cell)
    assert seen == set(by_name)


def test_the_text_report_speaks_the_language_asked_and_the_json_keys_stay_english(sample: Sample) -> None:
    db, toml, _ = sample.db("default")
    ru = run("metrics.report", "--db", str(db), "--settings", str(toml), "--lang", "ru")
    assert ru.returncode == 0 and "Дедлайны" in ru.stdout and "Сдано в срок" in ru.stdout
    uk = run("metrics.report", "--db", str(db), "--settings", str(toml), "--lang", "uk", "--json")
    assert uk.returncode == 0 and set(json.loads(uk.stdout)) >= {"deadlines", "replies", "approvals", "feedback"}
