"""The weekly digest (metrics/digest.py): the Weekly review's numbers as one HTML file.

Its numbers are the metrics' own for the same Context (tiles formatted as the page formats
them, the clients at risk with their reasons, the what-changed counts), its sheet text is
escaped, it stays small, and its command line writes the file or fails in one line.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from data import store
from data.settings import ROOT, Settings
from metrics import cache, changes, digest, health, summaries
from metrics.catalogue import metric
from metrics.context import Context, Filters
from metrics.formats import show
from metrics.tiles import tile

AS_OF = "2026-11-20T18:00:00"  # the sample's reference time
MAX_BYTES = 5 * 1024 * 1024


CASES = [
    (7, Filters()),
    (28, Filters(account_managers=("Elena Morozova",))),
    (7, Filters(clients=("C03",))),
    (91, Filters(channels=("email",), tiers=("A",))),
]


@pytest.mark.parametrize(("days", "filters"), CASES)
def test_the_digest_prints_the_metrics_numbers(sample, days: int, filters: Filters) -> None:
    con, s = sample
    ctx = Context.build(s, AS_OF, days, filters)
    page = digest.build_digest(con, ctx)
    # tiles: the catalogue's label, value and change, as the page's tiles write them, in order
    now, prev = summaries.headline(con, ctx)
    tiles = re.findall(r'<div class="label">(.*?)</div><div class="value">(.*?)</div>'
                       r'<div class="change [a-z]+">(.*?)</div>', page)
    expected = []
    for name in digest.TILES:
        m, t = metric(name), tile(name, now, prev)
        change = t.change
        arrow = "" if not t.arrow else ("▲ " if change.startswith("+") else "▼ ")
        expected.append((html.escape(t.label), html.escape(m.fmt(now.get(name))),
                         html.escape(arrow + change) if change else "&nbsp;"))
    assert tiles == expected
    # what changed: every list's count in its heading
    titles = {c.key: c.title for c in changes.LISTS}
    for key, n in changes.counts(con, ctx).items():
        assert f"<h3>{titles[key]} ({n})</h3>" in page
    # clients at risk: the 10 lowest scores with their main issue and reason, in order
    board = health.client_health(con, ctx)
    lowest = board[board["health_score"].notna()].sort_values(["health_score", "client_id"], kind="stable").head(10)
    section = page[page.index('id="at-risk"'):page.index('id="urgent"')]
    rows = re.findall(r"<tr><td>(.*?)</td><td class=\"num\">(.*?)</td><td>(.*?)</td><td>(.*?)</td></tr>", section)
    assert rows == [(html.escape(r.client_name), show(r.health_score, "score"),  # banded as written: 59.99 reads 60
                     html.escape(r.main_issue_label), html.escape(r.main_reason)) for r in lowest.itertuples()]
    # the header names as_of, the period and the filters
    assert f"{ctx.period_start:%d.%m.%Y} – {ctx.period_end:%d.%m.%Y} ({days} days)" in page
    assert "20.11.2026 18:00" in page
    if filters.clients:
        assert "Client: Meridian Bank" in page
    if filters.account_managers:
        assert "Account manager: Elena Morozova" in page
    if not filters.active:
        assert "Filters</b>: none" in page


def test_the_digest_is_one_small_file_without_scripts_or_links(sample) -> None:
    con, s = sample
    page = digest.build_digest(con, Context.build(s, AS_OF, 7))
    size = len(page.encode("utf-8"))
    assert size < MAX_BYTES
    assert size < 200_000  # no plotly.js: inline SVG (see the module docstring)
    assert "<script" not in page.lower()
    assert not re.search(r'(src|href)="(https?:)?//', page)  # nothing fetched from the network
    assert page.count("<svg") == 2
    for heading in digest.SECTIONS:
        assert f"<h2>{heading}</h2>" in page


def test_sheet_text_is_escaped(sample, tmp_path: Path) -> None:
    con, _ = sample
    path = tmp_path / "pulse.duckdb"
    con.execute("CHECKPOINT")
    shutil.copy(Path(con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()")
                     .fetchone()[0]), path)
    evil = '<script>alert("x")</script> & <b>Co</b>'
    c = store.connect(path)
    try:
        c.execute("UPDATE clients SET client_name = ? WHERE client_id = 'C03'", [evil])
        c.execute("UPDATE projects SET project_manager = '<img src=x onerror=alert(1)>' WHERE client_id = 'C03'")
        store.rebuild_marts(c)
        cache.clear()
        page = digest.build_digest(c, Context.build(Settings(db=str(path)), AS_OF, 7, Filters(clients=("C03",))))
    finally:
        c.close()
        cache.clear()
    assert "<script" not in page and "<img" not in page and "<b>Co" not in page
    assert html.escape(evil) in page  # in the filters line, the at-risk table and the chart's labels
    assert page.count(html.escape(evil)) >= 3


def svg_bars(svg: str) -> list[tuple[str, float, str, str]]:
    """(client label, bar width, fill, the score written beside it) per bar of the at-risk chart."""
    return [(label, float(width), fill, text) for label, width, fill, text in re.findall(
        r'class="label">([^<]*)</text><rect x="[^"]*" y="[^"]*" width="([^"]*)" height="[^"]*" fill="([^"]*)"/>'
        r'<text [^>]*class="label">([^<]*)</text>', svg)]


def test_the_at_risk_chart_is_coloured_by_health_band_not_by_main_issue() -> None:
    import pandas as pd

    rows = pd.DataFrame({
        "client_id": ["C1", "C2", "C3", "C4", "C5", "C6"],
        "client_name": ["Zero Co", "Edge Co", "Sixty Co", "Amber Co", "Eighty Co", "Fine Co"],
        "health_score": [0.0, 59.49, 59.5, 79.49, 79.5, 95.0],
        "main_issue": ["delivery", "delivery", "delivery", "feedback", "delivery", None],
        "main_issue_label": ["Delivery", "Delivery", "Delivery", "Feedback", "Delivery", "No points lost"],
        "main_reason": ["r"] * 6,
    })
    svg = digest.at_risk_svg(rows, (60, 80))
    red, amber, green = "#c92a2a", "#e67700", "#2b8a3e"
    bars = svg_bars(svg)
    assert [(label, fill, text) for label, _, fill, text in bars] == [
        ("Zero Co", red, "0"), ("Edge Co", red, "59"), ("Sixty Co", amber, "60"), ("Amber Co", amber, "79"),
        ("Eighty Co", green, "80"), ("Fine Co", green, "95")]
    assert bars[0][1] >= 4  # a 0 still draws, in its band's colour, with "0" beside it
    # the legend names the bands (not the main issues), worst first
    assert re.findall(r'<text x="[^"]*" y="16" class="axis">([^<]*)</text>', svg) == [
        "Health:", "At risk (&lt; 60)", "Watch (60–80)", "Healthy (≥ 80)"]
    assert "Main issue: Delivery" in svg  # the main issue stays in the tooltip
    only_watch = digest.at_risk_svg(rows.iloc[[2]], (60, 80))
    assert [fill for _, _, fill, _ in svg_bars(only_watch)] == [amber] and "At risk" not in only_watch


def test_the_digest_colours_the_sample_by_the_settings_bands(sample) -> None:
    con, s = sample
    page = digest.build_digest(con, Context.build(s, AS_OF, 7))
    section = page[page.index('id="at-risk"'):page.index('id="urgent"')]
    bars = {label: (fill, text) for label, _, fill, text in svg_bars(section)}
    assert bars["Meridian Bank"] == ("#e67700", "60")  # 59.99 reads 60: banded as written, watch
    assert bars["Pixel Forge Games"] == ("#e67700", "63")
    assert bars["Solstice Hotels"] == ("#2b8a3e", "83")
    stricter = Settings(db=s.db, at_risk_below=75, healthy_from=90)
    page = digest.build_digest(con, Context.build(stricter, AS_OF, 7))
    section = page[page.index('id="at-risk"'):page.index('id="urgent"')]
    bars = {label: (fill, text) for label, _, fill, text in svg_bars(section)}
    assert bars["Pixel Forge Games"] == ("#c92a2a", "63") and bars["Solstice Hotels"] == ("#e67700", "83")


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "metrics.digest", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


def test_the_command_writes_the_digest(sample, tmp_path: Path) -> None:
    con, s = sample
    con.execute("CHECKPOINT")
    out = tmp_path / "weekly.html"
    done = _run("--db", str(s.db_path()), "--as-of", AS_OF, "--period-days", "28", "--out", str(out),
                "--client", "Meridian Bank", "--client", "C01", "--am", "Anna Petrova")
    assert done.returncode == 0, done.stderr
    assert out.exists() and done.stdout.startswith(f"wrote {out}")
    ctx = Context.build(s, AS_OF, 28, Filters(clients=("C03", "C01"), account_managers=("Anna Petrova",)))
    expected = digest.build_digest(con, ctx)
    strip = re.compile(r"generated [0-9-]+ [0-9:]+ UTC")  # the only line that is not a number
    assert strip.sub("", out.read_text(encoding="utf-8")) == strip.sub("", expected)


@pytest.mark.parametrize(("args", "code", "message"), [
    (["--db", "{missing}"], 1, "does not exist"),
    (["--as-of", "next tuesday"], 2, "is not an ISO date"),
    (["--period-days", "0"], 2, "--period-days must be 1 or more"),
    (["--client", "Nobody Ltd"], 2, "--client 'Nobody Ltd': no client"),
    (["--am", "Nobody"], 2, "--am 'Nobody': not in the data"),
    (["--out", "{nofolder}"], 2, "does not exist"),
])
def test_the_command_fails_in_one_line(sample, tmp_path: Path, args, code, message) -> None:
    con, s = sample
    con.execute("CHECKPOINT")
    fill = {"{missing}": str(tmp_path / "none.duckdb"), "{nofolder}": str(tmp_path / "no" / "weekly.html")}
    argv = ["--db", str(s.db_path()), "--out", str(tmp_path / "weekly.html")]
    done = _run(*argv, *[fill.get(a, a) for a in args])
    assert done.returncode == code, done.stderr
    assert done.stderr.startswith("digest failed: ") and message in done.stderr and done.stderr.count("\n") == 1
    assert not (tmp_path / "weekly.html").exists()


def test_a_bad_settings_file_fails_in_one_line_from_the_shell(tmp_path: Path) -> None:
    bad = tmp_path / "pulse.toml"
    bad.write_text("timezone = 'Mars/Olympus'\n")
    done = _run("--settings", str(bad), "--out", str(tmp_path / "w.html"))
    assert done.returncode == 2 and done.stderr.startswith("digest failed: ") and done.stderr.count("\n") == 1
