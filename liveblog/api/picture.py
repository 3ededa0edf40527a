"""The desk's picture of an event (liveblog.desk_picture), for its editors' console."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from liveblog.api.views import EditorOnly, EventScoped
from liveblog.desk_picture import desk_picture


class DeskPicture(EventScoped):
    """Per city: its last entry and its session's times; entries and readers per bucket of time."""

    permission_classes = [EditorOnly]

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request, slug: str) -> Response:
        response = Response(desk_picture(self.get_object()))
        response["Cache-Control"] = "private, no-store"
        return response
