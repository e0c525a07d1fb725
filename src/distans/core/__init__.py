"""The pure core of Distans.

Routing, queueing math, forecasting, scheduling, simulation, topics, calendars and
e-mail threading live here. Nothing under ``distans.core`` may import Django, the
ORM, Channels or Redis: it takes plain data (dataclasses, tuples, NumPy arrays) and
returns decisions and events. ``tests/core/test_purity.py`` enforces the rule.
"""
