from django.urls import path

from distans.switchboard import views

app_name = "switchboard"

urlpatterns = [
    path("", views.index, name="index"),
    path("search/", views.search_results, name="search"),
    path("calls/", views.calls, name="calls"),
    path("entry/<int:entry_id>/", views.entry, name="entry"),
    path("entry/<int:entry_id>/message/", views.take_message, name="message"),
    path("calls/<int:call_id>/transfer/", views.transfer, name="transfer"),
    path("away/", views.away, name="away"),
    path("messages/<int:message_id>/done/", views.message_done, name="message_done"),
    path("directory/", views.directory, name="directory"),
]
