"""Threading: MailKit's JWZ cases, subject prefixes, loop safety (property test)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from distans.core.mail.subject import base_subject, reply_subject
from distans.core.mail.threading import (
    ThreadableMessage,
    ThreadNode,
    render_tree_text,
    thread_by_subject,
    thread_messages,
)

CASES_PATH = Path(__file__).parent / "data" / "jwz_testthreader_cases.json"
CASES: dict[str, dict[str, Any]] = json.loads(CASES_PATH.read_text(encoding="utf-8"))

# MailKit checks only the direct parent/child when it links, so a reference cycle
# (loop1→loop2→loop3→loop1) leaves those messages with a parent each and none reaches
# the root set: MailKit's expected tree silently loses them. Losing a customer's mail
# is not acceptable here; JWZ's ancestor check keeps them. These are the threads we
# produce in addition to MailKit's expected tree (and nothing else differs).
EXTRA_THREADS_FOR_REFERENCE_CYCLES = (
    "Loop2\n   Loop3\n      Loop1\n",
    "Loop8\n   Loop8\n      Loop10\n         Loop7\n",
)


def _messages(case: dict[str, Any]) -> list[ThreadableMessage]:
    return [
        ThreadableMessage(m["message_id"], tuple(m["references"] or ()), m["subject"])
        for m in case["messages"]
    ]


def _thread(case: dict[str, Any]) -> list[ThreadNode]:
    messages = _messages(case)
    if case["algorithm"] == "OrderedSubject":
        return thread_by_subject(messages)
    return thread_messages(messages)


@pytest.mark.parametrize("name", sorted(CASES))
def test_mailkit_jwz_case_gives_the_expected_tree(name: str) -> None:
    # given one of MailKit's JWZ cases; when threaded
    case = CASES[name]
    roots = _thread(case)
    # then the tree equals MailKit's, apart from the reference-cycle threads it loses
    ours = [render_tree_text([root]) for root in roots]
    extra = [text for text in ours if text in EXTRA_THREADS_FOR_REFERENCE_CYCLES]
    kept = "".join(text for text in ours if text not in EXTRA_THREADS_FOR_REFERENCE_CYCLES)
    assert kept == case["expected_tree_text"]
    if name == "TestThreadByReferences":
        assert sorted(extra) == sorted(EXTRA_THREADS_FOR_REFERENCE_CYCLES)
    else:
        assert extra == []


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_input_message_appears_exactly_once(name: str) -> None:
    case = CASES[name]
    roots = _thread(case)
    threaded = [m for root in roots for m in root.messages()]
    assert len(threaded) == len(case["messages"])
    assert sorted(m.message_id for m in threaded) == sorted(
        m["message_id"] for m in case["messages"]
    )


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Hello", ("Hello", 0)),
        ("Re: Hello", ("Hello", 1)),
        ("Re:RE:rE[3]: Subject", ("Subject", 5)),
        ("SV: Re: Fråga om  faktura", ("Fråga om faktura", 2)),
        ("VS: VB: Ärende", ("Ärende", 2)),
        ("AW: WG: Rechnung", ("Rechnung", 2)),
        ("Fwd: [fedora-devel] Re: rpm", ("rpm", 2)),
        ("[#12345] Hjälp", ("[#12345] Hjälp", 0)),
        ("Sverige: nyheter", ("Sverige: nyheter", 0)),
        ("Re: (no subject)", ("", 1)),
    ],
)
def test_base_subject_strips_reply_forward_and_list_prefixes(
    subject: str, expected: tuple[str, int]
) -> None:
    assert tuple(base_subject(subject)) == expected


def test_reply_subject_does_not_stack_prefixes() -> None:
    assert reply_subject("SV: Re: Fråga [#7]") == "Re: Fråga [#7]"
    assert reply_subject("Fråga") == "Re: Fråga"
    assert reply_subject("") == "Re:"


def test_in_reply_to_only_reply_is_threaded_under_its_parent() -> None:
    # given a reply whose subject changed and that only names its parent
    messages = [
        ThreadableMessage("<a@x>", (), "Question"),
        ThreadableMessage("<b@x>", ("<a@x>",), "totally different"),
    ]
    roots = thread_messages(messages)
    assert render_tree_text(roots) == "Question\n   totally different\n"


def test_missing_message_id_messages_are_kept_as_separate_threads() -> None:
    messages = [ThreadableMessage("", (), "one"), ThreadableMessage("", (), "two")]
    assert render_tree_text(thread_messages(messages)) == "one\ntwo\n"


def _depth_ok(root: ThreadNode) -> bool:
    seen: set[int] = set()
    for _, node in root.walk():
        if id(node) in seen:
            return False
        seen.add(id(node))
    return True


ids = st.sampled_from([f"<{i}>" for i in range(8)])


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(ids, st.lists(ids, max_size=6), st.sampled_from(["a", "Re: a", "b", ""])),
        max_size=12,
    ),
    st.booleans(),
)
def test_any_reference_graph_gives_a_forest_holding_each_message_once(
    raw: list[tuple[str, list[str], str]], by_subject: bool
) -> None:
    # given arbitrary ids and references, including cycles, self-references, duplicates
    messages = [ThreadableMessage(i, tuple(refs), subj) for i, refs, subj in raw]
    # when threaded
    roots = thread_messages(messages, group_by_subject=by_subject)
    # then it is a forest (no node twice, so no cycle) holding every message once
    assert all(_depth_ok(root) for root in roots)
    threaded = [m for root in roots for m in root.messages()]
    assert sorted(map(id, threaded)) == sorted(map(id, messages))
    # and no empty container is a leaf
    for root in roots:
        for _, node in root.walk():
            assert node.message is not None or node.children


def test_very_deep_reply_chains_and_long_references_do_not_recurse_too_deeply() -> None:
    # given a 2,000-message chain (deeper than Python's recursion limit) in which each
    # reply names only its parent, and one message with 2,000 missing ancestors
    chain = [ThreadableMessage("<0>", (), "start")] + [
        ThreadableMessage(f"<{i}>", (f"<{i - 1}>",), "Re: start") for i in range(1, 2000)
    ]
    ghosts = ThreadableMessage("<g>", tuple(f"<ghost{i}>" for i in range(2000)), "ghosts")
    roots = thread_messages([*chain, ghosts])
    # then both threads come out whole
    assert [len(root.messages()) for root in roots] == [2000, 1]
    assert max(depth for depth, _ in roots[0].walk()) == 1999
