"""How this app's audit entries read on the audit page (joined to
``administration.audit_display.ACTIONS`` from ``apps.ready``)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy

ACTIONS: dict[str, Any] = {
    "continuity_plan_created": gettext_lazy("continuity plan made"),
    "continuity_plan_changed": gettext_lazy("continuity plan changed"),
    "continuity_plan_activated": gettext_lazy("continuity plan put in force"),
    "continuity_plan_deactivated": gettext_lazy("continuity plan ended"),
    "topic_created": gettext_lazy("topic added"),
    "topic_changed": gettext_lazy("topic changed"),
    "topic_removed": gettext_lazy("topic removed"),
    "queue_plan_changed": gettext_lazy("staffing target changed"),
    "queue_plan_removed": gettext_lazy("staffing target removed"),
    "planning_settings_changed": gettext_lazy("schedule rules changed"),
    "queue_removed": gettext_lazy("queue removed"),
    "phone_line_removed": gettext_lazy("phone line removed"),
    "chat_widget_removed": gettext_lazy("chat widget removed"),
    "queue_archived": gettext_lazy("queue archived"),
    "queue_unarchived": gettext_lazy("queue taken back from the archive"),
    "phone_line_archived": gettext_lazy("phone line archived"),
    "phone_line_unarchived": gettext_lazy("phone line taken back from the archive"),
    "chat_widget_archived": gettext_lazy("chat widget archived"),
    "chat_widget_unarchived": gettext_lazy("chat widget taken back from the archive"),
}
