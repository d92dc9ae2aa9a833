"""wsi does no network I/O of its own: its loops live with the IA-API clients (issue 11 item 9)."""

from __future__ import annotations

import ast
from pathlib import Path

import sectra_dpat_client.wsi as wsi

WSI = Path(wsi.__file__).parent


def _runtime_imports(tree: ast.Module) -> list[str]:
    """Modules a source imports when it runs (``if TYPE_CHECKING:`` blocks left out), relative ones as ``.x``."""
    found: list[str] = []

    def visit(nodes: list[ast.AST]) -> None:
        for node in nodes:
            if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
                visit(node.orelse)
                continue
            if isinstance(node, ast.Import):
                found.extend(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                found.append("." * node.level + (node.module or ""))
            for field in ("body", "orelse", "finalbody", "handlers"):
                visit(getattr(node, field, []))

    visit(list(tree.body))
    return found


def test_wsi_has_no_async_sync_loops_and_imports_no_client_nor_generated_call() -> None:
    assert not (WSI / "_async").exists()
    assert not (WSI / "_sync").exists()
    for source in sorted(WSI.glob("*.py")):
        imports = _runtime_imports(ast.parse(source.read_text(encoding="utf-8")))
        clients = [m for m in imports if m.startswith(("..ai", "sectra_dpat_client.ai", "..qido"))]
        calls = [m for m in imports if "_generated.dpat_api.api" in m]
        assert not clients, f"{source.name} imports a client at run time: {clients}"
        assert not calls, f"{source.name} imports a generated request: {calls}"


def test_the_layering_check_sees_runtime_and_skips_type_checking_imports() -> None:
    tree = ast.parse(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..ai import X\nelse:\n    import a\n"
        "try:\n    from ..ai._sync import y\nexcept ImportError:\n    import b\n"
    )
    assert _runtime_imports(tree) == ["typing", "a", "..ai._sync", "b"]


def test_dir_lists_the_names_imported_from_the_clients_on_first_use() -> None:
    """`dir()` (and so completion) shows every public name, also those `__getattr__` imports later."""
    import subprocess
    import sys

    code = (
        "import sectra_dpat_client.wsi as w, sectra_dpat_client.wsi.regions as r, sectra_dpat_client.wsi.download as d\n"
        "missing = [(m.__name__, n) for m in (w, r, d) for n in m.__all__ if n not in dir(m)]\n"
        "assert not missing, missing\n"
        "import sys; assert 'sectra_dpat_client.ai' not in sys.modules, 'dir imported the clients'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
