"""The one direction of flow, checked on the source: data/ → metrics/ → views/ → app.py.

data/ knows no metric and no Streamlit; metrics/ knows no screen; nothing imports in a
circle (imports inside functions count: hiding one there does not make it go away).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("lang", "data", "metrics", "views")
FORBIDDEN = {
    "lang": ("data", "metrics", "views", "app", "streamlit"),
    "data": ("metrics", "views", "app", "streamlit"),
    "metrics": ("views", "app", "streamlit"),
    "views": ("app",),
}


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    return ".".join(rel.parts)


def project_modules() -> dict[str, Path]:
    found = {module_name(p): p for pkg in PACKAGES for p in (ROOT / pkg).glob("*.py") if p.name != "__init__.py"}
    found["app"] = ROOT / "app.py"
    return found


def imports_of(path: Path) -> set[str]:
    """Every module a file imports, wherever the import statement sits."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)  # `from metrics import cache`
    return names


def layer_violations(modules: dict[str, Path]) -> list[str]:
    bad = []
    for mod, path in modules.items():
        layer = mod.split(".")[0]
        for imported in imports_of(path):
            top = imported.split(".")[0]
            if top in FORBIDDEN.get(layer, ()):
                bad.append(f"{mod} imports {imported}")
    return sorted(bad)


def cycles(modules: dict[str, Path]) -> list[list[str]]:
    graph = {m: sorted({i for i in imports_of(p) if i in modules and i != m}) for m, p in modules.items()}
    found, state, stack = [], {}, []

    def visit(m: str) -> None:
        state[m] = "open"
        stack.append(m)
        for n in graph[m]:
            if state.get(n) == "open":
                found.append([*stack[stack.index(n):], n])
            elif n not in state:
                visit(n)
        stack.pop()
        state[m] = "done"

    for m in sorted(graph):
        if m not in state:
            visit(m)
    return found


def test_no_layer_imports_against_the_flow() -> None:
    assert layer_violations(project_modules()) == []


def test_no_module_imports_in_a_circle() -> None:
    assert cycles(project_modules()) == []


@pytest.mark.parametrize(("files", "expected"), [
    ({"data/a.py": "import streamlit as st\n"}, ["data.a imports streamlit"]),
    ({"data/a.py": "def f():\n    from metrics import cache\n"},
     ["data.a imports metrics", "data.a imports metrics.cache"]),
    ({"metrics/a.py": "from views.common import table\n"},
     ["metrics.a imports views.common", "metrics.a imports views.common.table"]),
    ({"views/a.py": "import app\n"}, ["views.a imports app"]),
])
def test_an_import_against_the_flow_is_caught(tmp_path: Path, files: dict[str, str], expected: list[str]) -> None:
    mods = {}
    for rel, text in files.items():
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
        mods[".".join(Path(rel).with_suffix("").parts)] = p
    assert layer_violations(mods) == expected


def test_a_circle_is_caught_even_through_an_import_inside_a_function(tmp_path: Path) -> None:
    a, b = tmp_path / "a.py", tmp_path / "b.py"
    a.write_text("from metrics import b\n")
    b.write_text("def f():\n    from metrics.a import g\n")
    assert cycles({"metrics.a": a, "metrics.b": b}) == [["metrics.a", "metrics.b", "metrics.a"]]
