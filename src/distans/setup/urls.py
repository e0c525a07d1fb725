from django.urls import path

from distans.setup import views

app_name = "setup"

urlpatterns = [
    path("queues/", views.queue_list, name="queues"),
    path("queues/new/", views.queue_edit, name="queue_new"),
    path("queues/<int:queue_id>/", views.queue_edit, name="queue_edit"),
]

from distans.setup import views_first_run  # noqa: E402

urlpatterns += [
    path("first-run/", views_first_run.start, name="first_run"),
    path("first-run/test-chat/", views_first_run.test_chat, name="test_chat"),
    path("first-run/test-page/", views_first_run.test_page, name="test_page"),
    path("first-run/<slug:step>/", views_first_run.step, name="first_run_step"),
]
