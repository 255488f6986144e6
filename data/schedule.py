"""The dashboard's own refresh: sync the source every `refresh_minutes`, in the background.

A meeting must not look at last week's sync because nobody pressed *Sync now*. The running
app starts one `Schedule` per DuckDB file; each tick calls the same `data.sync.run_sync` as
the button and the command line, so the one-at-a-time rule holds across all three (a tick
that finds a sync running waits for it, then syncs afresh). Pages keep reading the last
complete load while it runs (every page run reads one snapshot), and a failing source leaves
that load in place: the failure is recorded and every page's data stamp says so.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

__all__ = ["Schedule"]

log = logging.getLogger("agency_pulse")


class Schedule:
    """Run `job` every `every_seconds` on a daemon thread until `stop()`; a job that raises is
    logged and the schedule goes on (the next tick may find the source back)."""

    def __init__(self, every_seconds: float, job: Callable[[], Any], name: str = "pulse-refresh") -> None:
        if every_seconds <= 0:
            raise ValueError("every_seconds must be positive")
        self.every_seconds = every_seconds
        self.runs = 0
        self.last: Any = None
        self._job = job
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)

    def start(self) -> Schedule:
        self._thread.start()
        return self

    def stop(self, timeout: float | None = None) -> None:
        self._stop.set()
        self._thread.join(timeout)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def _loop(self) -> None:
        while not self._stop.wait(self.every_seconds):
            try:
                self.last = self._job()
            except Exception:  # never let one bad tick end the schedule
                log.exception("scheduled sync failed")
            self.runs += 1
