from django.urls import path

from . import api, pages

app_name = "notifications"

urlpatterns = [
    path("api/notifications/", api.NotificationList.as_view(), name="notifications"),
    path("api/notifications/unread-count/", api.UnreadCount.as_view(), name="unread-count"),
    path("api/notifications/read-all/", api.NotificationReadAll.as_view(), name="api-read-all"),
    path("api/notifications/preferences/", api.PreferenceView.as_view(), name="preferences"),
    path("api/notifications/<int:pk>/read/", api.NotificationRead.as_view(), name="read"),
    path("notifications/", pages.inbox, name="inbox"),
    path("notifications/settings/", pages.preferences, name="settings"),
    path("notifications/read-all/", pages.mark_all_read, name="read-all"),
    path("notifications/<int:pk>/read/", pages.mark_read, name="mark-read"),
]
