"""The background refresh: ticks on time, survives a failing tick, stops when asked."""

from __future__ import annotations

import threading

import pytest

from data.schedule import Schedule


def test_a_schedule_runs_its_job_every_interval_until_stopped() -> None:
    done = threading.Event()
    calls: list[int] = []

    def job() -> int:
        calls.append(1)
        if len(calls) == 3:
            done.set()
        return len(calls)

    schedule = Schedule(0.05, job).start()
    assert done.wait(5)
    schedule.stop(timeout=5)
    assert not schedule.alive and schedule.runs >= 3 and schedule.last >= 3
    ran = len(calls)
    threading.Event().wait(0.2)
    assert len(calls) == ran  # nothing after stop()


def test_a_tick_that_raises_is_logged_and_the_schedule_goes_on(caplog: pytest.LogCaptureFixture) -> None:
    done = threading.Event()
    calls: list[int] = []

    def job() -> str:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("the source is down")
        done.set()
        return "ok"

    with caplog.at_level("ERROR", logger="agency_pulse"):
        schedule = Schedule(0.05, job).start()
        assert done.wait(5)
        schedule.stop(timeout=5)
    assert schedule.last == "ok" and "scheduled sync failed" in caplog.text


def test_a_schedule_needs_a_positive_interval() -> None:
    with pytest.raises(ValueError):
        Schedule(0, lambda: None)
