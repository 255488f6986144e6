"""README.md and docs/*.md stand alone: every relative link lands on a file of the repository.

A clone has nothing beside the repository, so a link to `../shared/...` or to an absolute
path works only on the machine it was written on. Code comments may cite the contract's
sections; the documents a newcomer reads may not send them outside the repository.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
INLINE_CODE = re.compile(r"`[^`\n]*`")
EXTERNAL = ("http://", "https://", "mailto:")
FORBIDDEN = ("../", "SPEC.md")  # a folder beside the repository, the external contract file


def links(text: str) -> list[str]:
    """Link targets outside code (a fenced block or `inline code` shows, it does not link)."""
    text = INLINE_CODE.sub("", FENCE.sub("", text))
    return LINK.findall(text)


def slug(heading: str) -> str:
    """A heading's anchor as GitHub makes it: lower case, punctuation dropped, spaces to -."""
    text = INLINE_CODE.sub(lambda m: m.group(0).strip("`"), heading.strip()).lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    text = FENCE.sub("", path.read_text(encoding="utf-8"))
    return {slug(m) for m in re.findall(r"^#{1,6}\s+(.+?)\s*#*$", text, re.MULTILINE)}


def _ignored_by_git(path: Path) -> bool:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        return False
    return subprocess.run(["git", "check-ignore", "-q", str(path)], cwd=ROOT, check=False).returncode == 0


def broken_links(doc: Path, root: Path = ROOT) -> list[str]:
    bad = []
    for target in links(doc.read_text(encoding="utf-8")):
        if target.startswith(EXTERNAL):
            continue
        file_part, _, anchor = target.partition("#")
        if target.startswith("/"):
            bad.append(f"{target}: an absolute path")
            continue
        dest = (doc.parent / file_part).resolve() if file_part else doc
        if not dest.is_relative_to(root.resolve()):
            bad.append(f"{target}: outside the repository")
        elif not dest.exists():
            bad.append(f"{target}: no such file")
        elif _ignored_by_git(dest):
            bad.append(f"{target}: ignored by git, so a clone does not have it")
        elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
            bad.append(f"{target}: no heading #{anchor} in {dest.name}")
    return bad


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_points_into_the_repository(doc: Path) -> None:
    assert broken_links(doc) == []


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_doc_names_a_path_outside_the_repository(doc: Path) -> None:
    text = doc.read_text(encoding="utf-8")
    assert [s for s in FORBIDDEN if s in text] == []


def test_the_docs_are_found() -> None:
    names = {p.name for p in DOCS}
    assert {"README.md", "workbook.md", "calendar.md", "metrics.md"} <= names


def test_a_broken_link_is_caught(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "there.md").write_text("# Here it is\n", encoding="utf-8")
    doc = tmp_path / "README.md"
    doc.write_text(
        "[ok](docs/there.md) [ok](docs/there.md#here-it-is) [web](https://example.com) `[code](nowhere.md)`\n"
        "[gone](docs/missing.md) [out](../shared/SPEC.md) [abs](/srv/x.md) [anchor](docs/there.md#nope)\n"
        "```\n[fenced](nowhere.md)\n```\n",
        encoding="utf-8",
    )
    assert broken_links(doc, tmp_path) == [
        "docs/missing.md: no such file",
        "../shared/SPEC.md: outside the repository",
        "/srv/x.md: an absolute path",
        "docs/there.md#nope: no heading #nope in there.md",
    ]
