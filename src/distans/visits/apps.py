from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VisitsConfig(AppConfig):
    name = "distans.visits"
    label = "visits"
    verbose_name = _("Visits")

    def ready(self) -> None:
        from distans.administration.audit_display import ACTIONS
        from distans.administration.views import register_section
        from distans.planning.demand import register_extra_demand
        from distans.visits import audit_labels
        from distans.visits.queries import staff_needed_for_visits

        ACTIONS.update(audit_labels.ACTIONS)
        register_section(
            "visits_settings:index",
            _("Visits by appointment"),
            _(
                "Services visitors can book, their hours, staff and capacity; how long the visitor log is kept."
            ),
            "visits.configure",
        )
        register_extra_demand(staff_needed_for_visits)

        # A continuity plan can switch the walk-in desk to booking only.
        from distans.visits import continuity

        continuity.register()
