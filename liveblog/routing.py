from channels.auth import AuthMiddlewareStack
from django.urls import path

from liveblog.consumers import ConsoleConsumer, ReaderConsumer

# Readers are anonymous: their route skips the session lookup. The console needs the editor.
websocket_urlpatterns = [
    path("ws/events/<slug:slug>/", ReaderConsumer.as_asgi()),
    path("ws/events/<slug:slug>/console/", AuthMiddlewareStack(ConsoleConsumer.as_asgi())),
]
