"""bench/ab.py: each child imports the package from the tree it measures, or refuses to measure."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import ab

ROOT = Path(__file__).resolve().parents[2]


def test_child_imports_the_tree_it_is_given() -> None:
    side = ab.Side("new", "working tree", ROOT)
    try:
        ready = side.start("check", {})["ready"]
    finally:
        side.stop()
    assert Path(ready["sectra_dpat_client"]) == ROOT / "sectra_dpat_client" / "__init__.py"
    assert ready["python_path"].split(":")[0] == str(ROOT)


def test_child_refuses_a_tree_the_package_does_not_come_from(tmp_path: Path) -> None:
    # An empty tree: the editable install still finds the package elsewhere, and the child must say so.
    side = ab.Side("old", "empty", tmp_path)
    try:
        with pytest.raises(ab.TreeMismatchError, match="not from the tree"):
            side.start("check", {})
    finally:
        side.stop()


def test_old_layout_gets_its_generated_dir_on_the_path(tmp_path: Path) -> None:
    (tmp_path / "generated" / "dpat_api").mkdir(parents=True)
    (tmp_path / "sectra_dpat_client").mkdir()
    assert ab.child_env(tmp_path)["PYTHONPATH"].split(":") == [str(tmp_path), str(tmp_path / "generated")]
    (tmp_path / "sectra_dpat_client" / "_generated").mkdir()
    assert ab.child_env(tmp_path)["PYTHONPATH"].split(":") == [str(tmp_path)]


def test_one_round_of_the_tree_against_itself() -> None:
    old, new = ab.Side("old", "a", ROOT), ab.Side("new", "b", ROOT)
    report = ab.run_ab(old, new, ["p1_inmemory"], rounds=1, warmup=0, params={"calls": 20})
    row = report["benches"]["p1_inmemory"]["get_image_info, in-memory transport"]
    assert row["unit"] == "us/call"
    assert row["wall"]["ratio"] is not None
    assert row["cpu"]["old"]["median"] > 0
    for side in ("old", "new"):
        assert report["trees"][side]["sectra_dpat_client"].startswith(str(ROOT))
    assert "| get_image_info, in-memory transport (CPU) | us/call |" in ab.markdown(report)


def test_bodies_that_differ_between_the_trees_are_named() -> None:
    def digests(json_10k: str) -> dict[str, dict[str, str]]:
        return {"10000": {"bytes": "b", "json": json_10k}, "100000": {"bytes": "b", "json": "same"}}

    report = {"benches": {"p2": {"_digests": {"old": digests("a"), "new": digests("z")}}, "p1_inmemory": {}}}
    assert ab.differing_bodies(report) == ["p2 10000"]
    report["benches"]["p2"]["_digests"]["new"] = digests("a")
    assert ab.differing_bodies(report) == []
