"""The weekly digest: the Weekly review as one self-contained HTML file to mail or print.

`python -m metrics.digest --db PATH --as-of ISO --period-days 7 --out weekly.html
[--client NAME_OR_ID ...] [--am NAME ...] [--pm ...] [--dept ...] [--tier ...] [--channel ...]
[--settings PATH]`; the Weekly review page offers the same file for its own filters.

What it holds, in the page's words and numbers (the same metrics functions, the same
catalogue labels and formats): the filters, as_of and the period; the headline tiles with
their change against the previous period; what changed since last week; the clients at risk
with the reason; the most urgent items; the 12-week trend. Every number is read through one
snapshot (one load). All sheet text is HTML-escaped. The words are in the run's language (the
page's, or English from the command line).

**Charts are inline SVG drawn here, not plotly.** Measured: plotly.js alone is 4.8 MB
(plotly 7.1's `get_plotlyjs()`: 4,815,814 bytes), so one embedded copy leaves about 180 kB
under the 5 MB budget, the next plotly release could cross it, and a 5 MB mail attachment
is heavy for a weekly note. The digest's two charts (the lowest health scores, the trend) are
simple bar and line charts, so they are drawn as SVG (a few kB, no script, crisp in print)
and every bar and point carries a `<title>` tooltip with its full text on hover. The file
needs no network and no JavaScript.
"""

from __future__ import annotations

import argparse
import html
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

import lang
from lang import N_, _, ngettext
from metrics import approvals, changes, deadlines, health, replies, summaries
from metrics.catalogue import label as metric_label
from metrics.context import Context, Filters, client_names, filter_options, snapshot
from metrics.formats import MISSING, QUANTITIES, DateFormat, date_format, is_missing, show
from metrics.report import CliError, check_period, cli_as_of, cli_settings, pinned_db, question_arguments, speak_for
from metrics.tiles import Tile, tile
from metrics.vocabulary import term, text_frame

__all__ = ["AT_RISK", "CHANGE_ROWS", "TILES", "TREND_WEEKS", "URGENT_ROWS", "build_digest", "digest_data",
           "main", "resolve_filters"]

# The Weekly review's tiles, in order (views/overview.py draws the same list).
TILES = ["on_time_rate", "open_overdue", "awaiting_agency", "oldest_wait_hours", "sla_breach_rate", "pending",
         "overdue", "nps"]
AT_RISK = 10  # clients in the "lowest health" chart and table
URGENT_ROWS = 5  # rows per urgent list
CHANGE_ROWS = 25  # lines per "what changed" list on paper (the page shows 5)
TREND_WEEKS = 12
# The page's filter labels (English msgids, shown through _()); the CLI flags are the URL's parameter names.
FILTER_LABELS = {"clients": N_("Client"), "account_managers": N_("Account manager"),
                 "project_managers": N_("Project manager"), "departments": N_("Department"), "tiers": N_("Tier"),
                 "channels": N_("Channel")}
CLI_FILTERS = {"client": "clients", "am": "account_managers", "pm": "project_managers", "dept": "departments",
               "tier": "tiers", "channel": "channels"}
SECTIONS = [N_("Headline numbers"), N_("What changed since last week"), N_("Clients at risk"),
            N_("Act on these now"), N_("Trend, last 12 weeks")]  # English msgids, shown through _()


def esc(value: Any) -> str:
    """Sheet text as HTML text (None/NaN as an em dash)."""
    if is_missing(value):
        return MISSING
    return html.escape(str(value), quote=True)


# --- the numbers ----------------------------------------------------------------------------

