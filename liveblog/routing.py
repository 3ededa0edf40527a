from django.urls import path

from liveblog.consumers import ConsoleConsumer, ReaderConsumer

websocket_urlpatterns = [
    path("ws/events/<slug:slug>/", ReaderConsumer.as_asgi()),
    path("ws/events/<slug:slug>/console/", ConsoleConsumer.as_asgi()),
]
