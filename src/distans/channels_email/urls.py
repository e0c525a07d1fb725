from django.urls import path

from distans.channels_email import views

app_name = "channels_email"
urlpatterns = [
    path("caught/", views.caught, name="caught"),
    path("caught/<str:name>/", views.caught_one, name="caught_one"),
    path("outgoing/<int:outgoing_id>/retry/", views.retry_outgoing, name="retry_outgoing"),
]
