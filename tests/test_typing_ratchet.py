"""The number of ``type: ignore`` comments in src/ may only go down.

The baseline is typecheck-baseline.json (``make typecheck`` also ratchets mypy's error
count over the Django side, scripts/typecheck_ratchet.py). Lower it when you remove
some; a new ignore fails here.
"""

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from typecheck_ratchet import count_type_ignores  # noqa: E402


def test_type_ignores_do_not_rise_above_the_baseline() -> None:
    allowed = json.loads((ROOT / "typecheck-baseline.json").read_text())["type_ignores_in_src"]
    assert count_type_ignores() <= allowed


def test_the_count_sees_a_new_ignore(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x: int = 'a'  # type: ignore[assignment]\ny = 1  #type:ignore\n")
    assert count_type_ignores(tmp_path) == 2
