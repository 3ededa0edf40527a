from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from liveblog.api import views

urlpatterns = [
    path("events/", views.EventList.as_view(), name="api_events"),
    path("events/<slug:slug>/", views.EventDetail.as_view(), name="api_event"),
    path("events/<slug:slug>/entries/", views.EventEntries.as_view(), name="api_event_entries"),
    path("events/<slug:slug>/changes/", views.EventChanges.as_view(), name="api_event_changes"),
    path("events/<slug:slug>/preview/", views.EntryPreview.as_view(), name="api_event_preview"),
    path("events/<slug:slug>/media/", views.MediaUpload.as_view(), name="api_event_media"),
    path("events/<slug:slug>/status/", views.EventStatus.as_view(), name="api_event_status"),
    path("events/<slug:slug>/sessions/", views.EventSessions.as_view(), name="api_event_sessions"),
    path("speakers/", views.SpeakerSearch.as_view(), name="api_speakers"),
    path("entries/<int:pk>/", views.EntryDetail.as_view(), name="api_entry"),
    path("schema/", SpectacularAPIView.as_view(), name="api_schema"),
]