def digest_data(con: duckdb.DuckDBPyConnection, ctx: Context) -> dict[str, Any]:
    """Everything the digest prints, from the metrics the Weekly review asks (one snapshot)."""
    with snapshot(con) as snap:
        now, prev = summaries.headline(snap, ctx)
        tiles = [tile(name, now, prev) for name in TILES]
        pend = approvals.pending_list(snap, ctx)
        return {
            "as_of": ctx.as_of, "period_start": ctx.period_start, "period_end": ctx.period_end,
            "period_days": ctx.period_days, "filters": ctx.filters,
            "dates": date_format(ctx.settings.date_format), "tz": ctx.tz, "names": client_names(snap),
            "loaded_at": snap.meta.get("loaded_at"), "last_week": changes.last_week(ctx).as_of,
            "tiles": tiles,
            "changes": {c.key: c.rows(snap, ctx) for c in changes.LISTS},
            "at_risk": health.lowest(snap, ctx, AT_RISK),
            "bands": (ctx.settings.at_risk_below, ctx.settings.healthy_from),  # [health]'s two thresholds
            "overdue": deadlines.overdue_list(snap, ctx),
            "queue": replies.queue(snap, ctx, "agency"),
            "overdue_approvals": pend[pend["is_overdue"]].reset_index(drop=True),
            "trend_deadlines": deadlines.deadline_trend(snap, ctx, TREND_WEEKS),
            "trend_replies": replies.reply_trend(snap, ctx, TREND_WEEKS),
        }


def build_digest(con: duckdb.DuckDBPyConnection, ctx: Context) -> str:
    """The weekly digest for ctx (its period and filters) as one self-contained HTML page."""
    return render(digest_data(con, ctx))


# --- the charts (inline SVG) ----------------------------------------------------------------

def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


ZERO_STUB_PX = 4  # a score of 0 still draws this wide, in its band's colour, with its "0" beside it


def at_risk_svg(rows: pd.DataFrame, thresholds: health.Thresholds) -> str:
    """Horizontal bars: the lowest health scores, each coloured by its band (health.BAND_COLORS,
    as on the page), a tooltip per bar with the main issue."""
    width, left, right, bar, gap, top = 720, 210, 50, 22, 8, 34
    height = top + len(rows) * (bar + gap) + 34
    plot = width - left - right
    out = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
           f'aria-label="{esc(_("Lowest health scores"))}" xmlns="http://www.w3.org/2000/svg">']
    bands = [health.band(v, thresholds) for v in rows["health_score"]]
    legend = health.band_legend(thresholds)
    heading = _("Health:")
    out.append(f'<text x="0" y="16" class="axis">{esc(heading)}</text>')
    x = max(60, 8 * len(heading))  # the first band after the heading, however long it is in the language
    for name in (b for b in health.BANDS if b in bands):  # the bands present, worst first
        out.append(f'<rect x="{x}" y="6" width="12" height="12" fill="{health.BAND_COLORS[name]}"/>'
                   f'<text x="{x + 16}" y="16" class="axis">{esc(legend[name])}</text>')
        x += 30 + 7 * len(legend[name])
    for tick in (0, 25, 50, 75, 100):
        tx = left + plot * tick / 100
        out.append(f'<line x1="{tx:.1f}" y1="{top - 4}" x2="{tx:.1f}" y2="{height - 28}" class="grid"/>'
                   f'<text x="{tx:.1f}" y="{height - 12}" text-anchor="middle" class="axis">{tick}</text>')
    for i, (r, b) in enumerate(zip(rows.itertuples(), bands, strict=True)):
        y = top + i * (bar + gap)
        score = float(r.health_score)
        color = health.BAND_COLORS[b]
        name = r.client_name if isinstance(r.client_name, str) and r.client_name else str(r.client_id)
        text = show(score, "score")
        tip = "\n".join([f"{name} ({r.client_id})",
                         _("Health score {score} ({band})").format(score=text, band=health.band_label(b)),
                         _("Main issue: {issue}").format(issue=r.main_issue_label), str(r.main_reason)])
        w = max(float(ZERO_STUB_PX), plot * max(0.0, min(score, 100.0)) / 100)
        out.append(
            f'<g><title>{esc(tip)}</title>'
            f'<text x="{left - 8}" y="{y + bar * 0.72:.1f}" text-anchor="end" class="label">'
            f'{esc(_short(name, 28))}</text>'
            f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar}" fill="{color}"/>'
            f'<text x="{left + w + 5:.1f}" y="{y + bar * 0.72:.1f}" class="label">{esc(text)}</text></g>')
    out.append("</svg>")
    return "".join(out)


