#!/usr/bin/env python3
"""The two commands a newcomer needs: `python3 dev.py run` and `python3 dev.py test`.

Only Python 3.11 is assumed: the first call makes `.venv`, installs what the command
needs (again only when a requirements file changes) and re-runs itself inside it.
`test` also installs Debian's chromium for the browser tests when it is missing.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
VENV_PY = VENV / "bin" / "python"
CHROMIUM = "/usr/bin/chromium"


def _in_venv() -> bool:
    return Path(sys.prefix).resolve() == VENV.resolve()


def _ensure_venv(requirements: str) -> None:
    """Create/refresh .venv for a requirements file, then re-exec inside it."""
    if not VENV_PY.exists():
        print(f"• creating {VENV.name} with {sys.executable}", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    files = [ROOT / "requirements.txt", ROOT / "requirements-dev.txt"]
    want = hashlib.sha256(b"".join(f.read_bytes() for f in files if f.exists()) + requirements.encode()).hexdigest()
    stamp = VENV / f".installed-{requirements}"
    if not stamp.exists() or stamp.read_text() != want:
        print(f"• installing {requirements} into {VENV.name} (first run or changed requirements)", flush=True)
        pip = [str(VENV_PY), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
        subprocess.run([*pip, "--upgrade", "pip"], check=False)
        subprocess.run([*pip, "-r", str(ROOT / requirements)], check=True)
        stamp.write_text(want)
    if not _in_venv():
        os.execv(str(VENV_PY), [str(VENV_PY), str(Path(__file__).resolve()), *sys.argv[1:]])


def _ensure_chromium() -> None:
    """The browser tests drive Debian's chromium, and the digest's print test reads its PDF
    with poppler's pdftoppm; install them when we can (root + apt)."""
    if Path(CHROMIUM).exists() and shutil.which("pdftoppm"):
        return
    apt = shutil.which("apt-get")
    if apt and os.geteuid() == 0:
        print("• installing Debian's chromium and poppler-utils for the browser tests", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run([apt, "update", "-qq"], check=False, env=env)
        subprocess.run([apt, "install", "-y", "-qq", "chromium", "fonts-dejavu-core", "poppler-utils"], check=False,
                       env=env, stdout=subprocess.DEVNULL)
    if not Path(CHROMIUM).exists():
        print("! chromium is not installed and could not be: the browser tests will fail", flush=True)


def cmd_run(args: list[str]) -> int:
    _ensure_venv("requirements.txt")
    port = os.environ.get("PULSE_PORT", "8501")
    return subprocess.call(
        [str(VENV_PY), "-m", "views.serve", "--server.port", port, *args], cwd=ROOT
    )


def cmd_test(args: list[str]) -> int:
    _ensure_venv("requirements-dev.txt")
    _ensure_chromium()
    print("• ruff check", flush=True)
    lint = subprocess.call([str(VENV_PY), "-m", "ruff", "check", "."], cwd=ROOT)
    print("• pytest", flush=True)
    tests = subprocess.call([str(VENV_PY), "-m", "pytest", *args], cwd=ROOT)
    return tests or lint


def cmd_bench(args: list[str]) -> int:
    _ensure_venv("requirements-dev.txt")
    return subprocess.call([str(VENV_PY), "-m", "bench", *args], cwd=ROOT)


COMMANDS = {"run": cmd_run, "test": cmd_test, "bench": cmd_bench}


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        print("usage: python3 dev.py run | test [pytest args] | bench [names]", file=sys.stderr)
        return 2
    return COMMANDS[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
