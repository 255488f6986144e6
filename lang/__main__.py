"""The catalogues' three steps, with Babel: `python -m lang extract | update | compile | all`.

extract: every marked string of the code → lang/locales/messages.pot
update:  the .pot → each language's messages.po (new strings added, gone ones marked obsolete)
compile: each messages.po → messages.mo, which the app reads
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "lang" / "locales"
POT = LOCALES / "messages.pot"
TRANSLATED = ("ru", "uk")
KEYWORDS = ["-k", "_", "-k", "N_", "-k", "ngettext:1,2"]
SOURCES = ["app.py", "data", "metrics", "views"]


def _babel(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], check=True, cwd=ROOT)


def extract() -> None:
    _babel("extract", "--no-default-keywords", *KEYWORDS, "--no-location", "--sort-output", "--no-wrap",
           "--project", "Agency Pulse", "-o", str(POT.relative_to(ROOT)), *SOURCES)


def update() -> None:
    for code in TRANSLATED:
        po = LOCALES / code / "LC_MESSAGES" / "messages.po"
        if po.exists():
            _babel("update", "-i", str(POT), "-d", str(LOCALES), "-l", code, "--no-wrap", "--ignore-obsolete")
        else:
            _babel("init", "-i", str(POT), "-d", str(LOCALES), "-l", code, "--no-wrap")


def compile_() -> None:
    _babel("compile", "-d", str(LOCALES), "--statistics")


def main(argv: list[str]) -> int:
    steps = {"extract": [extract], "update": [update], "compile": [compile_], "all": [extract, update, compile_]}
    if len(argv) != 1 or argv[0] not in steps:
        print(__doc__)
        return 2
    for step in steps[argv[0]]:
        step()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
