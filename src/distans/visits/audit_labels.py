"""How the visits app's audit entries read on the audit page."""

from django.utils.translation import gettext_lazy as _

ACTIONS = {
    "visit_service.created": _("visit service added"),
    "visit_service.changed": _("visit service changed"),
    "visit_settings.changed": _("visit settings changed"),
    "visit_day.closed": _("day closed for visits"),
}
