from django.urls import path

from distans.setup import views

app_name = "setup"

urlpatterns = [
    path("queues/", views.queue_list, name="queues"),
    path("queues/new/", views.queue_edit, name="queue_new"),
    path("queues/<int:queue_id>/", views.queue_edit, name="queue_edit"),
]
