from django.urls import path

from distans.topics import views

app_name = "topics"
urlpatterns = [
    path("", views.index, name="index"),
    path("export.csv", views.export, name="export"),
    path("import/", views.import_csv, name="import"),
    path("new/", views.edit, name="new"),
    path("<int:topic_id>/", views.edit, name="edit"),
    path("train/", views.train, name="train"),
    path("surges/now/", views.surges_now, name="surges_now"),
]
