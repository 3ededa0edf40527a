from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path

from liveblog import views

urlpatterns = [
    path("", include("liveblog.urls")),
    path("api/", include("liveblog.api.urls")),
    path("admin/", admin.site.urls),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("healthz", views.healthz, name="healthz"),
    path("metrics", views.metrics_view, name="metrics"),
]

if settings.MEDIA_STORAGE == "filesystem" and settings.MEDIA_URL.startswith("/"):
    media = settings.MEDIA_URL.lstrip("/")
    urlpatterns.append(re_path(rf"^{media}(?P<path>.+)$", views.media_file, name="media_file"))

handler404 = "liveblog.views.not_found"
