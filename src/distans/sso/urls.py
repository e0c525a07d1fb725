from django.urls import path

from distans.sso import views

app_name = "sso"

urlpatterns = [
    path("start/", views.start, name="start"),
    path("callback/", views.callback, name="callback"),
    path("code/", views.verify, name="verify"),
    path("second-factor/", views.second_factor, name="second_factor"),
    path("settings/", views.sign_in_settings, name="settings"),
]
