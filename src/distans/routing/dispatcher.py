"""When routing rounds run: on events, not on a slow poll.

An action that changes something routing cares about (a contact arrives, an agent
frees up, an offer is declined) calls :func:`request_routing` inside its transaction.
After commit, the organisation's round runs:

- ``inline`` mode (tests, scripts): right away in the calling thread;
- ``thread`` mode (servers and workers): a router thread per process is woken. It
  coalesces bursts (many arrivals → one round), and sleeps until the earliest open
  offer's expiry, so a timed-out offer moves on within milliseconds of its deadline.
  A periodic sweep (``routing/tasks.py``) also requests rounds for every organisation,
  which recovers anything a killed process left behind.
"""

from __future__ import annotations

import logging
import os
import threading
from datetime import datetime

from django.db import close_old_connections, transaction
from django.db.utils import OperationalError
from django.utils import timezone

logger = logging.getLogger(__name__)


def routing_mode() -> str:
    return os.environ.get("DISTANS_ROUTING_MODE", "thread")


def request_routing(organisation_id: int) -> None:
    transaction.on_commit(lambda: _dispatch(organisation_id))


def _dispatch(organisation_id: int) -> None:
    if routing_mode() == "inline":
        from distans.routing.rounds import run_round

        run_round(organisation_id)
    else:
        router().wake(organisation_id)


class Router:
    """One per process: runs rounds for the organisations that asked, one at a time."""

    def __init__(self) -> None:
        self._pending: set[int] = set()
        self._deadlines: dict[int, datetime] = {}
        self._condition = threading.Condition()
        self._thread: threading.Thread | None = None

    def wake(self, organisation_id: int) -> None:
        with self._condition:
            self._pending.add(organisation_id)
            self._condition.notify()
        self._ensure_thread()

    def _ensure_thread(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name="distans-router", daemon=True)
            self._thread.start()

    def _next_wait_seconds(self) -> float:
        if not self._deadlines:
            return 1.0
        earliest = min(self._deadlines.values())
        return max(0.0, min(1.0, (earliest - timezone.now()).total_seconds() + 0.001))

    def _run(self) -> None:
        from distans.routing.rounds import run_round

        while True:
            with self._condition:
                if not self._pending:
                    self._condition.wait(timeout=self._next_wait_seconds())
                now = timezone.now()
                due = {org for org, at in self._deadlines.items() if at <= now}
                for org in due:
                    self._deadlines.pop(org, None)
                batch = self._pending | due
                self._pending = set()
            for organisation_id in batch:
                try:
                    outcome = run_round(organisation_id)
                except OperationalError:
                    logger.warning("routing round for %s hit a locked database; retrying", organisation_id)
                    with self._condition:
                        self._pending.add(organisation_id)
                    continue
                except Exception:
                    logger.exception("routing round for organisation %s failed", organisation_id)
                    continue
                finally:
                    close_old_connections()
                if outcome.next_deadline is not None:
                    with self._condition:
                        current = self._deadlines.get(organisation_id)
                        if current is None or outcome.next_deadline < current:
                            self._deadlines[organisation_id] = outcome.next_deadline


_router: Router | None = None
_router_lock = threading.Lock()


def router() -> Router:
    global _router
    with _router_lock:
        if _router is None:
            _router = Router()
        return _router
