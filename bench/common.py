"""Shared helpers: paths, repeated timing, profiles, Markdown tables, the environment."""

from __future__ import annotations

import cProfile
import datetime as dt
import io
import os
import platform
import pstats
import resource
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PROFILES = OUT / "profiles"
RESULTS = OUT / "results.json"
RESULTS_QUICK = OUT / "results-quick.json"

# The sample's reference moment (data/sample/sample.toml): every report benchmark asks
# the weekly question the dashboard asks of the generated agency.
AS_OF = "2026-11-20T18:00"
PERIOD_DAYS = 7


def log(*args: Any) -> None:
    """Progress goes to stderr so stdout stays the tables."""
    print(*args, file=sys.stderr, flush=True)


def nproc() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far (Linux reports KiB)."""
    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kib / 1024 if sys.platform != "darwin" else kib / 2**20


def cpu_seconds() -> float:
    """User + system CPU of this process, all threads (DuckDB's included): less bent by a
    busy neighbour than wall time, though never immune (caches, memory bandwidth)."""
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def stats(samples: Sequence[float]) -> dict[str, Any]:
    return {
        "n": len(samples),
        "median_s": statistics.median(samples) if samples else None,
        "min_s": min(samples) if samples else None,
        "runs_s": [round(s, 6) for s in samples],
    }


def repeat(fn: Callable[[], Any], runs: int, warmup: int = 1) -> tuple[dict[str, Any], float | None]:
    """Time fn() `runs` times after `warmup` untimed calls.

    Returns (stats of the wall times plus "cpu": stats of the CPU times, first call's time).
    """
    first = None
    for _ in range(warmup):
        t0 = time.perf_counter()
        fn()
        took = time.perf_counter() - t0
        first = took if first is None else first
    samples, cpu = [], []
    for _ in range(runs):
        t0, c0 = time.perf_counter(), cpu_seconds()
        fn()
        samples.append(time.perf_counter() - t0)
        cpu.append(cpu_seconds() - c0)
    return {**stats(samples), "cpu": stats(cpu)}, first


def profile_text(fn: Callable[[], Any], top: int = 15) -> str:
    """One call of fn under cProfile: top `top` by cumulative time, then top 10 by own time."""
    prof = cProfile.Profile()
    prof.enable()
    try:
        fn()
    finally:
        prof.disable()
    buf = io.StringIO()
    st = pstats.Stats(prof, stream=buf).strip_dirs()
    buf.write(f"--- top {top} by cumulative time ---\n")
    st.sort_stats("cumulative").print_stats(top)
    buf.write("--- top 10 by own (total) time ---\n")
    st.sort_stats("tottime").print_stats(10)
    # pstats pads with blank lines and a banner per print; keep the table lines.
    lines = [ln.rstrip() for ln in buf.getvalue().splitlines()]
    return "\n".join(ln for ln in lines if ln.strip()) + "\n"


def save_profile(name: str, text: str) -> Path:
    PROFILES.mkdir(parents=True, exist_ok=True)
    path = PROFILES / f"{name.replace('/', '-').replace(' ', '_')}.txt"
    path.write_text(text, encoding="utf-8")
    return path


def fmt_s(seconds: float | None) -> str:
    """412 ms, 3.27 s, 41.2 s: three significant digits where it matters."""
    if seconds is None:
        return "—"
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms" if seconds >= 0.01 else f"{seconds * 1000:.1f} ms"
    return f"{seconds:.2f} s" if seconds < 10 else f"{seconds:.1f} s"


def fmt_int(n: float | None) -> str:
    return "—" if n is None else f"{round(n):,}"


def md_table(headers: Sequence[str], rows: Sequence[Sequence[Any]], align: str | None = None) -> str:
    """A compact GitHub-flavoured Markdown table; `align` is one of l/r per column."""
    align = align or "l" + "r" * (len(headers) - 1)
    sep = ["---:" if a == "r" else "---" for a in align]
    out = ["| " + " | ".join(headers) + " |", "| " + " | ".join(sep) + " |"]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def environment() -> dict[str, Any]:
    """What the figures were measured on (the machine is shared: the load average matters)."""
    import duckdb
    import numpy
    import pandas

    return {
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "nproc": nproc(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "duckdb": duckdb.__version__,
        "pandas": pandas.__version__,
        "numpy": numpy.__version__,
        "loadavg": [round(x, 2) for x in os.getloadavg()],
    }
