"""Every Python block of README.md and examples/README.md is type-checked and run against the simulator.

Blocks are found generically (any ```python fence), so sections added later are covered too. The
names a block leaves to the reader (`callback_url`, `slide_id`, `client`, ...) are supplied: typed
declarations for `mypy --strict`, real values from a `DPATSimulator` at run time. A block with a
top-level `await` runs inside a coroutine; a block defining `test_*` functions runs under pytest; a
block importing `my_app` gets the README's AnalysisApp block saved as my_app.py, one importing
`my_flask_site` a plain WSGI application standing in for the reader's Flask site. Every package a
block imports is in the dev extra (FastAPI and a2wsgi for the mounting examples): none is skipped.
A block that mounts the AnalysisApp into a parent ASGI app (FastAPI, Starlette) is also served: the
simulator invokes the app at its mount path, and the parent's other routes still answer.
"""

from __future__ import annotations

import ast
import asyncio
import importlib.util
import os
import re
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount

from sectra_dpat_client.ai import AsyncDPATAIClient, DPATAIClient
from sectra_dpat_client.app import AnalysisApp, BackgroundServer, JobState
from sectra_dpat_client.simulator import DPATSimulator

from .examples import VALID

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ["README.md", "examples/README.md"]
FENCE = re.compile(r"^```python[^\n]*\n(.*?)^```", re.S | re.M)

# name -> (annotation for mypy, import the annotation needs)
SUPPLIED: dict[str, tuple[str, str]] = {
    "callback_url": ("str", ""),
    "callback_token": ("str", ""),
    "slide_id": ("str", ""),
    "accession_number": ("str", ""),
    "payload": ("Any", "from typing import Any"),
    "client": ("DPATAIClient", "from sectra_dpat_client.ai import DPATAIClient"),
    "async_client": ("AsyncDPATAIClient", "from sectra_dpat_client.ai import AsyncDPATAIClient"),
    "image_info": ("ImageInfo", "from sectra_dpat_client.models import ImageInfo"),
    "qido_url": ("str", ""),
    "qido_username": ("str", ""),
    "qido_password": ("str", ""),
    "app": ("AnalysisApp", "from sectra_dpat_client.app import AnalysisApp"),
}
PROVIDED_MODULES = {"my_app", "my_flask_site"}
FLASK_SITE = '''"""Stands in for the reader's Flask site: a WSGI application, which is what a2wsgi mounts."""

from collections.abc import Callable, Iterable, Mapping


def flask_app(environ: Mapping[str, object], start_response: Callable[..., object]) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"the flask site"]
'''


@dataclass(frozen=True)
class Block:
    source: str
    line: int
    code: str

    @property
    def name(self) -> str:
        return f"{self.source.replace('/', '_').replace('.', '_')}_L{self.line}"


def _blocks() -> list[Block]:
    found = []
    for source in SOURCES:
        text = (ROOT / source).read_text(encoding="utf-8")
        for match in FENCE.finditer(text):
            found.append(Block(source, text.count("\n", 0, match.start()) + 1, match.group(1)))
    return found


BLOCKS = _blocks()


def _bound_and_used(tree: ast.AST) -> tuple[set[str], set[str]]:
    bound: set[str] = set()
    used: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (used if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            bound.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            bound.add(node.name)
            if not isinstance(node, ast.ClassDef):
                bound.update(a.arg for a in node.args.args + node.args.kwonlyargs)
    return bound, used


def _free_names(block: Block) -> list[str]:
    bound, used = _bound_and_used(ast.parse(block.code))
    return sorted(n for n in used - bound if n in SUPPLIED)


def _top_level_await(code: str) -> bool:
    def walk(node: ast.AST) -> Iterator[ast.AST]:
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                yield child
                yield from walk(child)

    return any(isinstance(n, ast.Await | ast.AsyncWith | ast.AsyncFor) for n in walk(ast.parse(code)))


def _imported_modules(code: str) -> set[str]:
    modules: set[str] = set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Import):
            modules.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module.split(".")[0])
    return modules


def _missing_packages(block: Block) -> list[str]:
    return sorted(m for m in _imported_modules(block.code) - PROVIDED_MODULES if importlib.util.find_spec(m) is None)


def _is_test_module(block: Block) -> bool:
    return any(isinstance(n, ast.FunctionDef) and n.name.startswith("test_") for n in ast.parse(block.code).body)


def _module_text(block: Block) -> str:
    """The block as a module mypy can check: supplied names declared, top-level await in a coroutine."""
    names = _free_names(block)
    imports = sorted({SUPPLIED[n][1] for n in names if SUPPLIED[n][1]})
    declarations = [f"{n}: {SUPPLIED[n][0]}" for n in names]
    body = block.code
    if _top_level_await(body):
        body = "async def _readme_block() -> None:\n" + textwrap.indent(body, "    ")
    return "\n".join(["from __future__ import annotations", *imports, *declarations, "", body])


def _app_block() -> Block | None:
    """The README block that defines the AnalysisApp `app` that other blocks import as my_app."""
    for block in BLOCKS:
        if "AnalysisApp(" in block.code and re.search(r"^app = AnalysisApp\(", block.code, re.M):
            return block
    return None


@pytest.fixture(scope="module")
def block_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("readme_blocks")
    for block in BLOCKS:
        (folder / f"{block.name}.py").write_text(_module_text(block), encoding="utf-8")
    app_block = _app_block()
    if app_block is not None:
        (folder / "my_app.py").write_text(app_block.code, encoding="utf-8")
    (folder / "my_flask_site.py").write_text(FLASK_SITE, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def mypy_report(block_dir: Path) -> str:
    checked = [str(block_dir / f"{b.name}.py") for b in BLOCKS]
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-incremental",
            "--cache-dir",
            os.devnull,
            "--no-error-summary",
            "--config-file",
            os.devnull,
            *checked,
        ],
        cwd=block_dir,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "MYPYPATH": str(block_dir)},
    )
    return done.stdout + done.stderr


