"""Benchmarks for Agency Pulse: `python -m bench [sync] [report] [--runs N] [--quick] [--profile]`.

Timings live here and in bench/out/results.json, never in the tests: the machine is
shared and noisy, so every figure is a median (and min) over repeated runs.
"""
