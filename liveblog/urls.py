from django.urls import path
from django.views.decorators.http import require_safe

from liveblog import agenda_views, feeds, i18n, speaker_views, translate_views, views

urlpatterns = [
    path("", views.index, name="index"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("jsi18n/<str:language>.js", i18n.javascript_catalog, name="javascript_catalog"),
    path("events/<slug:slug>/", views.event_detail, name="event_detail"),
    path("events/<slug:slug>/entries/<int:pk>/", views.entry_detail, name="entry_detail"),
    path("events/<slug:slug>/embed/", views.event_embed, name="event_embed"),
    path("events/<slug:slug>/feed/", require_safe(feeds.EventFeed()), name="event_feed"),
    path("events/<slug:slug>/speakers/", speaker_views.speakers, name="speakers"),
    path("events/<slug:slug>/speakers/<int:pk>/", speaker_views.speaker_detail, name="speaker_by_id"),
    path(
        "events/<slug:slug>/speakers/<int:pk>-<slug:name>/",
        speaker_views.speaker_detail,
        name="speaker_detail",
    ),
    path("events/<slug:slug>/agenda/", agenda_views.agenda_page, name="agenda"),
    path("events/<slug:slug>/console/", views.console, name="console"),
    path("events/<slug:slug>/console/export.<str:fmt>", views.console_export, name="console_export"),
    path("events/<slug:slug>/console/translate/", translate_views.translate, name="translate"),
]
