"""The one owner of routing's per-process state: every cache and memo a routing process
keeps between rounds lives in :data:`STATE`, and :meth:`RoutingProcessState.clear`
drops all of it (tests, after a failover, ``rounds.clear_caches``).

What is kept, and what invalidates it:

- ``agents``: ``{organisation: {AgentState pk: (version, core.Agent)}}`` — an agent is
  rebuilt only when its ``AgentState.version`` moved (every writer moves it:
  ``AgentStateQuerySet``).
- ``free_tables``: ``{organisation: free_agents.FreeAgents}`` — derived from ``agents``
  and the open offers; re-validated against ``(pk, version)`` each round.
- ``queues`` and ``queue_tokens``: ``{organisation: {queue id: core.Queue}}`` — dropped
  when a queue is saved in this process; another process's change moves the shared
  token (``rounds.announce_queue_change``), checked at most every
  ``rounds.QUEUE_TOKEN_CHECK_SECONDS``.
- ``last_full_round``: monotonic time of this process's last full round per organisation.
- ``store``: the routing store for the default database's vendor, chosen once
  (``routing.store.store``).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from distans.core import routing as core
    from distans.routing.free_agents import FreeAgents
    from distans.routing.store import RoutingStore


@dataclass(eq=False)
class RoutingProcessState:
    agents: dict[int, dict[int, tuple[int, core.Agent]]] = field(default_factory=dict)
    queues: dict[int, dict[str, core.Queue]] = field(default_factory=dict)
    queue_tokens: dict[int, tuple[str | None, float]] = field(default_factory=dict)
    last_full_round: dict[int, float] = field(default_factory=dict)
    free_tables: dict[int, FreeAgents] = field(default_factory=dict)
    free_tables_lock: threading.Lock = field(default_factory=threading.Lock)
    store: RoutingStore | None = None

    def clear(self) -> None:
        """Forget everything cached (the store stays: the vendor cannot change)."""
        with self.free_tables_lock:
            self.free_tables.clear()
        self.agents.clear()
        self.queues.clear()
        self.queue_tokens.clear()

    def forget_queues(self, organisation_id: int) -> None:
        self.queues.pop(organisation_id, None)


#: This process's routing state.
STATE = RoutingProcessState()
