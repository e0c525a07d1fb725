from django.urls import path

from distans.channels_chat import views

app_name = "channels_chat"
urlpatterns = [
    path("widget.js", views.widget_js, name="widget_js"),
    path("form/<str:key>/", views.form_page, name="form"),
    path("demo/", views.demo_page, name="demo"),
]
