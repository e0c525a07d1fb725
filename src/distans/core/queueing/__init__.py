"""Queueing math for staffing: Erlang B, Erlang C and Erlang A (M/M/n+M).

Everything is vectorised over NumPy arrays (one element per interval, or any
broadcastable grid). See docs/dev/queueing.md for the formulas and conventions.
"""

from distans.core.queueing.erlang_a import erlang_a_metrics
from distans.core.queueing.erlang_c import (
    QueueMetrics,
    erlang_b,
    erlang_c,
    erlang_c_metrics,
    erlang_c_service_level,
    inverse_erlang_b,
    traffic_erlangs,
)
from distans.core.queueing.staffing import (
    ServiceTarget,
    agents_with_shrinkage,
    parse_service_target,
    queue_metrics,
    required_agents,
    service_level_table,
)

__all__ = [
    "QueueMetrics",
    "ServiceTarget",
    "agents_with_shrinkage",
    "erlang_a_metrics",
    "erlang_b",
    "erlang_c",
    "erlang_c_metrics",
    "erlang_c_service_level",
    "inverse_erlang_b",
    "parse_service_target",
    "queue_metrics",
    "required_agents",
    "service_level_table",
    "traffic_erlangs",
]
