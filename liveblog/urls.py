from django.urls import path

from liveblog import views

urlpatterns = [
    path("", views.index, name="index"),
    path("events/<slug:slug>/", views.event_detail, name="event_detail"),
    path("events/<slug:slug>/entries/<int:pk>/", views.entry_detail, name="entry_detail"),
]
