"""Every writer of an agent's routing state moves ``AgentState.version`` (routing's
per-process caches rebuild an agent only when it moved), through the one way to mark
an agent changed (``AgentStateQuerySet``), and routing's per-process state has one
owner (``routing/process_state.py``)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.utils import timezone
from tests.factories import make_agent, make_organisation, make_queue

from distans.routing import free_agents, rounds
from distans.routing.models import AgentState
from distans.routing.process_state import STATE

pytestmark = pytest.mark.django_db

SRC = Path(__file__).resolve().parents[2] / "src" / "distans"


def _version(pk: int) -> int:
    return AgentState.objects.values_list("version", flat=True).get(pk=pk)


def test_every_orm_write_moves_the_version() -> None:
    org = make_organisation()
    q1, q2 = make_queue(org), make_queue(org)
    state = AgentState.objects.get(person=make_agent(org, [q1]))
    pk = state.pk
    writes = [
        lambda: AgentState.objects.filter(pk=pk).update(presence="available"),
        lambda: AgentState.objects.filter(pk=pk).mark_changed(),
        lambda: AgentState.objects.bulk_update(
            [AgentState.objects.get(pk=pk)], ["consecutive_timeouts"]
        ),
        lambda: AgentState.objects.get(pk=pk).save(update_fields=["presence"]),
        lambda: AgentState.objects.get(pk=pk).queues.add(q2),
        lambda: q2.agents.remove(AgentState.objects.get(pk=pk)),
        lambda: q1.agents.clear(),
        lambda: AgentState.objects.get(pk=pk).queues.set([q1, q2]),
        lambda: AgentState.objects.get(pk=pk).queues.clear(),
    ]
    for number, write in enumerate(writes):
        before = _version(pk)
        write()
        assert _version(pk) > before, f"write {number} left the version"


def test_an_update_that_sets_the_version_itself_is_left_alone() -> None:
    org = make_organisation()
    pk = AgentState.objects.get(person=make_agent(org, [make_queue(org)])).pk
    AgentState.objects.filter(pk=pk).update(version=41)
    assert _version(pk) == 41


def test_no_writer_bumps_the_version_by_hand() -> None:
    """Raw SQL updating agent states moves the version; ORM code never spells the bump
    (it would be a second way: ``update``/``mark_changed`` do it)."""
    by_hand = re.compile(r"version\s*=\s*(models\.)?F\(")
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        if "/migrations/" in rel or rel == "routing/models.py":
            continue
        text = path.read_text()
        offenders += [f"{rel}: ORM bump by hand" for _ in by_hand.finditer(text)]
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                sql = " ".join(node.value.split()).lower()
                if "update routing_agentstate" in sql and "version = version + 1" not in sql:
                    offenders.append(f"{rel}:{node.lineno}: raw UPDATE without the version")
    assert offenders == []


def test_routing_keeps_its_per_process_state_in_one_owner() -> None:
    """No routing module keeps a module-level cache of its own (an empty dict, set or
    list filled later): per-process state is a field of process_state.STATE."""
    allowed = {"process_state.py"}
    offenders = []
    for path in sorted((SRC / "routing").rglob("*.py")):
        if path.name in allowed or "/migrations/" in str(path):
            continue
        for node in ast.parse(path.read_text()).body:
            value = node.value if isinstance(node, ast.Assign | ast.AnnAssign) else None
            empty = (isinstance(value, ast.Dict) and not value.keys) or (
                isinstance(value, ast.List | ast.Set) and not value.elts
            )
            mutable = empty or (
                isinstance(value, ast.Call)
                and isinstance(value.func, ast.Name)
                and value.func.id in {"dict", "set", "list", "defaultdict", "OrderedDict"}
                and not value.args
            )
            if mutable:
                offenders.append(f"{path.name}:{node.lineno}")
    assert offenders == []


def test_clear_caches_empties_every_cache() -> None:
    org = make_organisation()
    make_agent(org, [make_queue(org)], presence="available")
    rounds.run_round(org.pk, timezone.now())
    free_agents.table(org.pk)
    rounds.queues_of(org.pk)
    assert STATE.agents and STATE.queues and STATE.free_tables
    rounds.clear_caches()
    assert (STATE.agents, STATE.queues, STATE.queue_tokens, STATE.free_tables) == ({}, {}, {}, {})


def test_every_core_agent_field_is_declared_once_as_a_column() -> None:
    """``routing/agent_columns.py`` declares each stored field the core's Agent reads;
    the reads, their unpacking and the built-agent key derive from it."""
    from dataclasses import fields

    from distans.core import routing as core
    from distans.routing.agent_columns import AGENT_COLUMNS
    from distans.routing.store import pg_agents

    joined = {"id", "queue_ids", "load"}  # person id, membership table, active contacts
    declared = [c.core_name for c in AGENT_COLUMNS]
    assert sorted(declared) == sorted({f.name for f in fields(core.Agent) if f.init} - joined)
    assert len(set(declared)) == len(declared)
    for column in AGENT_COLUMNS:
        assert column.sql in pg_agents._AGENT_COLUMNS and column.name in pg_agents._STATE_FIELDS