def trend_svg(dl: pd.DataFrame, rp: pd.DataFrame, dates: DateFormat) -> str:
    """Two lines, 0–100 %: on-time delivery and reply SLA breaches per week; a tooltip per point."""
    width, height, left, right, top, bottom = 720, 300, 56, 16, 40, 44
    inset = 28  # the first and last week's labels stay inside the frame
    plot_w, plot_h = width - left - right, height - top - bottom
    weeks = list(dl["week"])
    n = max(1, len(weeks) - 1)

    def px(i: int) -> float:
        return left + inset + (plot_w - 2 * inset) * i / n

    def py(v: float) -> float:
        return top + plot_h * (1 - v)

    out = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
           f'aria-label="{esc(_("On-time delivery and reply SLA breaches by week"))}" '
           'xmlns="http://www.w3.org/2000/svg">']
    for v in (0, 0.25, 0.5, 0.75, 1.0):
        out.append(f'<line x1="{left}" y1="{py(v):.1f}" x2="{width - right}" y2="{py(v):.1f}" class="grid"/>'
                   f'<text x="{left - 6}" y="{py(v) + 4:.1f}" text-anchor="end" class="axis">{v:.0%}</text>')
    for i, w in enumerate(weeks):
        out.append(f'<text x="{px(i):.1f}" y="{height - bottom + 18}" text-anchor="middle" class="axis">'
                   f'{pd.Timestamp(w).strftime(dates.short)}</text>')
    out.append(f'<text x="{left + plot_w / 2:.1f}" y="{height - 6}" text-anchor="middle" class="axis">'
               f'{esc(_("Week starting"))}</text>')
    x = left
    for df, name, color in ((dl, "on_time_rate", "#2b8a3e"), (rp, "sla_breach_rate", "#d9480f")):
        label = metric_label(name)
        out.append(f'<rect x="{x}" y="10" width="14" height="4" fill="{color}"/>'
                   f'<text x="{x + 20}" y="16" class="axis">{esc(label)}</text>')
        x += 40 + 7 * len(label)
        values = list(df[name])
        segment: list[str] = []
        segments: list[list[str]] = []
        for i, v in enumerate(values):
            if is_missing(v):
                if segment:
                    segments.append(segment)
                segment = []
                continue
            segment.append(f"{px(i):.1f},{py(float(v)):.1f}")
        if segment:
            segments.append(segment)
        for seg in segments:
            out.append(f'<polyline points="{" ".join(seg)}" fill="none" stroke="{color}" stroke-width="3"/>')
        for i, v in enumerate(values):
            if is_missing(v):
                continue
            tip = _("Week of {date}").format(date=dates.day(weeks[i])) + f"\n{label}: {show(v, 'pct')}"
            out.append(f'<circle cx="{px(i):.1f}" cy="{py(float(v)):.1f}" r="5" fill="{color}">'
                       f'<title>{esc(tip)}</title></circle>')
    out.append("</svg>")
    return "".join(out)


# --- the page -------------------------------------------------------------------------------

