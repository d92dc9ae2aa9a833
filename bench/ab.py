"""A/B against an earlier tree: ``python -m bench.ab <rev> [bench-names...]``.

Checks ``<rev>`` and ``--new`` (default ``HEAD``) out into git worktrees under ``/work/ab-trees/``
(``AB_TREES``) and measures the same benchmark on both trees in the same run: each tree in a child
process of its own whose ``PYTHONPATH`` is that tree (plus its ``generated/`` where the tree still had
``dpat_api`` as a top-level package). The child checks that ``sectra_dpat_client`` (and ``dpat_api``)
really come from its tree: the editable install would otherwise hand every child the working tree.
After ``--warmup`` untimed rounds the two trees take turns for ``--rounds`` rounds, the order flipping
every round. Reported per metric: min / median / max of each side, wall and CPU, and the per-round
ratio old / new (> 1: the new tree is faster), median with its min and max.

The measurements use only what both trees share (``DPATAIClient(url, token=...)``, the fast path,
``AnalysisApp``), not the current bench modules, which import names the old trees lack:

* ``p1_inmemory``: ``get_image_info`` per call, the client's own default stack (retries, auth, gate)
  over an in-memory transport: ``httpx.HTTPTransport`` is replaced in the child by one answering
  canned ``/info`` and ``ImageInfo`` bodies, so both trees build their default client unchanged;
* ``p1_loopback``: ``get_image_info`` against one simulator (of the new tree) on 127.0.0.1, ours and
  raw ``httpx.Client.get().json()`` in the same child rounds (P1's ratio, per tree);
* ``p2``: ``fast_primitive_result(...).to_bytes()`` at 10k / 100k / 1M points (bodies compared);
* ``p7_create``: create invocations/s of an `AnalysisApp` under uvicorn in the child, each storing a
  placeholder on the simulator, 400 per round over 16 raw-socket keep-alive connections;
* ``p7_validation``: one big create invocation (10k / 100k points, ``--points``) POSTed to that receiver until
  it answers (body read, JSON, schema, app id, replay key where the tree has it, the placeholder).

The receivers' CPU is their whole process tree's (``/proc``: offload workers included).
"""

from __future__ import annotations

import argparse
import functools
import gc
import hashlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

__all__ = [
    "BENCHES",
    "Side",
    "TreeMismatchError",
    "check_tree",
    "child_env",
    "differing_bodies",
    "main",
    "run_ab",
    "worktree",
]

ROOT = Path(__file__).resolve().parent.parent
TREES = Path(os.environ.get("AB_TREES", "/work/ab-trees"))
IN_PROCESS = ("p1_inmemory", "p1_loopback", "p2")
RECEIVER = ("p7_create", "p7_validation")
BENCHES = IN_PROCESS + RECEIVER
NEEDS_SIMULATOR = ("p1_loopback", *RECEIVER)

SERVER_INFO = b'{"apiVersion":"1.10","softwareVersion":"4.2.0.22617"}'
SLIDE_ID = "4d628b512980"
IMAGE_INFO = (  # the simulator's answer for one slide (fake data)
    b'{"id":"4d628b512980","isStreamable":true,"imageSize":{"width":20000,"height":15000},'
    b'"tileSize":{"width":256,"height":256},"micronsPerPixel":0.25,"focalPlanes":[{"id":"0","offsetUm":0.0}],'
    b'"opticalPaths":[{"id":"0","description":"Brightfield"}],'
    b'"storedTileFormat":{"mimeType":"image/jp2","extension":"jp2"},'
    b'"availableTileFormats":[{"mimeType":"image/jpeg","extension":"jpg"},{"mimeType":"image/png","extension":"png"}],'
    b'"fileFormat":{"mimeType":"application/dicom"},"staining":{"displayName":"HE"},"block":{"displayName":"A1"},'
    b'"specimen":{"anatomy":"Breast","description":"Resection"},"qualityControl":{"status":"NotSet","versionId":"1"}}'
)
P2_SIZES = {10_000: 20, 100_000: 4, 1_000_000: 1}  # points: calls per round
P7_CALLS, P7_CONNECTIONS = 400, 16
P7_POINTS = (10_000, 100_000)  # default sizes of p7_validation (--points); the old trees take ~50 s CPU at 1M
P7_REPEAT = {10_000: 10}  # bodies per round (other sizes: 1)
TOKEN_HOLE = b"c" * 32  # replaced by a fresh cancellation token per body (none is a replay)


