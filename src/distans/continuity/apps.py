from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContinuityConfig(AppConfig):
    name = "distans.continuity"
    label = "continuity"
    verbose_name = _("Continuity plans")

    def ready(self) -> None:
        # "Everyone at home": while such a plan is active, nobody signed in at an
        # office goes available.
        from distans.continuity.gate import home_only
        from distans.routing.gates import register_presence_gate

        register_presence_gate(home_only)
        try:
            from distans.administration.audit_display import ACTIONS
        except ImportError:  # the administration app is not installed
            return
        from distans.continuity.audit_labels import ACTIONS as OURS

        for action, label in OURS.items():
            ACTIONS.setdefault(action, label)
