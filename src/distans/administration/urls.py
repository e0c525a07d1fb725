from django.urls import path

from distans.administration import views, views_integrations, views_people, views_privacy

app_name = "administration"

urlpatterns = [
    path("", views.index, name="index"),
    path("audit/", views.audit, name="audit"),
    # people, teams, sites
    path("people/", views_people.people, name="people"),
    path("people/invite/", views_people.invite, name="invite"),
    path("people/import/", views_people.import_people, name="import_people"),
    path("people/<int:person_id>/", views_people.person, name="person"),
    path("people/<int:person_id>/agent/", views_people.agent, name="agent"),
    path("people/<int:person_id>/active/", views_people.set_active, name="set_active"),
    path("people/<int:person_id>/invite-again/", views_people.invite_again, name="invite_again"),
    path("teams/", views_people.teams, name="teams"),
    path("teams/new/", views_people.team, name="team_new"),
    path("teams/<int:team_id>/", views_people.team, name="team"),
    path("sites/", views_people.sites, name="sites"),
    path("sites/new/", views_people.site, name="site_new"),
    path("sites/<int:site_id>/", views_people.site, name="site"),
    # a data subject's data (GDPR)
    path("privacy/", views_privacy.privacy, name="privacy"),
    path("privacy/export/", views_privacy.privacy_export, name="privacy_export"),
    path("privacy/erase/", views_privacy.privacy_erase, name="privacy_erase"),
    # integrations
    path("api-keys/", views_integrations.api_keys, name="api_keys"),
    path("api-keys/<int:key_id>/revoke/", views_integrations.revoke_api_key, name="revoke_api_key"),
    path("webhooks/", views_integrations.webhooks, name="webhooks"),
    path("webhooks/new/", views_integrations.webhook, name="webhook_new"),
    path("webhooks/<int:webhook_id>/", views_integrations.webhook, name="webhook"),
]
