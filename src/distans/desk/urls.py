from django.urls import path

from distans.desk import views

app_name = "desk"
urlpatterns = [
    path("", views.index, name="index"),
    path("state/", views.state, name="state"),
    path("presence/", views.set_presence, name="presence"),
    path("location/", views.set_location, name="location"),
    path("wrap-up/end/", views.end_wrap_up, name="end_wrap_up"),
    path("offers/", views.offers, name="offers"),
    path("offers/<int:offer_id>/accept/", views.accept_offer, name="accept"),
    path("offers/<int:offer_id>/decline/", views.decline_offer, name="decline"),
    path("work/", views.workspaces, name="workspaces"),
    path("contacts/<int:contact_id>/thread/", views.thread, name="thread"),
    path("contacts/<int:contact_id>/reply/", views.reply, name="reply"),
    path("contacts/<int:contact_id>/internal-note/", views.internal_note, name="internal_note"),
    path("contacts/<int:contact_id>/notes/", views.save_notes, name="notes"),
    path("contacts/<int:contact_id>/suggestions/", views.topic_suggestions, name="suggestions"),
    path("contacts/<int:contact_id>/complete/", views.complete, name="complete"),
    path("contacts/<int:contact_id>/transfer/", views.transfer, name="transfer"),
    path("consultations/", views.consultations, name="consultations"),
    path("consultations/new/", views.ask_colleague, name="ask"),
    path(
        "consultations/<int:consultation_id>/reply/",
        views.consultation_reply,
        name="consultation_reply",
    ),
    path("articles/", views.articles, name="articles"),
    path("articles/new/", views.article_new, name="article_new"),
    path("articles/<int:article_id>/", views.article, name="article"),
    path("articles/<int:article_id>/edit/", views.article_edit, name="article_edit"),
    path("today/", views.today, name="today"),
    path("team/", views.team, name="team"),
    path("attachments/<int:attachment_id>/", views.attachment, name="attachment"),
]