def test_the_readmes_have_python_blocks() -> None:
    assert len(BLOCKS) >= 10
    assert all(block.code.strip() for block in BLOCKS)


def test_every_package_a_block_imports_is_installed() -> None:
    """The dev extra holds them all (FastAPI, a2wsgi for the mounting examples): no block goes untested."""
    missing = {f"{b.source} line {b.line}": _missing_packages(b) for b in BLOCKS if _missing_packages(b)}
    assert not missing


def test_the_mounting_blocks_are_covered() -> None:
    mounting = [b for b in BLOCKS if {"fastapi", "a2wsgi"} & _imported_modules(b.code)]
    assert len(mounting) == 2


@pytest.mark.parametrize("block", BLOCKS, ids=[b.name for b in BLOCKS])
def test_block_passes_mypy_strict(block: Block, block_dir: Path, mypy_report: str) -> None:
    faults = [line for line in mypy_report.splitlines() if f"{block.name}.py:" in line]
    assert not faults, f"{block.source} line {block.line}:\n" + "\n".join(faults)


@pytest.fixture(scope="module", params=[False, True], ids=["omitted", "nulls"])
def dpat(request: pytest.FixtureRequest) -> Iterator[DPATSimulator]:
    """Both answer forms: absent optional properties left out, and written as null (.NET)."""
    with DPATSimulator(slides=3, api_version="1.10", app_id="my-app", nulls=request.param) as simulator:
        yield simulator


def _values(dpat: DPATSimulator, names: list[str]) -> dict[str, Any]:
    values: dict[str, Any] = {
        "callback_url": dpat.url,
        "callback_token": dpat.token,
        "slide_id": dpat.slide_ids[0],
        "payload": VALID["Result"][0][1],
        "qido_url": dpat.root_url + "/dicom-web",
        "qido_username": dpat.username,
        "qido_password": dpat.password,
    }
    if {"client", "image_info", "accession_number"} & set(names):
        values["client"] = DPATAIClient(dpat.url, token=dpat.token, app_id=dpat.app_id)
        values["image_info"] = values["client"].get_image_info(dpat.slide_ids[0], extended=True, phi=True)
        values["accession_number"] = values["image_info"].accession_number
    if "app" in names and (app_block := _app_block()) is not None:
        app_space: dict[str, Any] = {}
        exec(compile(app_block.code, "my_app", "exec"), app_space)  # noqa: S102
        values["app"] = app_space["app"]
    supplied = {n: values[n] for n in names if n in values}
    if "client" in values:
        supplied["_supplied_client"] = values["client"]
    return supplied


@pytest.mark.parametrize("block", BLOCKS, ids=[b.name for b in BLOCKS])
def test_block_runs_against_the_simulator(
    block: Block, block_dir: Path, dpat: DPATSimulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    if _is_test_module(block):
        if dpat.config.nulls:
            pytest.skip("a test block starts its own simulator: run once, with the omitted form")
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(block_dir / f"{block.name}.py")],
            cwd=block_dir,
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
            env={**os.environ, "PYTHONPATH": str(block_dir)},
        )
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
        return
    monkeypatch.syspath_prepend(str(block_dir))
    names = _free_names(block)
    space: dict[str, Any] = {"__name__": f"readme_{block.name}", **_values(dpat, names)}
    code = compile(block.code, f"{block.source}:{block.line}", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    try:
        if _top_level_await(block.code):

            async def run() -> None:
                async with AsyncDPATAIClient(dpat.url, token=dpat.token, app_id=dpat.app_id) as async_client:
                    space["async_client"] = async_client
                    await eval(code, space)  # noqa: S307

            asyncio.run(run())
        else:
            exec(code, space)  # noqa: S102
        mounts = _mounts_of_the_app(space)
        assert bool(mounts) == bool(re.search(r"\bMount\(|\.mount\(", block.code)), "a mounting block mounts the app"
        for parent, mount in mounts:
            _serve_and_invoke(parent, mount, dpat)
    finally:
        if "_supplied_client" in space:
            space["_supplied_client"].close()


def _mounts_of_the_app(space: dict[str, Any]) -> list[tuple[Starlette, Mount]]:
    """The parent ASGI apps a block built around the AnalysisApp, each with the Mount that holds it."""
    found = []
    for value in list(space.values()):
        if isinstance(value, Starlette) and not isinstance(value, AnalysisApp):
            found += [(value, r) for r in value.routes if isinstance(r, Mount) and isinstance(r.app, AnalysisApp)]
    return found


def _serve_and_invoke(parent: Starlette, mount: Mount, dpat: DPATSimulator) -> None:
    """Serve the parent, have the simulator invoke the mounted app, and see its result stored."""
    app = mount.app
    assert isinstance(app, AnalysisApp)
    dpat.register_app(app.application_id)  # the README's app may have an id of its own
    before = len(dpat.results)
    with BackgroundServer(parent) as server:
        answer = dpat.invoke(f"{server.url}{mount.path}/", action="create", application_id=app.application_id)
        assert answer.status_code == 200, answer.text
        assert app.jobs.wait_idle(30)
        others = [r for r in parent.routes if r is not mount]
        if any(isinstance(r, Mount) and r.path == "" for r in others):
            assert httpx.get(server.url + "/").text == "the flask site"
    assert [job.state for job in app.jobs.snapshot()] == [JobState.DONE]
    assert len(dpat.results) == before + 1
