import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# Django must be set up before anything imports models.
django_asgi_app = get_asgi_application()

import gc  # noqa: E402

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from liveblog.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # Django's URLPattern, which types-channels wants as its own subclass of it.
        "websocket": AllowedHostsOriginValidator(URLRouter(websocket_urlpatterns)),  # type: ignore[arg-type]
    }
)

# Thousands of long-lived reader connections make full collections scan a large, stable heap
# (half a second each at 5,000 readers): keep what exists at start-up out of them, and collect
# the oldest generation less often.
gc.freeze()
gc.set_threshold(50_000, 20, 100)
