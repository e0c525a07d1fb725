"""When routing rounds run: on events, not on a slow poll.

An action that changes something routing cares about (a contact arrives, an agent
frees up, an offer is declined) calls :func:`request_routing` inside its transaction.
After commit, the organisation's round runs:

- ``inline`` mode (tests, scripts): right away in the calling thread;
- ``thread`` mode (servers and workers): a router thread per process is woken. It
  coalesces bursts (many arrivals → one round), and sleeps until the earliest
  deadline (an open offer's expiry, a wrap-up's end, a time rule such as overflow
  after a wait), so a timed-out offer moves on within milliseconds of its deadline.

An action that names what changed (the arrived contact, the freed agent) gets a
targeted round (:mod:`distans.routing.targeted`: a few indexed reads, one offer per
event); anything else, a deadline or a targeted round that cannot decide gets a full
round (:mod:`distans.routing.rounds`).
  A periodic sweep (``routing/tasks.py``) also requests rounds for every organisation,
  which recovers anything a killed process left behind.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import connection, transaction
from django.db.utils import OperationalError
from django.utils import timezone

if TYPE_CHECKING:
    from distans.routing.rounds import RoundOutcome

logger = logging.getLogger(__name__)


#: Above this many events at once a full round is cheaper than targeted ones.
TARGETED_LIMIT = 500
#: The router thread closes its database connection after this long without work.
IDLE_CONNECTION_SECONDS = 30.0


def routing_mode() -> str:
    return os.environ.get("DISTANS_ROUTING_MODE", "thread")


def request_routing(
    organisation_id: int, *, contacts: Iterable[int] = (), agents: Iterable[int] = ()
) -> None:
    """Route after commit. ``contacts`` (contact ids) and ``agents`` (person ids) name
    what changed: the router then runs a targeted round for them
    (:mod:`distans.routing.targeted`). Naming neither asks for a full round."""
    work = _Work(set(contacts), set(agents), full=not contacts and not agents)
    transaction.on_commit(lambda: _dispatch(organisation_id, work))


@dataclass
class _Work:
    contacts: set[int] = field(default_factory=set)
    agents: set[int] = field(default_factory=set)
    full: bool = False

    def merge(self, other: _Work) -> None:
        self.contacts |= other.contacts
        self.agents |= other.agents
        self.full = self.full or other.full


def run_work(organisation_id: int, work: _Work) -> RoundOutcome:
    """A targeted round for ``work`` if it can decide, else a full round."""
    from distans.routing.rounds import run_round
    from distans.routing.targeted import run_targeted

    if not work.full and len(work.contacts) + len(work.agents) <= TARGETED_LIMIT:
        outcome = run_targeted(organisation_id, work.contacts, work.agents)
        if outcome is not None:
            return outcome
    return run_round(organisation_id)


def _dispatch(organisation_id: int, work: _Work) -> None:
    if routing_mode() == "inline":
        run_work(organisation_id, work)
    else:
        router().wake(organisation_id, work)


class Router:
    """One per process: runs rounds for the organisations that asked, one at a time."""

    def __init__(self) -> None:
        self._pending: dict[int, _Work] = {}
        self._deadlines: dict[int, datetime] = {}
        self._wrap_ups: dict[tuple[int, int], datetime] = {}  # (org, person) → end
        self._condition = threading.Condition()
        self._thread: threading.Thread | None = None
        self._last_round = 0.0

    def wake(self, organisation_id: int, work: _Work | None = None) -> None:
        with self._condition:
            self._pending.setdefault(organisation_id, _Work()).merge(work or _Work(full=True))
            self._condition.notify()
        self._ensure_thread()

    def _ensure_thread(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name="distans-router", daemon=True)
            self._thread.start()

    def _next_wait_seconds(self) -> float:
        if not self._deadlines and not self._wrap_ups:
            return 1.0
        earliest = min([*self._deadlines.values(), *self._wrap_ups.values()])
        return max(0.0, min(1.0, (earliest - timezone.now()).total_seconds() + 0.001))

    def take_batch(self, now: datetime) -> dict[int, _Work]:
        """The work to do now (call with the condition held): what was asked, plus
        the deadlines that fell due."""
        for org in [org for org, at in self._deadlines.items() if at <= now]:
            del self._deadlines[org]
            # A deadline (an offer's expiry, a time rule such as overflow after a
            # wait) is the full round's: it applies every rule that fell due.
            self._pending.setdefault(org, _Work()).full = True
        # A wrap-up's end frees one agent: a targeted round for them.
        for key in [key for key, at in self._wrap_ups.items() if at <= now]:
            del self._wrap_ups[key]
            self._pending.setdefault(key[0], _Work()).agents.add(key[1])
        batch, self._pending = self._pending, {}
        return batch

    def _run(self) -> None:
        while True:
            with self._condition:
                if not self._pending:
                    self._condition.wait(timeout=self._next_wait_seconds())
                batch = self.take_batch(timezone.now())
            if not batch:
                if time.monotonic() - self._last_round > IDLE_CONNECTION_SECONDS:
                    connection.close()  # an idle router holds no database connection
                continue
            self._last_round = time.monotonic()
            for organisation_id, work in batch.items():
                try:
                    outcome = run_work(organisation_id, work)
                except OperationalError:
                    logger.warning(
                        "routing round for %s hit a locked database; retrying", organisation_id
                    )
                    with self._condition:
                        self._pending.setdefault(organisation_id, _Work()).merge(work)
                    continue
                except Exception:
                    logger.exception("routing round for organisation %s failed", organisation_id)
                    continue
                finally:
                    _keep_connection_if_sound()
                with self._condition:
                    for person_id, until in outcome.wrap_ups.items():
                        self._wrap_ups[(organisation_id, person_id)] = until
                if outcome.next_deadline is not None:
                    with self._condition:
                        current = self._deadlines.get(organisation_id)
                        if current is None or outcome.next_deadline < current:
                            self._deadlines[organisation_id] = outcome.next_deadline


def _keep_connection_if_sound() -> None:
    """The router thread keeps its database connection from round to round (a new one
    costs several milliseconds and the prepared queue-line statement); it drops it only
    after an error left it unusable, and the next round connects afresh."""
    if connection.connection is None or not connection.errors_occurred:
        return
    if connection.is_usable():
        connection.errors_occurred = False
    else:
        connection.close()


_router: Router | None = None
_router_lock = threading.Lock()


def router() -> Router:
    global _router
    with _router_lock:
        if _router is None:
            _router = Router()
        return _router
