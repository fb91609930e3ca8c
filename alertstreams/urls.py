from django.urls import path

from . import views

app_name = "alertstreams"

urlpatterns = [
    path("dead-letters/", views.dead_letters, name="dead-letters"),
]
