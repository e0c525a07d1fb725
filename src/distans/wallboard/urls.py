from django.urls import path

from distans.wallboard import views

app_name = "wallboard"
urlpatterns = [
    path("", views.index, name="index"),
    path("tv/", views.tv, name="tv"),
    path("queues/", views.queues, name="queues"),
    path("agents/", views.agents, name="agents"),
    path("topics/", views.topics, name="topics"),
    path("gateway/", views.gateway, name="gateway"),
    path("agents/<int:person_id>/", views.agent, name="agent"),
    path("agents/<int:person_id>/presence/", views.agent_presence, name="agent_presence"),
    path("agents/<int:person_id>/queues/", views.agent_queues, name="agent_queues"),
]
