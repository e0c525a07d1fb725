from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TopicsConfig(AppConfig):
    name = "distans.topics"
    label = "topics"
    verbose_name = _("Topics")

    def ready(self) -> None:
        from distans.topics.queries import surging_queue_codes, surging_topics

        try:
            from distans.wallboard.queries import register_surge_detector, register_surging_queues
        except ImportError:  # the wallboard app is optional
            return
        register_surge_detector(surging_topics)
        register_surging_queues(surging_queue_codes)
