from django.contrib import admin
from django.urls import include, path

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

handler404 = "liveblog.views.not_found"
