from django.urls import path

from distans.visits import settings_views

app_name = "visits_settings"
urlpatterns = [
    path("", settings_views.index, name="index"),
    path("options/", settings_views.save_settings, name="save_settings"),
    path("new/", settings_views.new_service, name="new"),
    path("<int:service_id>/", settings_views.edit_service, name="edit"),
]
