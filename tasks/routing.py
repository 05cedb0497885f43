from django.urls import path

from tasks.consumers import ProjectConsumer

websocket_urlpatterns = [
    path("ws/projects/<slug:slug>/", ProjectConsumer.as_asgi()),
]
