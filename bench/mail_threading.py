"""Threading agreement with a real list archive (fedora-devel, January 2010).

Threads the 292 messages of the month's mbox with ``distans.core.mail.threading`` and
compares with the archive's own thread page (MHonArc), the ground truth kept in
jwzthreading's tests. Message ``msgNNNNN`` of the archive is the NNNNN-th message of
the mbox (checked by subject). Figures:

* ``parent_agreement``: fraction of messages whose parent (the nearest real message
  above it, or none for a thread start) is the archive's. The archive's page nests
  at most 3 levels (MHonArc's TLEVELS), deeper replies hang at level 3, so our tree
  is flattened the same way first (``..._without_depth_limit``: not flattened);
* ``parent_agreement_excluding_guesses``: the same without the messages MHonArc
  lists under "Possible follow-ups" (it guessed their parent from the subject);
* ``threads_identical``: fraction of the archive's threads whose set of messages is
  exactly one of ours; ``same_thread_pairs_precision/recall``: over message pairs.

Run: ``.venv/bin/python bench/mail_threading.py [--data ../shared/data/...]``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import time
from datetime import UTC, datetime
from html.parser import HTMLParser
from itertools import combinations
from pathlib import Path

from distans.core.mail.parse import ParsedMessage, parse_message
from distans.core.mail.threading import ThreadNode, thread_messages

DEFAULT_DATA = "../shared/data/peer_tests/fedora_devel_threads"
_ENVELOPE = re.compile(rb"^From \S+ +(Mon|Tue|Wed|Thu|Fri|Sat|Sun) ", re.MULTILINE)


def read_mbox(path: Path) -> list[bytes]:
    """Split a gzip'd mbox at its ``From `` envelope lines."""
    data = gzip.decompress(path.read_bytes())
    starts = [m.start() for m in _ENVELOPE.finditer(data)]
    chunks = [data[a:b] for a, b in zip(starts, [*starts[1:], len(data)], strict=True)]
    return [chunk.split(b"\n", 1)[1] for chunk in chunks]


class _ArchiveThreads(HTMLParser):
    """Parent of every message in MHonArc's thread page (nested ``<ul><li>``)."""

    def __init__(self) -> None:
        super().__init__()
        self.parent: dict[int, int | None] = {}
        self.guessed: set[int] = set()
        self.subject: dict[int, str] = {}
        self._stack: list[int | None] = []  # message number per open <li>, None = marker
        self._guess_level: set[int] = set()  # <ul> depths after a "Possible follow-ups"
        self._ul_depth = 0
        self._last: int | None = None
        self._in_anchor = False
        self._started = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "hr":
            self._started = True
        if not self._started:
            return
        if tag == "ul":
            self._ul_depth += 1
        elif tag == "li":
            self._stack.append(None)
        elif tag == "a" and self._stack:
            name = dict(attrs).get("name")
            if name is not None and name.isdigit():
                number = int(name)
                enclosing = [n for n in self._stack[:-1] if n is not None]
                self.parent[number] = enclosing[-1] if enclosing else None
                if self._ul_depth in self._guess_level:
                    self.guessed.add(number)
                self._stack[-1] = number
                self._last = number
                self._in_anchor = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "ul" and self._started:
            self._guess_level.discard(self._ul_depth)
            self._ul_depth -= 1
        elif tag == "li" and self._stack:
            self._stack.pop()
        elif tag == "a":
            self._in_anchor = False

    def handle_data(self, data: str) -> None:
        if self._in_anchor and self._last is not None:
            self.subject[self._last] = self.subject.get(self._last, "") + data
        elif "Possible follow-ups" in data:
            self._guess_level.add(self._ul_depth)


def _our_parents(roots: list[ThreadNode], number_of: dict[int, int]) -> dict[int, int | None]:
    parents: dict[int, int | None] = {}

    def visit(node: ThreadNode, real_parent: int | None) -> None:
        here = real_parent
        if node.message is not None:
            number = number_of[id(node.message)]
            parents[number] = real_parent
            here = number
        for child in node.children:
            visit(child, here)

    for root in roots:
        visit(root, None)
    return parents


