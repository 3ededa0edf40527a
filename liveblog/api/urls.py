from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from liveblog.api import agenda, desk, picture, translations, views

urlpatterns = [
    path("events/", views.EventList.as_view(), name="api_events"),
    path("events/<slug:slug>/", views.EventDetail.as_view(), name="api_event"),
    path("events/<slug:slug>/entries/", views.EventEntries.as_view(), name="api_event_entries"),
    path("events/<slug:slug>/changes/", views.EventChanges.as_view(), name="api_event_changes"),
    path("events/<slug:slug>/preview/", views.EntryPreview.as_view(), name="api_event_preview"),
    path("events/<slug:slug>/media/", views.MediaUpload.as_view(), name="api_event_media"),
    path("events/<slug:slug>/status/", views.EventStatus.as_view(), name="api_event_status"),
    path("events/<slug:slug>/sessions/", views.EventSessions.as_view(), name="api_event_sessions"),
    path("events/<slug:slug>/desk/", picture.DeskPicture.as_view(), name="api_event_desk"),
    path("events/<slug:slug>/people/", desk.People.as_view(), name="api_event_people"),
    path("events/<slug:slug>/people/<str:username>/", desk.Person.as_view(), name="api_event_person"),
    path("events/<slug:slug>/agenda/", agenda.EventAgenda.as_view(), name="api_event_agenda"),
    path("slots/<int:pk>/", agenda.SlotDetail.as_view(), name="api_slot"),
    path("speakers/", views.SpeakerSearch.as_view(), name="api_speakers"),
    path("speakers/split/", views.SpeakerSplit.as_view(), name="api_speaker_split"),
    path("entries/<int:pk>/", views.EntryDetail.as_view(), name="api_entry"),
    path("entries/<int:pk>/approve/", desk.Approve.as_view(), name="api_entry_approve"),
    path("entries/<int:pk>/return/", desk.Return.as_view(), name="api_entry_return"),
    path("entries/<int:pk>/revisions/", desk.Revisions.as_view(), name="api_entry_revisions"),
    path(
        "entries/<int:pk>/translations/<str:language>/",
        translations.EntryTranslationDetail.as_view(),
        name="api_entry_translation",
    ),
    path(
        "events/<slug:slug>/translations/<str:language>/",
        translations.EventTranslationDetail.as_view(),
        name="api_event_translation",
    ),
    path("schema/", SpectacularAPIView.as_view(), name="api_schema"),
]
