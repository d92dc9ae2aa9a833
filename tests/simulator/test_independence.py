"""The simulator is the oracle the client tests run against: it must not borrow client code.

An AST walk over its modules, following every import inside ``sectra_dpat_client`` transitively (the
parent packages' ``__init__`` included, and imports under ``TYPE_CHECKING`` too), must never reach
``ai``, ``qido`` or ``wsi``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import sectra_dpat_client

PACKAGE_DIR = Path(sectra_dpat_client.__file__).parent
ROOT_NAME = "sectra_dpat_client"
CLIENT_CODE = ("ai", "qido", "wsi")


def module_file(name: str) -> Path | None:
    """The source file of a module of this package, or None (third party, or no such module)."""
    parts = name.split(".")
    if parts[0] != ROOT_NAME:
        return None
    base = PACKAGE_DIR.joinpath(*parts[1:])
    for candidate in (base / "__init__.py", base.with_suffix(".py")):
        if candidate.is_file():
            return candidate
    return None


def module_name(path: Path) -> str:
    relative = path.relative_to(PACKAGE_DIR.parent).with_suffix("")
    parts = list(relative.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_names(path: Path) -> set[str]:
    """Every module name an import statement in the file may load (absolute; ``from x import y`` gives x and x.y)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, node.module] if node.module else anchor)
            else:
                base = node.module or ""
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def reachable(start: str) -> set[str]:
    """The modules of this package loaded (transitively) by importing every module under ``start``."""
    start_dir = PACKAGE_DIR.joinpath(*start.split(".")[1:])
    todo = [module_name(path) for path in sorted(start_dir.rglob("*.py"))]
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        # importing a.b.c runs a/__init__ and a/b/__init__ first
        parents = [".".join(name.split(".")[:depth]) for depth in range(1, name.count(".") + 1)]
        for candidate in (*parents, name):
            if candidate in seen:
                continue
            path = module_file(candidate)
            if path is None:
                continue
            seen.add(candidate)
            todo.extend(imported_names(path))
    return seen


def client_code_in(modules: set[str]) -> list[str]:
    return sorted(name for name in modules if any(name.startswith(f"{ROOT_NAME}.{part}") for part in CLIENT_CODE))


def test_the_simulator_imports_no_client_code() -> None:
    modules = reachable(f"{ROOT_NAME}.simulator")
    assert f"{ROOT_NAME}.simulator.qido" in modules
    assert client_code_in(modules) == []


def test_the_walk_sees_client_imports_where_there_are_some() -> None:
    # The CLI uses the QIDO client: the same walk must report it, or the test above proves nothing.
    assert f"{ROOT_NAME}.qido" in client_code_in(reachable(f"{ROOT_NAME}.cli"))
