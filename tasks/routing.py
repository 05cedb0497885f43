from django.urls import path

from tasks.consumers import ProjectConsumer
from tasks.notification_consumer import NotificationConsumer

websocket_urlpatterns = [
    path("ws/projects/<slug:slug>/", ProjectConsumer.as_asgi()),
    path("ws/notifications/", NotificationConsumer.as_asgi()),
]
