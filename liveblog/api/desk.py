"""The desk's own endpoints: review (approve, return), the versions a correction replaced, and
who is on an event's desk."""

from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from liveblog import languages, services, translations
from liveblog.api.desk_rules import payload_for
from liveblog.api.serializers import EntrySerializer
from liveblog.api.views import IF_MATCH, EditorOnly, EntryDetail, EventScoped, IsEventEditorOrReadOnly
from liveblog.models import Entry, Event, Revision


class Approve(EntryDetail):
    """Publish a submitted entry as it stands (an editor may PATCH it first)."""

    permission_classes = [EditorOnly]
    http_method_names = ["post", "options"]

    @extend_schema(request=None, responses={200: EntrySerializer}, parameters=[IF_MATCH])
    def post(self, request: Request, pk: int) -> Response:
        entry = self.get_object()
        return self._reviewed(
            lambda expected: services.entry_approve(entry=entry, by=request.user, expected_version=expected)
        )

    def _reviewed(self, act) -> Response:
        try:
            entry = act(self._expected_version(required=False))
        except services.NotAwaitingReview as error:
            return Response(
                {
                    "detail": _("This entry is not awaiting review: it is %(status)s.")
                    % {"status": str(error).lower()}
                },
                status=status.HTTP_409_CONFLICT,
            )
        except services.StaleVersion as error:
            return self._stale(error)
        return Response(payload_for(self.request, entry), headers={"ETag": f'"{entry.version}"'})


class ReturnNote(serializers.Serializer):
    note = serializers.CharField(
        max_length=2000,
        error_messages={
            "required": gettext_lazy("Say what to change: send it as note."),
            "blank": gettext_lazy("Say what to change: the contributor reads this note."),
        },
    )


class Return(Approve):
    """Send a submitted entry back to its contributor as a draft, with a note."""

    serializer_class = ReturnNote  # type: ignore[assignment]  # the request's; it answers an entry

    @extend_schema(request=ReturnNote, responses={200: EntrySerializer}, parameters=[IF_MATCH])
    def post(self, request: Request, pk: int) -> Response:
        entry = self.get_object()
        note = ReturnNote(data=request.data)
        note.is_valid(raise_exception=True)
        return self._reviewed(
            lambda expected: services.entry_return(
                entry=entry, by=request.user, note=note.validated_data["note"], expected_version=expected
            )
        )


class RevisionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Revision
        fields = ["version", "html", "note", "replaced_at"]


class Revisions(generics.ListAPIView):
    """The published versions of an entry that corrections replaced, newest first."""

    serializer_class = RevisionSerializer
    permission_classes = [IsEventEditorOrReadOnly]
    pagination_class = None

    def get_queryset(self):
        entry = get_object_or_404(Entry.objects.published(), pk=self.kwargs["pk"])
        return entry.revisions.all()


class PersonSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    role = serializers.ChoiceField(choices=["editor", "contributor", "translator"])
    cities = serializers.ListField(child=serializers.SlugField(), required=False, default=list)
    languages = serializers.ListField(
        child=serializers.ChoiceField(choices=languages.LANGUAGES),
        required=False,
        default=list,
        help_text="A translator's languages; none: any.",
    )


class People(EventScoped):
    """Who is on the event's desk: its editors, contributors (with their cities) and translators
    (with their languages)."""

    permission_classes = [EditorOnly]
    serializer_class = PersonSerializer
    pagination_class = None

    @extend_schema(responses={200: PersonSerializer(many=True)})
    def get(self, request: Request, slug: str) -> Response:
        event = self.get_object()
        return Response(people(event))

    @extend_schema(request=PersonSerializer, responses={200: PersonSerializer(many=True)})
    def post(self, request: Request, slug: str) -> Response:
        event = self.get_object()
        person = PersonSerializer(data=request.data)
        person.is_valid(raise_exception=True)
        data = person.validated_data
        user = get_user_model().objects.filter(username=data["username"]).first()
        if user is None:
            return Response(
                {"username": [_("No account is called “%(username)s”: an admin creates it first.") % data]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        sessions = {s.slug: s for s in event.sessions.all()}
        unknown = [slug for slug in data["cities"] if slug not in sessions]
        if unknown:
            return Response(
                {"cities": [_("This event has no city %(cities)s.") % {"cities": ", ".join(unknown)}]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        services.desk_set_role(
            event=event,
            user=user,
            role=data["role"],
            cities=[sessions[s] for s in data["cities"]],
            languages=data["languages"],
        )
        return Response(people(event))


class Person(EventScoped):
    permission_classes = [EditorOnly]

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request, slug: str, username: str) -> Response:
        event = self.get_object()
        user = get_object_or_404(get_user_model(), username=username)
        if user == request.user:
            return Response(
                {"detail": _("You cannot take yourself off the desk.")}, status=status.HTTP_400_BAD_REQUEST
            )
        services.desk_remove(event=event, user_id=user.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


def people(event: Event) -> list[dict]:
    editors = [{"username": u.get_username(), "role": "editor", "cities": []} for u in event.editors.all()]
    contributors = [
        {"username": c.user.get_username(), "role": "contributor", "cities": [s.slug for s in c.cities.all()]}
        for c in event.contributors.select_related("user").prefetch_related("cities")
    ]
    translators = [
        {
            "username": t.user.get_username(),
            "role": "translator",
            "cities": [],
            "languages": translations.translator_languages(t),
        }
        for t in event.translators.select_related("user")
    ]
    order = {"editor": 0, "contributor": 1, "translator": 2}
    return sorted(editors + contributors + translators, key=lambda p: (order[p["role"]], p["username"]))
