from django.urls import path

from . import api

app_name = "notifications"

urlpatterns = [
    path("api/notifications/", api.NotificationList.as_view(), name="notifications"),
    path("api/notifications/unread-count/", api.UnreadCount.as_view(), name="unread-count"),
    path("api/notifications/preferences/", api.PreferenceView.as_view(), name="preferences"),
    path("api/notifications/<int:pk>/read/", api.NotificationRead.as_view(), name="read"),
]
