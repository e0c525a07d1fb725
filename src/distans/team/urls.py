from django.urls import path

from distans.team import views

app_name = "team"
urlpatterns = [
    path("", views.index, name="index"),
    path("online/", views.online, name="online"),
]
