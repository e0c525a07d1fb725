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

from distans.setup import views_channels  # noqa: E402

urlpatterns += [
    path("channels/", views_channels.index, name="channels"),
    path("channels/widgets/new/", views_channels.widget_edit, name="widget_new"),
    path("channels/widgets/<int:widget_id>/", views_channels.widget_edit, name="widget_edit"),
    path("channels/mailboxes/new/", views_channels.mailbox_edit, name="mailbox_new"),
    path("channels/mailboxes/<int:pk>/", views_channels.mailbox_edit, name="mailbox_edit"),
    path("channels/mailboxes/<int:pk>/test/", views_channels.mailbox_test, name="mailbox_test"),
    path("channels/lines/new/", views_channels.line_edit, name="line_new"),
    path("channels/lines/<int:pk>/", views_channels.line_edit, name="line_edit"),
]