CSS = """
:root { --ink: #212529; --muted: #6c757d; --line: #dee2e6; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
       color: var(--ink); margin: 24px auto; max-width: 1100px; padding: 0 16px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 28px 0 10px; border-bottom: 2px solid var(--ink); padding-bottom: 3px; }
h3 { font-size: 14px; margin: 14px 0 4px; }
.meta { color: var(--muted); margin: 2px 0; }
.tiles { display: grid; grid-template-columns: repeat(4, 1fr); gap: 10px; }
.tile { border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px; }
.tile .label { color: var(--muted); font-size: 12px; }
.tile .value { font-size: 24px; font-weight: 600; }
.tile .change { font-size: 12px; }
.good { color: #2b8a3e; } .bad { color: #c92a2a; } .off { color: var(--muted); }
.lists { display: grid; grid-template-columns: repeat(2, 1fr); gap: 0 24px; }
.lists ul { margin: 0; padding-left: 18px; } .lists li { margin: 1px 0; }
.empty, .more { color: var(--muted); font-size: 12px; margin: 0; }
table { border-collapse: collapse; width: 100%; margin: 4px 0 8px; }
th, td { text-align: left; padding: 4px 6px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: 12px; color: var(--muted); font-weight: 600; }
td.num, th.num { text-align: right; white-space: nowrap; }
svg.chart { width: 100%; height: auto; display: block; max-width: 720px; }
svg .axis { font-size: 12px; fill: var(--muted); } svg .label { font-size: 13px; fill: var(--ink); }
svg .grid { stroke: var(--line); stroke-width: 1; }
footer { color: var(--muted); font-size: 12px; margin-top: 28px; }
@page { size: A4; margin: 12mm; }
@media print {
  body { margin: 0; max-width: none; padding: 0; font-size: 10.5pt; }
  h2 { break-after: avoid; page-break-after: avoid; }
  h3 { break-after: avoid; page-break-after: avoid; }
  .tiles { grid-template-columns: repeat(4, 1fr); }
  .tile, svg.chart, li, figure { break-inside: avoid; page-break-inside: avoid; }
  tr { break-inside: avoid; page-break-inside: avoid; }
  thead { display: table-header-group; }
  .lists { grid-template-columns: 1fr 1fr; }
  svg.chart { max-width: 100%; }
  a { color: inherit; text-decoration: none; }
}
"""


def _filters_text(filters: Filters, names: dict[str, str]) -> str:
    parts = []
    for field, label in FILTER_LABELS.items():
        values = getattr(filters, field)
        if values:
            shown = [names.get(v, v) for v in values] if field == "clients" else list(values)
            parts.append(f"{_(label)}: {', '.join(esc(v) for v in shown)}")
    return "; ".join(parts) if parts else _("none (every client, person and channel)")


def _tile(t: Tile) -> str:
    change = t.change
    if change is None:
        cls, text = "off", ""
    elif not t.arrow:
        cls, text = "off", change
    else:
        up = change.startswith("+")
        cls = {"higher": "good" if up else "bad", "lower": "bad" if up else "good"}.get(t.better, "off")
        text = ("▲ " if up else "▼ ") + change
    return (f'<div class="tile" title="{esc(t.description)}"><div class="label">{esc(t.label)}</div>'
            f'<div class="value">{esc(t.value)}</div><div class="change {cls}">{esc(text) or "&nbsp;"}</div></div>')


def _table(rows: pd.DataFrame, columns: Sequence[str], data: dict[str, Any]) -> str:
    """The columns in the one vocabulary: their terms' headers, values as the tiles write them."""
    text = text_frame(rows, columns, data["dates"], tz=data["tz"])
    numeric = [term(c).kind in QUANTITIES for c in columns]
    head = "".join(f'<th class="num">{esc(h)}</th>' if n else f"<th>{esc(h)}</th>"
                   for h, n in zip(text.columns, numeric, strict=True))
    body = "".join("<tr>" + "".join(f'<td class="num">{esc(v)}</td>' if n else f"<td>{esc(v)}</td>"
                                    for v, n in zip(r, numeric, strict=True)) + "</tr>"
                   for r in text.itertuples(index=False))
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _more(n: int) -> str:
    """The line under a list cut short: "… and 3 more"."""
    return f'<p class="more">{esc(_("… and {n} more").format(n=n))}</p>'


def _urgent(title: str, rows: pd.DataFrame, columns: list[str], empty: str, data: dict[str, Any]) -> str:
    """An urgent list: `title` and `empty` are English msgids, shown in the run's language."""
    body = _table(rows.head(URGENT_ROWS), columns, data) if not rows.empty else f'<p class="empty">{esc(_(empty))}</p>'
    more = _more(len(rows) - URGENT_ROWS) if len(rows) > URGENT_ROWS else ""
    return f"<h3>{_(title)} ({len(rows)})</h3>{body}{more}"


def _stamp(value: Any, data: dict[str, Any]) -> str:
    """The load's time in the agency's zone, to the minute (as written when it is not a time)."""
    try:
        return data["dates"].when(pd.Timestamp(value).tz_convert(data["as_of"].tz))
    except (TypeError, ValueError):
        return esc(value)


