from django.urls import path

from . import views

app_name = "ops"
urlpatterns = [
    path("favicon.ico", views.favicon, name="favicon"),
]