class TreeMismatchError(RuntimeError):
    """The child imported the package from somewhere else than the tree it was given."""


# --- worktrees and child processes --------------------------------------------------------------


def _git(*args: str, cwd: Path = ROOT) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def worktree(rev: str, overlays: tuple[str, ...] = ()) -> Path:
    """A detached worktree of ``rev`` under `TREES` (reused when one in the same state is there).

    ``overlays`` (``PATH@REV``) are files copied into it from another revision, for a tree that does
    not import as committed (a file its commit uses but a later commit added).
    """
    sha = _git("rev-parse", "--verify", f"{rev}^{{commit}}")
    path = _tree_path(sha, overlays)
    wanted = sorted(overlay.rsplit("@", 1)[0] for overlay in overlays)
    if path.is_dir():
        changed = sorted(line[3:] for line in _git("status", "--porcelain", cwd=path).splitlines())
        if _git("rev-parse", "HEAD", cwd=path) == sha and changed == wanted:
            return path
        raise RuntimeError(f"{path} exists but is not {sha[:12]} with {wanted or 'nothing'} changed")
    TREES.mkdir(parents=True, exist_ok=True)
    _git("worktree", "add", "--detach", str(path), sha)
    for overlay in overlays:
        file, source = overlay.rsplit("@", 1)
        (path / file).write_bytes(
            subprocess.run(["git", "show", f"{source}:{file}"], cwd=ROOT, check=True, capture_output=True).stdout
        )
    return path


def _tree_path(sha: str, overlays: tuple[str, ...]) -> Path:
    if not overlays:
        return TREES / sha[:12]
    return TREES / f"{sha[:12]}+{hashlib.sha256(repr(sorted(overlays)).encode()).hexdigest()[:8]}"


def remove_worktree(path: Path) -> None:
    """Remove a worktree made by `worktree`."""
    _git("worktree", "remove", "--force", str(path))


def child_env(tree: Path) -> dict[str, str]:
    """The environment of a child measuring ``tree``: its root first on ``PYTHONPATH``, and its
    ``generated/`` too if the tree imports the generated packages at the top level (before they
    moved under ``sectra_dpat_client._generated``)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    paths = [str(tree)]
    if not (tree / "sectra_dpat_client" / "_generated").exists() and (tree / "generated" / "dpat_api").is_dir():
        paths.append(str(tree / "generated"))
    env["PYTHONPATH"] = os.pathsep.join(paths)
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # leave the worktrees clean
    return env


def check_tree(tree: Path) -> dict[str, str]:
    """In the child: the files ``sectra_dpat_client`` and ``dpat_api`` were imported from, all inside
    ``tree``; else `TreeMismatchError`."""
    import importlib
    import importlib.util

    root = tree.resolve()
    found: dict[str, str] = {}
    names = ["sectra_dpat_client"]
    names += [n for n in ("dpat_api", "sectra_dpat_client._generated.dpat_api") if _findable(importlib.util, n)]
    for name in names:
        module = importlib.import_module(name)
        where = Path(module.__file__ or "").resolve()
        if root not in where.parents:
            raise TreeMismatchError(f"{name} was imported from {where}, not from the tree {root}")
        found[name] = str(where)
    return found


def _findable(util: Any, name: str) -> bool:
    try:
        return util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


@dataclass
class Side:
    """One tree's child process and what it measured."""

    label: str
    rev: str
    tree: Path
    process: subprocess.Popen[str] | None = None
    ready: dict[str, Any] = field(default_factory=dict)
    samples: list[dict[str, Any]] = field(default_factory=list)

    def start(self, mode: str, params: dict[str, Any]) -> dict[str, Any]:
        """Start the child in ``mode``; return its first line (the check of its imports)."""
        command = [sys.executable, "-P", str(Path(__file__).resolve()), "--child", str(self.tree), mode]
        self.process = subprocess.Popen(
            [*command, json.dumps(params)],
            cwd=self.tree,
            env=child_env(self.tree),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.ready = self._read()
        return self.ready

    def ask(self, round_number: int) -> dict[str, Any]:
        """One measured round in the child."""
        assert self.process is not None
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps({"round": round_number}) + "\n")
        self.process.stdin.flush()
        return self._read()

    def _read(self) -> dict[str, Any]:
        assert self.process is not None
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            code = self.process.wait(timeout=30)
            raise RuntimeError(f"the {self.label} child ({self.tree}) ended with {code} before answering")
        answer: dict[str, Any] = json.loads(line)
        if "error" in answer:
            raise TreeMismatchError(f"{self.label} child: {answer['error']}")
        return answer

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None


