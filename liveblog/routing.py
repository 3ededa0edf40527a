from django.urls import path

from liveblog.consumers import ReaderConsumer

websocket_urlpatterns = [
    path("ws/events/<slug:slug>/", ReaderConsumer.as_asgi()),
]
