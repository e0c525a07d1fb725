from django.urls import path

from distans.telephony import views

app_name = "telephony"
urlpatterns = [
    path("call-us/", views.call_us, name="call_us"),
]
