"""Addresses of notifications and project news (included once by crowd.urls)."""

from django.urls import path

from tasks.views import news, notifications

urlpatterns = [
    path("notifications/", notifications.notification_list, name="notifications"),
    path(
        "notifications/<int:notification_id>/open/",
        notifications.notification_open,
        name="notification-open",
    ),
    path(
        "notifications/<int:notification_id>/read/",
        notifications.notification_read,
        name="notification-read",
    ),
    path(
        "notifications/read-all/",
        notifications.notifications_read_all,
        name="notifications-read-all",
    ),
    path(
        "notifications/settings/",
        notifications.notification_settings,
        name="notification-settings",
    ),
    path(
        "notifications/unsubscribe/<str:token>/",
        notifications.notifications_unsubscribe,
        name="notifications-unsubscribe",
    ),
    path("projects/<slug:slug>/news/", news.project_news_page, name="project-news"),
    path("projects/<slug:slug>/news/<int:news_id>/edit/", news.news_edit, name="news-edit"),
    path("projects/<slug:slug>/news/<int:news_id>/delete/", news.news_remove, name="news-delete"),
]
