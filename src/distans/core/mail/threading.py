"""Conversation threading by Message-ID, In-Reply-To and References.

Jamie Zawinski's algorithm, "Message Threading" (https://www.jwz.org/doc/threading.html,
1997-2002), the basis of RFC 5256 §2.2 (REFERENCES) and of MailKit's MessageThreader:

1. an id table maps each Message-ID to a container; every reference gets a container
   (an empty one when the message itself is missing); the references are chained
   parent→child unless the child already has a parent or the link would make a loop;
   the message's own parent is the last reference, replacing a guessed one;
2. the root set is every container without a parent;
3. empty containers are pruned: without children they vanish, with children they are
   replaced by their children (at the root only when there is exactly one child);
4. root threads with the same base subject (``subject.base_subject``) are grouped.

Loop prevention walks the ancestors (JWZ: "do not add a link if adding that link would
introduce a loop"), so reference cycles such as A→B→C→A keep every message; MailKit
only checks the direct child and loses such messages (see the tests).
Siblings are ordered by arrival (the order of the input), an empty container by its
earliest child, as MailKit's default ``OrderBy.Arrival``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from distans.core.mail.subject import BaseSubject, base_subject


@dataclass(frozen=True)
class ThreadableMessage:
    """What threading needs from one message.

    ``references`` is the References header in order followed by In-Reply-To when that
    id is not already last (RFC 5322 §3.6.4); ``key`` is the caller's own identifier.
    """

    message_id: str
    references: tuple[str, ...] = ()
    subject: str = ""
    key: object = None


@dataclass(eq=False)
class ThreadNode:
    """A container: a message (``None`` for a missing one) and its replies."""

    message: ThreadableMessage | None
    children: list[ThreadNode] = field(default_factory=list)
    parent: ThreadNode | None = field(default=None, repr=False)
    arrival: int = -1

    def walk(self) -> Iterable[tuple[int, ThreadNode]]:
        """Yield ``(depth, node)`` for this node and its descendants, depth-first."""
        stack: list[tuple[int, ThreadNode]] = [(0, self)]
        while stack:
            depth, node = stack.pop()
            yield depth, node
            stack.extend((depth + 1, child) for child in reversed(node.children))

    def messages(self) -> list[ThreadableMessage]:
        """Every real message in this thread, depth-first."""
        return [n.message for _, n in self.walk() if n.message is not None]


def _is_ancestor(candidate: ThreadNode, node: ThreadNode) -> bool:
    """True when ``candidate`` is ``node`` or one of its ancestors."""
    current: ThreadNode | None = node
    while current is not None:
        if current is candidate:
            return True
        current = current.parent
    return False


def _link(parent: ThreadNode, child: ThreadNode) -> None:
    if child.parent is not None:
        child.parent.children.remove(child)
    child.parent = parent
    parent.children.append(child)


def _build_id_table(messages: Sequence[ThreadableMessage]) -> list[ThreadNode]:
    """JWZ step 1: containers for every message and reference, linked without loops."""
    table: dict[str, ThreadNode] = {}
    order: list[ThreadNode] = []

    def container(message_id: str) -> ThreadNode:
        node = table.get(message_id)
        if node is None:
            node = table[message_id] = ThreadNode(None)
            order.append(node)
        return node

    for arrival, message in enumerate(messages):
        node = table.get(message.message_id) if message.message_id else None
        if node is None or node.message is not None:
            # new id, missing id, or a duplicate Message-ID: a container of its own
            node = ThreadNode(message)
            order.append(node)
            if message.message_id and message.message_id not in table:
                table[message.message_id] = node
        else:
            node.message = message
        node.arrival = arrival

        previous: ThreadNode | None = None
        for reference in message.references:
            referenced = container(reference)
            if (
                previous is not None
                and referenced.parent is None
                and not _is_ancestor(referenced, previous)
            ):
                _link(previous, referenced)
            previous = referenced

        # JWZ: the message's own References are more definitive than a parent guessed
        # from other messages, so unlink first; then link unless it would be a loop.
        if node.parent is not None:
            node.parent.children.remove(node)
            node.parent = None
        if previous is not None and not _is_ancestor(node, previous):
            _link(previous, node)
    return order


def _descendants_first(roots: Sequence[ThreadNode]) -> list[ThreadNode]:
    """Every node below and including ``roots``, each after all of its descendants
    (reversed pre-order; iterative, so a 10,000-deep reply chain is fine)."""
    order = [node for root in roots for _, node in root.walk()]
    order.reverse()
    return order


def _prune(roots: list[ThreadNode]) -> list[ThreadNode]:
    """JWZ step 4: drop empty leaves, splice empty containers' children upwards; at
    the root an empty container is replaced only by a single child."""
    for node in _descendants_first(roots):
        kept: list[ThreadNode] = []
        for child in node.children:
            if child.message is None:
                kept.extend(child.children)  # already pruned: all real messages
            else:
                kept.append(child)
        node.children = kept
        for child in kept:
            child.parent = node
    result: list[ThreadNode] = []
    for root in roots:
        if root.message is None and len(root.children) <= 1:
            result.extend(root.children)
        else:
            result.append(root)
    for root in result:
        root.parent = None
    return result


def _subject_of(node: ThreadNode) -> BaseSubject:
    source = node.message if node.message is not None else node.children[0].message
    return base_subject(source.subject if source is not None else "")


def _group_by_subject(roots: list[ThreadNode]) -> list[ThreadNode]:
    """JWZ step 5: gather root threads with the same base subject under one root."""
    table: dict[str, ThreadNode] = {}
    for node in roots:
        subject = _subject_of(node).text.casefold()
        if not subject:
            continue
        match = table.get(subject)
        if (
            match is None
            or (node.message is None and match.message is not None)
            or (
                match.message is not None
                and _subject_of(match).is_reply
                and node.message is not None
                and not _subject_of(node).is_reply
            )
        ):
            table[subject] = node

    result: list[ThreadNode] = []
    for node in roots:
        subject = _subject_of(node).text.casefold()
        match = table.get(subject) if subject else None
        if match is None or match is node:
            result.append(node)
            continue
        if match.message is None and node.message is None:
            match.children.extend(node.children)
        elif match.message is None or (
            _subject_of(node).is_reply and not _subject_of(match).is_reply
        ):
            match.children.append(node)
        else:
            moved = ThreadNode(match.message, match.children, arrival=match.arrival)
            match.message, match.children = None, [moved, node]
    for node in result:
        _reparent(node)
    return result


def _reparent(root: ThreadNode) -> None:
    root.parent = None
    for _, node in root.walk():
        for child in node.children:
            child.parent = node


def _sort(roots: list[ThreadNode]) -> None:
    """Sort siblings by arrival; an empty container arrives with its earliest child."""
    for node in _descendants_first(roots):
        node.children.sort(key=lambda n: n.arrival)
        if node.message is None and node.children:
            node.arrival = node.children[0].arrival
    roots.sort(key=lambda n: n.arrival)


def thread_messages(
    messages: Sequence[ThreadableMessage], *, group_by_subject: bool = True
) -> list[ThreadNode]:
    """Thread ``messages`` (in arrival order) into a forest by JWZ's algorithm."""
    containers = _build_id_table(messages)
    roots = [node for node in containers if node.parent is None]
    roots = _prune(roots)
    if group_by_subject:
        roots = _group_by_subject(roots)
    _sort(roots)
    return roots


def thread_by_subject(messages: Sequence[ThreadableMessage]) -> list[ThreadNode]:
    """RFC 5256 ORDEREDSUBJECT as MailKit does it: group by base subject only."""
    roots = [ThreadNode(message, arrival=i) for i, message in enumerate(messages)]
    roots = _group_by_subject(roots)
    _sort(roots)
    return roots


def render_tree_text(roots: Sequence[ThreadNode], indent: str = "   ") -> str:
    """One line per container, indented by depth; ``dummy`` for a missing message.

    The format of MailKit's threading tests, used to compare against them.
    """
    lines: list[str] = []
    for root in roots:
        for depth, node in root.walk():
            label = node.message.subject if node.message is not None else "dummy"
            lines.append(f"{indent * depth}{label}\n")
    return "".join(lines)