def _limit_depth(parent: dict[int, int | None], levels: int) -> dict[int, int | None]:
    """Parents as a thread index nesting at most ``levels`` deep shows them: a message
    deeper than that hangs under its ancestor at depth ``levels - 1`` (MHonArc's
    ``TLEVELS``, default 3)."""

    def chain(n: int) -> list[int]:
        path = [n]
        while (p := parent[path[-1]]) is not None:
            path.append(p)
        return path[::-1]  # root first

    limited: dict[int, int | None] = {}
    for n in parent:
        path = chain(n)
        depth = len(path) - 1
        limited[n] = None if depth == 0 else path[min(depth, levels) - 1]
    return limited


def _depth(parent: dict[int, int | None], n: int) -> int:
    depth = 0
    while (p := parent[n]) is not None:
        n, depth = p, depth + 1
    return depth


def _thread_sets(parent: dict[int, int | None]) -> list[frozenset[int]]:
    def top(n: int) -> int:
        while (p := parent[n]) is not None:
            n = p
        return n

    groups: dict[int, set[int]] = {}
    for n in parent:
        groups.setdefault(top(n), set()).add(n)
    return [frozenset(g) for g in groups.values()]


def _same_thread_pairs(threads: list[frozenset[int]]) -> set[tuple[int, int]]:
    return {pair for t in threads for pair in combinations(sorted(t), 2)}


def run(data: str = DEFAULT_DATA) -> dict[str, object]:
    """Thread the archive month and return the agreement figures (module docstring)."""
    folder = Path(data)
    raws = read_mbox(folder / "2010-January.txt.gz")
    archive = _ArchiveThreads()
    archive.feed(gzip.decompress((folder / "2010-January_thread.html.gz").read_bytes()).decode())

    received_at = datetime(2010, 2, 1, tzinfo=UTC)
    started = time.perf_counter()
    parsed: list[ParsedMessage] = [parse_message(r, received_at=received_at) for r in raws]
    parse_seconds = time.perf_counter() - started
    threadable = [p.to_threadable(key=i) for i, p in enumerate(parsed)]
    started = time.perf_counter()
    roots = thread_messages(threadable)
    thread_seconds = time.perf_counter() - started

    subjects_match = sum(
        " ".join(parsed[n].subject.split()) == " ".join(s.split())
        for n, s in archive.subject.items()
    )
    ours = _our_parents(roots, {id(m): i for i, m in enumerate(threadable)})
    truth = archive.parent
    numbers = sorted(truth)
    levels = max(_depth(truth, n) for n in numbers)
    ours_limited = _limit_depth(ours, levels)
    agree = [n for n in numbers if ours_limited.get(n, -1) == truth[n]]
    agree_unlimited = [n for n in numbers if ours.get(n, -1) == truth[n]]
    certain = [n for n in numbers if n not in archive.guessed]
    truth_threads = _thread_sets(truth)
    number_of = {id(m): i for i, m in enumerate(threadable)}
    our_threads = {frozenset(number_of[id(m)] for m in root.messages()) for root in roots}
    truth_pairs = _same_thread_pairs(truth_threads)
    our_pairs = _same_thread_pairs(list(our_threads))
    both = len(truth_pairs & our_pairs)
    return {
        "messages_in_mbox": len(raws),
        "messages_in_archive_page": len(numbers),
        "archive_subjects_matching_mbox_order": subjects_match,
        "archive_nesting_levels": levels,
        "parent_agreement": round(len(agree) / len(numbers), 4),
        "parent_agreement_without_depth_limit": round(len(agree_unlimited) / len(numbers), 4),
        "parent_agreement_excluding_guesses": round(
            sum(1 for n in certain if n in agree) / len(certain), 4
        ),
        "archive_guessed_parents": len(archive.guessed),
        "archive_threads": len(truth_threads),
        "our_threads": len(our_threads),
        "threads_identical": round(
            sum(t in our_threads for t in truth_threads) / len(truth_threads), 4
        ),
        "same_thread_pairs_precision": round(both / len(our_pairs), 4) if our_pairs else 1.0,
        "same_thread_pairs_recall": round(both / len(truth_pairs), 4) if truth_pairs else 1.0,
        "disagreeing_messages": [
            {
                "msg": n,
                "archive_parent": truth[n],
                "our_parent": ours_limited.get(n),
                "subject": parsed[n].subject,
            }
            for n in numbers
            if n not in agree
        ],
        "parse_messages_per_second": round(len(raws) / parse_seconds, 1),
        "thread_messages_per_second": round(len(raws) / thread_seconds, 1),
    }


def main() -> None:
    """Command-line entry: print :func:`run`'s figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=DEFAULT_DATA)
    args = parser.parse_args()
    print(json.dumps(run(args.data), ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