def render(data: dict[str, Any]) -> str:
    """The HTML of digest_data()'s numbers."""
    as_of: pd.Timestamp = data["as_of"]
    d: DateFormat = data["dates"]
    days = data["period_days"]
    period = ngettext("{span} ({n} day)", "{span} ({n} days)", days).format(
        span=d.span(data["period_start"], data["period_end"]), n=days)
    tz = esc(str(as_of.tz))
    parts = [
        "<!DOCTYPE html>", f'<html lang="{lang.current()}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(_('Agency Pulse — weekly review as of {date}').format(date=d.day(as_of)))}</title>",
        f"<style>{CSS}</style></head><body>",
        f"<header><h1>{esc(_('Agency Pulse — Weekly review'))}</h1>",
        f'<p class="meta"><b>{_("As of")}</b> {d.when(as_of)} ({tz}) · <b>{_("Period")}</b> {period}</p>',
        f'<p class="meta"><b>{_("Filters")}</b>: {_filters_text(data["filters"], data["names"])}</p>',
        '<p class="meta">' + _("Data loaded {when}").format(when=_stamp(data["loaded_at"], data)) + "</p>"
        if data.get("loaded_at") else "",
        "</header>",
        f'<section id="headline"><h2>{_(SECTIONS[0])}</h2><div class="tiles">',
        *(_tile(t) for t in data["tiles"]),
        '</div><p class="more">' + _("Change: against the previous period of the same length (flows) or the same "
                                     "moment one period earlier (levels).") + "</p></section>",
    ]
    # what changed
    parts.append(f'<section id="changes"><h2>{_(SECTIONS[1])}</h2>')
    parts.append('<p class="meta">' + ngettext(
        "Against {when}: what is new in the {n} day up to {date}. Each line names the client and who is "
        "responsible (PM for deadlines, account manager otherwise).",
        "Against {when}: what is new in the {n} days up to {date}. Each line names the client and who is "
        "responsible (PM for deadlines, account manager otherwise).", changes.WEEK_DAYS).format(
        when=d.when(data["last_week"].tz_convert(as_of.tz)), n=changes.WEEK_DAYS, date=d.day(as_of))
        + '</p><div class="lists">')
    for c in changes.LISTS:
        rows = data["changes"][c.key]
        parts.append(f'<div class="list" id="change-{c.key}"><h3>{_(c.title)} ({len(rows)})</h3>')
        if rows.empty:
            parts.append(f'<p class="empty">{_(c.empty)}</p>')
        else:
            parts.append("<ul>" + "".join(f"<li>{c.line(r, esc, d)}</li>" for r in rows.head(CHANGE_ROWS).itertuples())
                         + "</ul>")
            if len(rows) > CHANGE_ROWS:
                parts.append(_more(len(rows) - CHANGE_ROWS))
        parts.append("</div>")
    parts.append("</div></section>")
    # clients at risk
    lowest: pd.DataFrame = data["at_risk"]
    parts.append(f'<section id="at-risk"><h2>{_(SECTIONS[2])}</h2>')
    if lowest.empty:
        parts.append(f'<p class="empty">{esc(_("No client has a health score for these filters."))}</p>')
    else:
        window = health.HEALTH_WINDOW_DAYS
        heading = ngettext("Lowest health scores (last {n} day)", "Lowest health scores (last {n} days)",
                           window).format(n=window)
        parts.append(f'<h3>{esc(heading)}</h3><figure style="margin:0">'
                     f"{at_risk_svg(lowest, data['bands'])}</figure>")
        parts.append(_table(lowest.assign(main_issue=lowest["main_issue_label"]),
                            ["client_name", "health_score", "main_issue", "main_reason"], data))
    parts.append("</section>")
    # urgent
    parts.append(f'<section id="urgent"><h2>{_(SECTIONS[3])}</h2>')
    parts.append(_urgent(N_("Overdue deliverables, longest overdue first"), data["overdue"],
                         ["deliverable_name", "client_name", "days_overdue", "project_manager"],
                         N_("No open deliverable is past its due date."), data))
    parts.append(_urgent(N_("Threads waiting on us, longest wait first"), data["queue"],
                         ["client_name", "channel", "wait_hours", "owner", "breached"],
                         N_("No client message is waiting for a reply."), data))
    parts.append(_urgent(N_("Overdue approvals, oldest first"), data["overdue_approvals"],
                         ["deliverable", "client_name", "round", "age_days", "approver"],
                         N_("No approval round is past its deadline."), data))
    parts.append("</section>")
    # trend
    dl, rp = data["trend_deadlines"], data["trend_replies"]
    parts.append(f'<section id="trend"><h2>{_(SECTIONS[4])}</h2>')
    if dl["on_time_rate"].isna().all() and rp["sla_breach_rate"].isna().all():
        none = ngettext("No delivery and no client request in the last {n} week.",
                        "No delivery and no client request in the last {n} weeks.", TREND_WEEKS).format(n=TREND_WEEKS)
        parts.append(f'<p class="empty">{esc(none)}</p>')
    else:
        parts.append(f'<figure style="margin:0">{trend_svg(dl, rp, d)}</figure>')
    parts.append("</section>")
    parts.append("<footer>" + _("Agency Pulse weekly digest, generated {when} ({tz}). Hover a bar or a point for its "
                                "details. Definitions: the metric dictionary (docs/metrics.md).").format(
        when=d.when(pd.Timestamp.now(tz=as_of.tz)), tz=tz) + "</footer></body></html>")
    return "\n".join(p for p in parts if p)


