from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SsoConfig(AppConfig):
    name = "distans.sso"
    label = "sso"
    verbose_name = _("Single sign-on")

    def ready(self) -> None:
        from distans.administration.audit_display import ACTIONS

        ACTIONS["second_factor.enabled"] = _("second factor turned on")
        ACTIONS["second_factor.removed"] = _("second factor turned off")
        ACTIONS["sso_provider.created"] = _("single sign-on provider added")
        ACTIONS["sso_provider.changed"] = _("single sign-on provider changed")
        ACTIONS["person.roles_from_sso"] = _("roles set from the sign-in provider's groups")
        from distans.administration.views import register_section

        register_section(
            "sso:second_factor",
            _("Second factor at login"),
            _("A code from an authenticator app after your password."),
            "account.second_factor",
        )
        register_section(
            "sso:settings",
            _("Sign-in"),
            _("Single sign-on with the organisation's accounts, and who uses a second factor."),
            "organisation.manage",
        )