# --- the child side -----------------------------------------------------------------------------


def _timed(fn: Callable[[], Any], repeat: int) -> dict[str, float]:
    """Wall and CPU seconds per call of ``repeat`` calls of ``fn``."""
    gc.collect()
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(repeat):
        fn()
    return {"wall": (time.perf_counter() - wall) / repeat, "cpu": (time.process_time() - cpu) / repeat}


def _p1_inmemory(params: dict[str, Any]) -> Callable[[int], dict[str, Any]]:
    import httpx

    answered = [0]

    class Canned(httpx.HTTPTransport):
        """The default transport, answering from memory (its pool is built and never used)."""

        def handle_request(self, request: httpx.Request) -> httpx.Response:
            answered[0] += 1
            body = IMAGE_INFO if "/slides/" in request.url.path else SERVER_INFO
            return httpx.Response(200, headers={"Content-Type": "application/json"}, content=body, request=request)

    httpx.HTTPTransport = Canned  # type: ignore[misc]  # both trees' build_client make one by this name
    from sectra_dpat_client.ai import DPATAIClient

    calls = int(params.get("calls", 2000))
    client = DPATAIClient("http://dpat.invalid/v1", token="bench-token")  # noqa: S106 - a dummy token
    if client.get_image_info(SLIDE_ID).id != SLIDE_ID or not answered[0]:
        raise AssertionError("the in-memory transport did not answer")

    def one_round(number: int) -> dict[str, Any]:
        before = answered[0]
        sample = _timed(lambda: client.get_image_info(SLIDE_ID), calls)
        if answered[0] - before != calls:
            raise AssertionError(f"{answered[0] - before} requests for {calls} calls")
        return {"get_image_info, in-memory transport": {**sample, "unit": "us/call"}}

    return one_round


def _p1_loopback(params: dict[str, Any]) -> Callable[[int], dict[str, Any]]:
    import httpx

    from sectra_dpat_client.ai import DPATAIClient

    url, token, slide_id = params["url"], params["token"], params["slide_id"]
    calls = int(params.get("calls", 300))
    ours = DPATAIClient(url, token=token)
    raw = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}", "X-Sectra-ApiVersion": "1.10"})
    path = f"/slides/{slide_id}/info"
    candidates: dict[str, Callable[[], Any]] = {
        "get_image_info over loopback, ours": lambda: ours.get_image_info(slide_id),
        "get_image_info over loopback, raw httpx (same code in both trees)": lambda: raw.get(path).json(),
    }
    for call in candidates.values():
        for _ in range(50):
            call()

    def one_round(number: int) -> dict[str, Any]:
        names = list(candidates)
        if number % 2:
            names.reverse()
        samples: dict[str, dict[str, Any]] = {
            name: {**_timed(candidates[name], calls), "unit": "us/call"} for name in names
        }
        ours_s, raw_s = (samples[name] for name in candidates)
        samples["P1 ratio ours / raw httpx calls/s (per tree)"] = {
            "wall": raw_s["wall"] / ours_s["wall"],
            "cpu": raw_s["cpu"] / ours_s["cpu"],
            "unit": "x",
            "higher_is_better": True,
        }
        return samples

    return one_round


