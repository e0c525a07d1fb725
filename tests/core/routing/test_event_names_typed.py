"""Every event-log name in the source is an ``EventName`` member, never a raw string.

Scans ``src/distans`` (no Django needed): a keyword ``name=``/``name__in=`` or a
comparison with ``name``/``.name`` whose string constant is an event name fails, so a
new writer or reader of the event log cannot spell a name by hand (and a typo in a new
one, not in ``EventName``, fails ``mypy`` where the name is typed).
"""

import ast
from pathlib import Path

from distans.core.routing import EventName

SRC = Path(__file__).resolve().parents[3] / "src" / "distans"
NAMES = {member.value for member in EventName}
#: Where the values are defined, and the webhook choices that mirror them.
SKIP = {"core/routing/decisions.py"}


def _raw_names(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Constant) and node.value in NAMES:
        return [node.value]
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return [n for elt in node.elts for n in _raw_names(elt)]
    return []


def _is_name(node: ast.AST) -> bool:
    return (isinstance(node, ast.Name) and node.id == "name") or (
        isinstance(node, ast.Attribute) and node.attr == "name"
    )


def raw_event_names(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            for kw in node.keywords:
                if kw.arg in ("name", "name__in"):
                    found += [(node.lineno, n) for n in _raw_names(kw.value)]
        elif isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            named = (_is_name(s) or (isinstance(s, ast.Call) and any(map(_is_name, s.args))) for s in sides)
            if any(named):
                found += [(node.lineno, n) for s in sides for n in _raw_names(s)]
    return sorted(found, key=lambda found_at: found_at[0])


def test_no_raw_event_names_in_the_source() -> None:
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        if rel in SKIP or "/migrations/" in rel:
            continue
        for line, name in raw_event_names(ast.parse(path.read_text(), str(path))):
            offenders.append(f"{rel}:{line}: {name!r} (use EventName)")
    assert offenders == []


def test_the_scan_catches_a_raw_name() -> None:
    tree = ast.parse(
        'RoutingEvent.objects.create(name="offer_cancelled")\n'
        'x = [e for e in events if e.name == "accepted"]\n'
        'RoutingEvent.objects.filter(name__in=("completed", "abandoned"))\n'
        'if str(event.name) == "agent_state_changed": pass\n'
        'Field(name="title")\n'
    )
    assert [name for _, name in raw_event_names(tree)] == [
        "offer_cancelled", "accepted", "completed", "abandoned", "agent_state_changed",
    ]  # fmt: skip
