"""`python -m bench [sync] [report] [pages] [browser] [first] [proxy] [--runs N] [--quick] [--profile]`.

Prints one Markdown table per benchmark and writes everything (every run's time, the
stages, sizes, the environment) to bench/out/results.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from bench.common import OUT, RESULTS, RESULTS_QUICK, environment, log

BENCHMARKS = ("sync", "report", "pages", "browser", "first", "proxy")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*", metavar="name", help=f"benchmarks to run: {', '.join(BENCHMARKS)} (all)")
    ap.add_argument("--runs", type=int, help="timed runs per case (default: 3 for the 10M-cell syncs, 5 for the "
                                             "sample sync and the report, 20 for the families on the sample)")
    ap.add_argument("--quick", action="store_true", help="smoke run: a 1M-cell workbook, a ~100k-message DB, "
                                                         "fewer runs")
    ap.add_argument("--profile", action="store_true", help="cProfile every case (missed targets always are)")
    args = ap.parse_args(argv)
    names = args.names or list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        ap.error(f"unknown benchmark(s) {', '.join(unknown)} (choose from {', '.join(BENCHMARKS)})")
    if args.runs is not None and args.runs < 1:
        ap.error("--runs must be 1 or more")

    OUT.mkdir(parents=True, exist_ok=True)
    env = environment()
    print(f"# Agency Pulse benchmarks — {env['date']}, nproc {env['nproc']}, Python {env['python']}, "
          f"DuckDB {env['duckdb']}, pandas {env['pandas']}{' (quick)' if args.quick else ''}")
    print(f"load average at start: {', '.join(map(str, env['loadavg']))}\n")
    results: dict[str, Any] = {}
    for name in names:
        t0 = time.perf_counter()
        if name == "sync":
            from bench import sync

            res = sync.run(args.runs, args.quick, args.profile)
        elif name == "pages":
            from bench import pages

            res = pages.run(args.runs, args.quick, args.profile)
        elif name == "browser":
            from bench import browser

            res = browser.run(args.runs, args.quick, args.profile)
        elif name == "first":
            from bench import first_visit

            res = first_visit.run(args.runs, args.quick, args.profile)
        elif name == "proxy":
            from bench import proxy

            res = proxy.run(args.runs, args.quick, args.profile)
        else:
            from bench import report

            res = report.run(args.runs, args.quick, args.profile)
        res["wall_s"] = round(time.perf_counter() - t0, 1)
        res["environment"] = env
        results[name] = res
        print(f"## {name}\n")
        if res.get("inputs"):
            print(res["inputs"] + "\n")
        print(res["table"] + "\n", flush=True)

    env["loadavg_end"] = environment()["loadavg"]
    path = RESULTS_QUICK if args.quick else RESULTS  # a smoke run never overwrites the real figures
    previous: dict[str, Any] = {}
    if path.exists():
        try:
            previous = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            previous = {}
    # Keep the other benchmark's last figures when only one was run (each carries its environment).
    doc = {"environment": env, "quick": args.quick, "benchmarks": {**previous.get("benchmarks", {}), **results}}
    path.write_text(json.dumps(doc, indent=2, default=str), encoding="utf-8")
    log(f"results written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
