from django.urls import path

from distans.continuity import views

app_name = "continuity"
urlpatterns = [
    path("", views.index, name="index"),
    path("banner/", views.banner, name="banner"),
    path("wallboard/", views.wallboard, name="wallboard"),
    path("end/", views.deactivate, name="deactivate"),
    path("<int:plan_id>/", views.plan_detail, name="plan"),
    path("<int:plan_id>/queues/new/", views.plan_queue, name="queue_new"),
    path("<int:plan_id>/queues/<slug:code>/", views.plan_queue, name="queue"),
    path("<int:plan_id>/activate/", views.activate, name="activate"),
    path("<int:plan_id>/unschedule/", views.cancel_schedule, name="unschedule"),
]
