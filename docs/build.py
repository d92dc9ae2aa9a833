"""`make docs`: the API reference, built from the docstrings with pdoc into build/docs/api/.

Every public module is listed below (pdoc follows a package's ``__all__``, which names no submodules).
Any warning pdoc gives (an unresolvable annotation, a broken cross-reference, a module that does not
import) fails the build, except those in `KNOWN`, each with the reason it is tolerated.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import pdoc
import pdoc.render

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "build" / "docs" / "api"

MODULES = [
    "sectra_dpat_client",
    "sectra_dpat_client.ai",
    "sectra_dpat_client.models",
    "sectra_dpat_client.errors",
    "sectra_dpat_client.app",
    "sectra_dpat_client.qido",
    "sectra_dpat_client.simulator",
    "sectra_dpat_client.geometry",
    "sectra_dpat_client.wsi",
    "sectra_dpat_client.validate",
    "sectra_dpat_client.render",
    "sectra_dpat_client.pytest_plugin",
    "sectra_dpat_client.cli",
]

# (text the warning contains, why it is tolerated). Keep this short; remove entries when fixed.
KNOWN: list[tuple[str, str]] = []


def main() -> int:
    """Build the reference; exit status 1 on any warning not in `KNOWN`."""
    pdoc.render.configure(docformat="markdown", search=True, show_source=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pdoc.pdoc(*MODULES, output_directory=OUT)
    unexpected = [str(w.message) for w in caught if not any(known in str(w.message) for known, _ in KNOWN)]
    for message in unexpected:
        print(f"docs warning: {message}", file=sys.stderr)
    pages = sorted(OUT.rglob("*.html"))
    if unexpected:
        print(f"make docs: {len(unexpected)} warning(s); fix the docstrings or annotations", file=sys.stderr)
        return 1
    print(f"API reference: {len(pages)} pages in {OUT.relative_to(ROOT)}/ (open index.html)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
