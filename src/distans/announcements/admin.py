from distans.accounts.admin import OrgScopedAdmin, site
from distans.announcements.models import ChatTarget


class ChatTargetAdmin(OrgScopedAdmin):
    """One Apprise URL per team or for the whole organisation."""

    list_display = ["name", "team", "is_active"]
    fields = ["name", "team", "url", "is_active"]


site.register(ChatTarget, ChatTargetAdmin)
