from channels.auth import AuthMiddlewareStack
from django.urls import path

from liveblog.consumers import ConsoleConsumer, ReaderConsumer

# Readers are anonymous: their route skips the session lookup. The console needs the editor.
# (django-stubs types path() for views only; Channels routes ASGI applications through it.)
websocket_urlpatterns = [
    path("ws/events/<slug:slug>/", ReaderConsumer.as_asgi()),  # type: ignore[arg-type]
    path(
        "ws/events/<slug:slug>/console/",
        AuthMiddlewareStack(ConsoleConsumer.as_asgi()),  # type: ignore[arg-type]
    ),
]
