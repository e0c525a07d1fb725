"""Reads of continuity plans: the plans, the one in force, and what the banner and
the wallboard show about it."""

from __future__ import annotations

from typing import Any

from distans.continuity.models import Activation, Plan


def plans(organisation: Any) -> list[Plan]:
    return list(Plan.objects.for_org(organisation).order_by("name"))


def get_plan(organisation: Any, plan_id: int) -> Plan | None:
    return Plan.objects.for_org(organisation).filter(pk=plan_id).first()


def active_activation(organisation: Any) -> Activation | None:
    if organisation is None:
        return None
    return (
        Activation.objects.for_org(organisation)
        .filter(active=True)
        .select_related("plan", "activated_by", "announcement")
        .first()
    )


def history(organisation: Any, limit: int = 20) -> list[Activation]:
    return list(
        Activation.objects.for_org(organisation)
        .select_related("plan", "activated_by", "deactivated_by")
        .order_by("-activated_at")[:limit]
    )


def in_force(organisation: Any) -> dict[str, Any] | None:
    """What the staff banner and the wallboard show: the plan, since when, by whom,
    the current phase (when phases are in use), what changed and the reach of its
    announcement."""
    activation = active_activation(organisation)
    if activation is None:
        return None
    from distans.announcements.queries import current_phase

    reach = None
    if activation.announcement is not None:
        from distans.announcements.queries import reach as announcement_reach

        try:
            reach = announcement_reach(activation.announcement)
        except Exception:  # the banner never breaks a page
            reach = None
    receipts = None
    if activation.announcement is not None:
        from django.db.models import Count, Q

        receipts = activation.announcement.receipts.aggregate(
            total=Count("pk"), acknowledged=Count("pk", filter=Q(acknowledged_at__isnull=False))
        )
    return {
        "activation": activation,
        "receipts": receipts,
        "plan": activation.plan,
        "since": activation.activated_at,
        "phase": current_phase(activation.organisation),
        "changes": activation.summary,
        "announcement": activation.announcement,
        "reach": reach,
    }
