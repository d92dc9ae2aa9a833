"""`make bench`: run every benchmark (bench/p*_*.py), each in a process of its own, and report ratios.

Each module exposes ``run()`` returning one row or a list of rows (one per size; see bench/_common.compare),
measuring ours and its baseline in the same process, interleaved round by round after a warm-up. The
ratio column is the median of the per-round ratios with their min and max. The table goes to the
terminal, bench/results.json and the marked section of bench/README.md.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TIMEOUT_SECONDS = 1800
BEGIN, END = "<!-- bench-table:begin -->", "<!-- bench-table:end -->"


def _modules(selected: list[str]) -> list[str]:
    names = sorted(p.stem for p in HERE.glob("p[0-9]*_*.py"))
    if selected:
        names = [n for n in names if any(n.startswith(s) for s in selected)]
    return names


def _run_one(name: str) -> list[dict[str, Any]]:
    code = f"import json, bench.{name} as m; print('\\n' + json.dumps(m.run()))"
    started = time.monotonic()
    try:
        done = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False
        )
    except subprocess.TimeoutExpired:
        return [{"module": name, "error": f"timed out after {TIMEOUT_SECONDS} s"}]
    if done.returncode != 0:
        return [{"module": name, "error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed"}]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    rows: list[dict[str, Any]] = result if isinstance(result, list) else [result]
    for row in rows:
        row["module"] = name
        row["wall_s"] = round(time.monotonic() - started, 1)
    return rows


def _table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| metric | ours | baseline | unit | ratio (median) | min - max | target | met |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        if "error" in row:
            lines.append(f"| {row['module']} | error: {row['error']} | | | | | | no |")
            continue
        low, high = row.get("ratio_min"), row.get("ratio_max")
        span = f"{low:.2f} - {high:.2f}" if low is not None and high is not None else "n/a"
        baseline = f"{row['baseline']:.4g}" if row.get("baseline") is not None else "n/a"
        ratio = f"{row['ratio']:.2f}x" if row.get("ratio") is not None else "n/a"
        target = row.get("target_text") or (f">= {row['target']}x" if row.get("target") is not None else "n/a")
        met = "n/a" if row.get("met") is None else ("yes" if row["met"] else "NO")
        lines.append(
            f"| {row['metric']} | {row['ours']:.4g} | {baseline} | {row['unit']} | {ratio} | {span} | "
            f"{target} | {met} |"
        )
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    rows = []
    for name in _modules(argv):
        print(f"running {name} ...", flush=True)
        rows.extend(_run_one(name))
    table = _table(rows)
    print(table)
    results = HERE / "results.json"
    if argv and results.exists():
        # A partial run replaces only the rows of the modules it ran.
        ran = {row["module"] for row in rows}
        kept = [row for row in json.loads(results.read_text(encoding="utf-8") or "[]") if row.get("module") not in ran]
        rows_out = sorted(kept + rows, key=lambda row: str(row.get("module")))
    else:
        rows_out = rows
    results.write_text(json.dumps(rows_out, indent=2) + "\n", encoding="utf-8")
    readme = HERE / "README.md"
    if readme.exists() and BEGIN in readme.read_text(encoding="utf-8") and not argv:
        text = readme.read_text(encoding="utf-8")
        head, rest = text.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        readme.write_text(f"{head}{BEGIN}\n{table}\n{END}{tail}", encoding="utf-8")
    return 1 if any("error" in row for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
