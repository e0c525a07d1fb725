"""The invitation link (no login: the single-use token is the credential)."""

from django.urls import path

from distans.administration import views_people

urlpatterns = [
    path("<str:token>/", views_people.accept_invitation, name="accept_invitation"),
]
