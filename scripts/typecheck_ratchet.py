"""The typing ratchet of the Django side: counts may only go down.

Runs mypy with ``mypy-django.ini`` (django-stubs) over ``src/distans`` and counts its
errors, and counts the ``type: ignore`` comments in ``src/``; fails if either is above
``typecheck-baseline.json``, and says so when one fell (lower the baseline in the same
commit, so it cannot rise back). ``--count-only`` skips mypy (the test suite's check).
"""

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "typecheck-baseline.json"
IGNORE = re.compile(r"#\s*type:\s*ignore")


def count_type_ignores(src: Path = ROOT / "src") -> int:
    return sum(len(IGNORE.findall(p.read_text())) for p in src.rglob("*.py"))


def count_mypy_errors() -> tuple[int, str]:
    run = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "mypy-django.ini")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    errors = sum(1 for line in run.stdout.splitlines() if ": error: " in line)
    return errors, run.stdout


def main(argv: list[str]) -> int:
    baseline = json.loads(BASELINE.read_text())
    counts = {"type_ignores_in_src": count_type_ignores()}
    output = ""
    if "--count-only" not in argv:
        counts["mypy_django_errors"], output = count_mypy_errors()
    failed = False
    for key, value in counts.items():
        allowed = baseline[key]
        if value > allowed:
            failed = True
            print(f"{key}: {value} > {allowed} (the baseline): fix the new ones.")
        elif value < allowed:
            print(f"{key}: {value} < {allowed}: good, lower {BASELINE.name} to {value}.")
        else:
            print(f"{key}: {value} (= baseline)")
    if failed and output:
        print(output)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
