"""Shift scheduling with OR-Tools CP-SAT: templates with breaks, service-level-aware
coverage, and (in :mod:`roster`) named people, cohorts, seats and fairness.

See docs/dev/planning.md for the model and its sources.
"""
