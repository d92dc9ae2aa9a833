"""Big point arrays checked in the raw body, without building a million small dicts.

A 1M-point polygon is ~28 MB of ``{"x":0.123456,"y":0.654321}`` items; ``orjson.loads`` spends most
of its time making their dicts. `split_points` finds each array written in that compact form
(``[{"x":N,"y":N},...]``, no spaces, x first) of at least ``min_bytes``, checks its layout with numpy
passes over the bytes and its numbers with orjson (each item's text parsed as a JSON number, so
exactly orjson's grammar: no NaN, Infinity, leading zeros or out-of-range values), and returns the
body with each such array replaced by a one-item marker array (the *skeleton*, small enough to parse)
plus the arrays' point counts. `restore_runs` turns the markers of the parsed skeleton into `PointRun`
objects (`fastcheck.PointRun`), which `fastcheck.verdict` validates as arrays of that many valid points.

Anything not in that exact form stays in the skeleton (parsed as usual). The skeleton is valid JSON
exactly when the body is: each replaced array is a complete JSON array on its own and its marker
starts with the same bytes (``[{"x":``), so a string or escape open before it breaks both alike.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import numpy as np
import orjson

from .fastcheck import PointRun

__all__ = ["MIN_RUN_BYTES", "Skeleton", "point_count", "restore_runs", "split_points"]

MIN_RUN_BYTES = 64 * 1024  # smaller arrays are left to orjson: their dicts are cheap
_CHUNK = 256 * 1024  # bytes of an array checked at once (its copies and temporaries stay small)
_MAX_PIECE = 2 * _CHUNK  # the longest piece checked at once
_OPEN = b'[{"x":'
_ITEM = b'{"x":,"y":},'  # an item's bytes but its numbers, and the separator
_NUMBER_BYTES = b"0123456789+-.eE"


class Skeleton:
    """`split_points`' result: the body with big point arrays replaced by markers, and what was cut."""

    def __init__(self, text: bytes, counts: list[int], nonce: str, cuts: list[tuple[int, int]]):
        self.text = text
        self.counts = counts  # points of the i-th replaced array
        self.nonce = nonce  # the marker's key (random per body: no body can forge a marker)
        self.cuts = cuts  # (start, end) in the body of each replaced array's items

    def body_offset(self, offset: int) -> int:
        """The position in the body of the skeleton's byte ``offset`` (outside every marker)."""
        shift = 0
        for index, (start, end) in enumerate(self.cuts):
            if start - shift > offset:
                break
            shift += (end - start) - len(self._marker(index))
        return offset + shift

    def _marker(self, index: int) -> bytes:
        return b'{"x":0,"y":0,' + orjson.dumps(self.nonce) + b":" + str(index).encode() + b"}"


def split_points(body: bytes, min_bytes: int = MIN_RUN_BYTES) -> Skeleton:
    """``body`` with each compact point array of at least ``min_bytes`` that checks out replaced."""
    skeleton = Skeleton(b"", [], "points-" + secrets.token_hex(16), [])
    parts: list[bytes] = []
    kept = 0  # body[:kept] is in parts
    position = body.find(_OPEN)
    while position >= 0:
        start = position + 1  # the first item's "{"
        close = body.find(b"]", start)  # the first "]": a compact point array holds none
        if close < 0:
            break
        end = close  # just after the last item's "}" (checked with the rest)
        count = point_count(body, start, end) if end - start >= min_bytes else None
        if count is not None:
            parts.append(body[kept:start])
            parts.append(skeleton._marker(len(skeleton.counts)))
            skeleton.counts.append(count)
            skeleton.cuts.append((start, end))
            kept = end
        position = body.find(_OPEN, end)
    parts.append(body[kept:])
    skeleton.text = b"".join(parts) if skeleton.counts else body
    return skeleton


def point_count(body: bytes, start: int, end: int) -> int | None:
    """How many points ``body[start:end]`` holds when it is exactly ``{"x":N,"y":N}`` joined by commas,
    each N a JSON number orjson reads (so finite); None otherwise. Checked about `_CHUNK` bytes at a
    time, cut after a ``}`` followed by ``,{``: when the whole is comma-joined items, so is each piece
    (a ``}`` ends an item there), and conversely. No piece is longer than `_MAX_PIECE`: with no cut
    that near, the answer is None (the body goes the full way)."""
    whole = np.frombuffer(body, dtype=np.uint8)
    total = 0
    while start < end:
        if end - start > _MAX_PIECE:
            cut = body.find(b"},{", start + _CHUNK, start + _MAX_PIECE)
            if cut < 0:  # no item boundary where there must be one: not the compact form
                return None
            stop = cut + 1
        else:
            stop = end
        count = _piece_count(body[start:stop], whole[start:stop])
        if count is None:
            return None
        total += count
        start = stop + 1  # past the separating comma
    return total


def _piece_count(piece: bytes, c: np.ndarray[Any, np.dtype[np.uint8]]) -> int | None:
    """`point_count` of one piece (``c``: the same bytes as an array)."""
    # Without the number bytes, the items' fixed bytes in order: {"x":,"y":} "," {"x":,"y":} ...
    layout = piece.translate(None, _NUMBER_BYTES)
    items, tail = divmod(len(layout) + 1, len(_ITEM))
    if tail or layout != _ITEM * (items - 1) + _ITEM[:-1]:
        return None
    # Each run of number bytes starts right after a ":" and each ":" is followed by one: so the
    # numbers sit exactly at the N of the items. Number bytes: 43-57 but "," (44) and "/" (47, which
    # the layout has refused already), and "e" "E" when there are any.
    number = ((c - 43) < 15) & (c != 44)
    if b"e" in piece or b"E" in piece:
        number |= (c | 32) == 101
    colon = c == 58
    if colon[-1] or number[0] or not np.array_equal(number[1:] & ~number[:-1], colon[:-1]):
        return None
    # N,N,N,...: the comma inside an item and the one between items separate the numbers.
    try:
        values = orjson.loads(b"[" + piece.translate(None, b'{}":xy') + b"]")
    except orjson.JSONDecodeError:  # bad grammar, or a value beyond the double range
        return None
    return items if len(values) == 2 * items else None


def restore_runs(payload: Any, skeleton: Skeleton) -> tuple[Any, int]:
    """``payload`` (the parsed skeleton) with each marker array replaced by its `PointRun`, and how many
    of them lie outside the top-level ``input`` member."""
    if not skeleton.counts:
        return payload, 0
    outside = 0
    stack: list[tuple[Any, bool]] = [(payload, False)]
    while stack:
        node, in_input = stack.pop()
        if isinstance(node, dict):
            entries: Iterator[tuple[Any, Any]] = iter(node.items())
        elif isinstance(node, list):
            entries = enumerate(node)
        else:
            continue
        for key, value in list(entries):
            inside = in_input or (node is payload and key == "input")
            run = _run(value, skeleton)
            if run is not None:
                node[key] = run
                outside += not inside
            elif isinstance(value, (dict, list)):
                stack.append((value, inside))
    return payload, outside


def _run(value: Any, skeleton: Skeleton) -> PointRun | None:
    if type(value) is not list or len(value) != 1:
        return None
    item = value[0]
    if type(item) is not dict or len(item) != 3:
        return None
    index = item.get(skeleton.nonce)
    if type(index) is not int or not 0 <= index < len(skeleton.counts):
        return None
    return PointRun(skeleton.counts[index])