def _p2(params: dict[str, Any]) -> Callable[[int], dict[str, Any]]:
    import numpy as np
    import orjson

    from sectra_dpat_client.ai import PrimitiveBatch, Style, fast_primitive_result

    rng = np.random.default_rng(2026)
    arrays = {size: list(rng.uniform(0, 100_000, size=(size // 1000, 1000, 2))) for size in P2_SIZES}

    def fast(points: list[Any]) -> bytes:
        batch = PrimitiveBatch(polygons=points, style=Style(strokeStyle="#00ff00"))
        return fast_primitive_result("slide-1", batch, display_result="cells", application_version="1.0").to_bytes()

    digests = {}
    for size, points in arrays.items():
        body = fast(points)
        canonical = orjson.dumps(orjson.loads(body), option=orjson.OPT_SORT_KEYS)
        digests[f"{size}"] = {
            "bytes": hashlib.sha256(body).hexdigest()[:16],
            "json": hashlib.sha256(canonical).hexdigest()[:16],
            "mb": round(len(body) / 1e6, 2),
        }

    def one_round(number: int) -> dict[str, Any]:
        samples: dict[str, Any] = {}
        for size, repeat in P2_SIZES.items():
            sample = _timed(lambda points=arrays[size]: fast(points), repeat)  # type: ignore[misc]
            samples[f"P2 fast path, {size:,} points"] = {**sample, "unit": "ms/body"}
        samples["_digests"] = digests  # every round: the warm-up's answers are not kept
        return samples

    return one_round


def _receiver(params: dict[str, Any], out: IO[str], identity: dict[str, str]) -> None:
    import uvicorn

    from sectra_dpat_client.app import AnalysisApp, InvocationContext

    app = AnalysisApp(
        application_id=params["app_id"], display_name="AB", manufacturer="bench", max_body_bytes=64 * 2**20
    )

    @app.on_create
    async def create(ctx: InvocationContext) -> Any:
        await ctx.respond_pending("running")
        return ctx.stored_result

    # IPPROTO_TCP: asyncio sets TCP_NODELAY only on sockets it sees as TCP (see bench/_receiver.py).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="error", access_log=False, lifespan="on"))

    def stop() -> None:
        sys.stdin.read()
        server.should_exit = True

    threading.Thread(target=stop, daemon=True).start()
    out.write(json.dumps({"ready": identity, "port": sock.getsockname()[1]}) + "\n")
    out.flush()
    server.run(sockets=[sock])


def _simulator(out: IO[str], identity: dict[str, str]) -> None:
    from sectra_dpat_client.simulator import DPATSimulator

    with DPATSimulator(slides=1) as dpat:
        served = {"url": dpat.url, "token": dpat.token, "app_id": dpat.app_id, "slide_id": dpat.slide_ids[0]}
        out.write(json.dumps({"ready": identity, **served}) + "\n")
        out.flush()
        sys.stdin.read()


CHILD_BENCHES: dict[str, Callable[[dict[str, Any]], Callable[[int], dict[str, Any]]]] = {
    "p1_inmemory": _p1_inmemory,
    "p1_loopback": _p1_loopback,
    "p2": _p2,
}


def _child(tree: Path, mode: str, params: dict[str, Any]) -> int:
    """A child process: check the imports, then answer one line per round asked on stdin."""
    out = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # anything else printed goes to stderr, not into the answers
    try:
        identity = check_tree(tree)
    except TreeMismatchError as error:
        out.write(json.dumps({"error": str(error)}) + "\n")
        return 3
    identity["python_path"] = os.environ.get("PYTHONPATH", "")
    if mode == "check":
        out.write(json.dumps({"ready": identity}) + "\n")
        return 0
    if mode == "receiver":
        _receiver(params, out, identity)
        return 0
    if mode == "simulator":
        _simulator(out, identity)
        return 0
    one_round = CHILD_BENCHES[mode](params)
    out.write(json.dumps({"ready": identity}) + "\n")
    for line in sys.stdin:
        out.write(json.dumps(one_round(int(json.loads(line)["round"]))) + "\n")
    return 0


# --- the parent side: receivers driven from here ------------------------------------------------


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of ``pid`` and its live descendants (from ``/proc``)."""
    from bench._common import proc_stat  # parent side only: a child's ``bench`` is its own tree's

    stats: dict[int, tuple[int, float]] = {}
    ticks = os.sysconf("SC_CLK_TCK")
    for entry in os.listdir("/proc"):
        fields = proc_stat(entry) if entry.isdigit() else None
        if fields is not None:
            stats[int(entry)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / ticks)
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        total += stats.get(current, (0, 0.0))[1]
        todo += [child for child, (parent, _) in stats.items() if parent == current]
    return total


def _create_body(served: dict[str, Any], points: int | None) -> bytes:
    import orjson

    invocation: dict[str, Any] = {
        "action": "create",
        "applicationId": served["app_id"],
        "slideId": served["slide_id"],
        "callbackInfo": {"url": served["url"], "token": served["token"]},
        "context": {},
        "cancellationToken": TOKEN_HOLE.decode(),
        "input": {"type": "wholeSlide"},
    }
    if points is not None:
        pts = [{"x": round(i / points, 6), "y": round(1 - i / points, 6)} for i in range(points)]
        invocation["input"] = {"type": "taggedPolygon", "content": {"polygon": {"points": pts}}}
    return orjson.dumps(invocation)


def _post(body: bytes) -> bytes:
    head = "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    head += f"Content-Length: {len(body)}\r\n\r\n"
    return head.encode() + body.replace(TOKEN_HOLE, secrets.token_hex(16).encode())


async def _read_answer(reader: Any) -> None:
    head = await reader.readuntil(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 200"):
        raise RuntimeError(head.split(b"\r\n", 1)[0].decode())
    length = int(head.lower().split(b"content-length:", 1)[1].split(b"\r\n", 1)[0])
    await reader.readexactly(length)


def _drive(port: int, requests: list[bytes], connections: int) -> None:
    import asyncio

    async def main() -> None:
        queue = list(reversed(requests))

        async def worker() -> None:
            reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=2**20)
            try:
                while queue:
                    writer.write(queue.pop())
                    await _read_answer(reader)
            finally:
                writer.close()

        await asyncio.gather(*(worker() for _ in range(connections)))

    asyncio.run(main())


def _receiver_round(
    bench: str, side: Side, number: int, *, served: dict[str, Any], points: tuple[int, ...]
) -> dict[str, Any]:
    assert side.process is not None
    port, pid = side.ready["port"], side.process.pid
    samples: dict[str, Any] = {}
    if bench == "p7_create":
        body = _create_body(served, None)
        requests = [_post(body) for _ in range(P7_CALLS)]
        cpu = tree_cpu_seconds(pid)
        wall = time.perf_counter()
        _drive(port, requests, P7_CONNECTIONS)
        wall = time.perf_counter() - wall
        samples["P7 create invocations, 400 over 16 connections"] = {
            "wall": wall / P7_CALLS,
            "cpu": (tree_cpu_seconds(pid) - cpu) / P7_CALLS,
            "unit": "ms/invocation",
        }
        return samples
    for size in points:
        body, repeat = served["bodies"][size], P7_REPEAT.get(size, 1)
        requests = [_post(body) for _ in range(repeat)]
        gc.collect()
        cpu = tree_cpu_seconds(pid)
        wall = time.perf_counter()
        _drive(port, requests, 1)
        wall = time.perf_counter() - wall
        samples[f"P7 inbound create, {size:,} points ({len(body) / 1e6:.1f} MB)"] = {
            "wall": wall / repeat,
            "cpu": (tree_cpu_seconds(pid) - cpu) / repeat,
            "unit": "MB/s",
            "mb": len(body) / 1e6,
        }
    return samples


# --- rounds and the report ----------------------------------------------------------------------


def _alternate(old: Side, new: Side, ask: Callable[[Side, int], dict[str, Any]], rounds: int, warmup: int) -> None:
    for number in range(warmup + rounds):
        order = (old, new) if number % 2 == 0 else (new, old)
        for side in order:
            started = time.perf_counter()
            sample = ask(side, number)
            kind = "warm-up" if number < warmup else "round"
            print(f"  {side.label}: {kind} {number} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
            if number >= warmup:
                side.samples.append(sample)


def run_ab(
    old: Side,
    new: Side,
    benches: list[str],
    *,
    rounds: int = 5,
    warmup: int = 1,
    params: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Measure ``benches`` on both sides, alternating round by round; the raw samples and the summary."""
    params = dict(params or {})
    report: dict[str, Any] = {"benches": {}, "trees": {}}
    with ExitStack() as stack:
        served: dict[str, Any] = {}
        if any(bench in NEEDS_SIMULATOR for bench in benches):
            simulator = Side("simulator", new.rev, new.tree)
            served = dict(simulator.start("simulator", {}))
            stack.callback(simulator.stop)
        for bench in benches:
            old.samples, new.samples = [], []
            if bench in RECEIVER:
                points = tuple(params.get("points", P7_POINTS))
                served["bodies"] = {size: _create_body(served, size) for size in points}
                for side in (old, new):
                    side.start("receiver", {"app_id": served["app_id"]})
                try:
                    time.sleep(0.3)
                    ask = functools.partial(_receiver_round, bench, served=served, points=points)
                    _alternate(old, new, ask, rounds, warmup)
                finally:
                    old.stop()
                    new.stop()
            else:
                child_params: dict[str, Any] = {**params}
                child_params.update({k: served[k] for k in ("url", "token", "slide_id") if k in served})
                try:
                    for side in (old, new):
                        side.start(bench, child_params)
                    _alternate(old, new, lambda side, n: side.ask(n), rounds, warmup)
                finally:
                    old.stop()
                    new.stop()
            for side in (old, new):
                report["trees"][side.label] = {"rev": side.rev, "tree": str(side.tree), **side.ready.get("ready", {})}
            report["benches"][bench] = summarise(old.samples, new.samples)
    return report


def summarise(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> dict[str, Any]:
    """Per metric: each side's wall/CPU spread and the per-round ratios (> 1: new is better)."""
    from bench._common import spread  # parent side only, as in tree_cpu_seconds

    summary: dict[str, Any] = {}
    for metric, first in old[0].items():
        if metric.startswith("_"):
            summary[metric] = {"old": first, "new": new[0][metric]}
            continue
        row: dict[str, Any] = {"unit": first["unit"], "mb": first.get("mb")}
        higher = bool(first.get("higher_is_better"))
        for kind in ("wall", "cpu"):
            olds = [s[metric][kind] for s in old]
            news = [s[metric][kind] for s in new]
            ratios = [n / o if higher else o / n for o, n in zip(olds, news, strict=True) if o > 0 and n > 0]
            row[kind] = {"old": spread(olds), "new": spread(news), "ratio": spread(ratios) if ratios else None}
        summary[metric] = row
    return summary


def differing_bodies(report: dict[str, Any]) -> list[str]:
    """``"<bench> <size>"`` for every body whose JSON differs between the trees (an A/B of different work)."""
    found = []
    for bench, summary in report["benches"].items():
        digests = summary.get("_digests")
        if digests is not None:
            found += [
                f"{bench} {size}"
                for size in digests["old"]
                if digests["old"][size]["json"] != digests["new"][size]["json"]
            ]
    return found


def _shown(value: float, unit: str, mb: float | None) -> float:
    if unit == "us/call":
        return value * 1e6
    if unit in ("ms/body", "ms/invocation"):
        return value * 1e3
    if unit == "MB/s" and mb:
        return mb / value
    return value


def markdown(report: dict[str, Any]) -> str:
    """The summary as a markdown table: old and new min / median / max, per-round ratio."""
    lines = [
        "| metric | unit | old min / median / max | new min / median / max | new vs old, median (min - max) |",
        "|---|---|---|---|---|",
    ]
    notes = []
    for bench, summary in report["benches"].items():
        for metric, row in summary.items():
            if metric == "_digests":
                same = {size: row["old"][size]["json"] == row["new"][size]["json"] for size in row["old"]}
                notes.append(f"{bench}: bodies decode to the same JSON in both trees: {same}")
                continue
            for kind in ("wall", "cpu"):
                cells = row[kind]
                unit = "MB per CPU-s" if row["unit"] == "MB/s" and kind == "cpu" else row["unit"]

                def three(s: dict[str, float], r: dict[str, Any] = row) -> str:
                    low, mid, high = (_shown(s[k], r["unit"], r["mb"]) for k in ("min", "median", "max"))
                    if r["unit"] == "MB/s":
                        low, high = high, low  # a throughput: the shortest time is the highest rate
                    return f"{_fmt(low)} / {_fmt(mid)} / {_fmt(high)}"

                ratio = cells["ratio"]
                shown = "n/a" if ratio is None else f"{ratio['median']:.3f}x ({ratio['min']:.3f} - {ratio['max']:.3f})"
                label = f"{metric} ({'wall' if kind == 'wall' else 'CPU'})"
                lines.append(f"| {label} | {unit} | {three(cells['old'])} | {three(cells['new'])} | {shown} |")
    return "\n".join([*lines, "", *notes])


def _fmt(value: float) -> str:
    return f"{value:.4g}" if abs(value) < 1000 else f"{value:,.0f}"


def _uptime() -> str:
    found = shutil.which("uptime")
    return subprocess.run([found], capture_output=True, text=True).stdout.strip() if found else ""


def main(argv: list[str] | None = None) -> int:
    """``python -m bench.ab <rev> [bench-names...]``: the A/B table, printed (``--json``: also saved)."""
    parser = argparse.ArgumentParser(prog="python -m bench.ab", description=__doc__.split("\n\n")[0])
    parser.add_argument("rev", help="the earlier revision (old side)")
    parser.add_argument("benches", nargs="*", metavar="bench", help=f"any of {', '.join(BENCHES)} (default: all)")
    parser.add_argument("--new", default="HEAD", help="the new side (default HEAD, checked out too)")
    parser.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_ROUNDS", "5")))
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--calls", type=int, help="calls per round for p1_* (default 2000 in memory, 300 loopback)")
    parser.add_argument(
        "--points", help=f"p7_validation sizes, comma-separated (default {','.join(map(str, P7_POINTS))})"
    )
    parser.add_argument("--json", type=Path, help="also write the report here")
    parser.add_argument("--keep", action="store_true", help="keep the worktrees")
    parser.add_argument(
        "--old-file",
        action="append",
        default=[],
        metavar="PATH@REV",
        help="copy PATH as it is at REV into the old tree (a commit that does not import as committed)",
    )
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    unknown = [bench for bench in args.benches if bench not in BENCHES]
    if unknown:
        parser.error(f"unknown bench {', '.join(unknown)}; choose from {', '.join(BENCHES)}")
    benches = list(args.benches) or list(BENCHES)
    made: list[Path] = []
    try:
        trees = {}
        for label, rev, overlays in (("old", args.rev, tuple(args.old_file)), ("new", args.new, ())):
            existed = _tree_path(_git("rev-parse", "--verify", f"{rev}^{{commit}}"), overlays).is_dir()
            trees[label] = worktree(rev, overlays)
            if not existed:
                made.append(trees[label])
        with_files = "".join(f" + {overlay}" for overlay in args.old_file)
        old = Side("old", f"{args.rev} ({_git('rev-parse', '--short', args.rev)}){with_files}", trees["old"])
        new = Side("new", f"{args.new} ({_git('rev-parse', '--short', args.new)})", trees["new"])
        started = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
        load_before = _uptime()
        params: dict[str, Any] = {} if args.calls is None else {"calls": args.calls}
        if args.points:
            params["points"] = [int(size.replace("_", "")) for size in args.points.split(",")]
        report = run_ab(old, new, benches, rounds=args.rounds, warmup=args.warmup, params=params)
        report.update(started=started, load_before=load_before, load_after=_uptime(), rounds=args.rounds)
    finally:
        if not args.keep:
            for path in made:
                remove_worktree(path)
    print(f"A/B {old.rev} (old) vs {new.rev} (new); {args.rounds} rounds after {args.warmup} warm-up")
    print(f"started {report['started']}; load before: {report['load_before']}; after: {report['load_after']}")
    for label, tree in report["trees"].items():
        print(f"  {label}: sectra_dpat_client from {tree.get('sectra_dpat_client')}")
    print(markdown(report))
    if args.json is not None:
        args.json.write_text(json.dumps(report, indent=2, default=str) + "\n")
    differing = differing_bodies(report)
    if differing:
        print(f"the trees' bodies differ ({', '.join(differing)}): they did not do the same work", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        sys.exit(_child(Path(sys.argv[2]), sys.argv[3], json.loads(sys.argv[4]) if len(sys.argv) > 4 else {}))
    sys.exit(main())
