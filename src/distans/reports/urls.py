from django.urls import path

from distans.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.index, name="index"),
    path("export.csv", views.export_csv, name="export_csv"),
    path("export.xlsx", views.export_xlsx, name="export_xlsx"),
    path("events.csv", views.events_csv, name="events_csv"),
]