# --- the command ----------------------------------------------------------------------------

def resolve_filters(con: duckdb.DuckDBPyConnection, given: dict[str, list[str]]) -> Filters:
    """The CLI's filter values → Filters, as the page's URL would set them; a client by id or
    name (every client of that name), anything not in the data is refused with its name."""
    options = filter_options(con)
    names = client_names(con)
    chosen: dict[str, tuple[str, ...]] = {}
    for flag, field in CLI_FILTERS.items():
        values = given.get(flag) or []
        if field == "clients":
            ids: list[str] = []
            for v in values:
                found = [v] if v in names else [cid for cid, n in names.items() if n == v]
                if not found:
                    raise CliError(2, f"--client {v!r}: no client with that id or name")
                ids += [c for c in found if c not in ids]
            chosen[field] = tuple(ids)
        else:
            unknown = [v for v in values if v not in options[field]]
            if unknown:
                known = ", ".join(options[field][:8]) + (" …" if len(options[field]) > 8 else "")
                raise CliError(2, f"--{flag} {unknown[0]!r}: not in the data (known: {known or 'none'})")
            chosen[field] = tuple(dict.fromkeys(values))
    return Filters(**chosen)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m metrics.digest", description=__doc__.splitlines()[0])
    question_arguments(ap)
    ap.add_argument("--out", required=True, help="the HTML file to write")
    for flag, field in CLI_FILTERS.items():
        ap.add_argument(f"--{flag}", action="append", metavar="NAME" if flag != "client" else "NAME_OR_ID",
                        help=f"{FILTER_LABELS[field]} filter (repeat for several)")
    args = ap.parse_args(argv)
    out = Path(args.out)
    try:
        settings = cli_settings(args.settings)
        speak_for(args, settings)
        check_period(args.period_days)
        if out.is_dir():
            raise CliError(2, f"--out {out} is a folder")
        if not out.parent.is_dir():
            raise CliError(2, f"--out {out}: folder {out.parent} does not exist")
        with pinned_db(args.db, settings) as snap:
            filters = resolve_filters(snap, {flag: getattr(args, flag) for flag in CLI_FILTERS})
            ctx = Context(settings, cli_as_of(args.as_of, snap, settings), args.period_days, filters)
            text = build_digest(snap, ctx)
        try:
            out.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise CliError(1, f"cannot write {out}: {exc.strerror or exc}") from None
    except CliError as exc:
        print(f"digest failed: {exc.message}", file=sys.stderr)
        return exc.code
    print(f"wrote {out} ({out.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
