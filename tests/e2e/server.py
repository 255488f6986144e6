"""A real dashboard server for a browser: `python -m views.serve` (what `python3 dev.py run` starts)
on a free port of 127.0.0.1, healthy before it is handed over. The browser tests and the browser
benchmark (bench/browser.py) both start theirs here."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from data.settings import ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the dashboard exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError("the dashboard did not become healthy")


@contextmanager
def serving(db: Path, log: IO[str] | int = subprocess.DEVNULL, env: dict[str, str] | None = None) -> Iterator[str]:
    """The dashboard on db (synced from the bundled sample when empty) → its URL, stopped on exit;
    env adds to the server's environment (e.g. PULSE_WARM=0)."""
    port = free_port()
    environ = {**os.environ, "PULSE_DB": str(db), **(env or {})}
    environ.pop("PULSE_SOURCE", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "views.serve", "--server.port", str(port), "--server.address", "127.0.0.1",
         "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=environ, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
