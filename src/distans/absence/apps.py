from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AbsenceConfig(AppConfig):
    name = "distans.absence"
    label = "absence"
    verbose_name = _("Absence and readiness")

    def ready(self) -> None:
        from distans.absence.queries import home_readiness_problems
        from distans.planning.solving import register_home_check

        register_home_check(home_readiness_problems)

        # Someone reported absent cannot set themself available (routing asks gates).
        from distans.absence.gate import not_while_absent
        from distans.routing.gates import register_presence_gate

        register_presence_gate(not_while_absent)
