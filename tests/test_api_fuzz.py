"""The JSON API against its own OpenAPI document: Schemathesis fuzzes every operation of
`/api/schema/` on a live Daphne run as production runs it, then chains entry operations through
OpenAPI links (create, read, edit with `If-Match`, delete).

Every response must come without a server error, with a documented status code, a documented
content type and a body that matches the documented schema. Statuses the document does not
describe yet are listed one by one in UNDOCUMENTED below, each with what the server sends, so a
new gap fails the test; once the views document one, `test_each_listed_gap_is_still_a_gap` asks
for its line to be removed."""

import json
import urllib.request
from dataclasses import dataclass

import hypothesis
import pytest
import schemathesis
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    ensure_resource_availability,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    use_after_free,
)

from tests.helpers import SLUG
from tests.server import manage

pytestmark = pytest.mark.server
ELSEWHERE = "elsewhere"  # another event: its editor is an outsider to SLUG
SEED = 20180825

# Statuses the server sends that /api/schema/ does not document, per operation; each is a gap
# in the views' @extend_schema to fix. The responses are JSON objects unless said otherwise.
ENTRY = "/api/entries/{id}/"
EVENT = "/api/events/{slug}/"
UNDOCUMENTED: dict[str, dict[int, str]] = {}  # every status the server sends is documented now
# A path parameter the URL pattern does not match (a slug with a space, a negative id) never
# reaches the API: Django answers with its HTML 404 page. The document lets `slug` be any string
# and `id` any integer; a `pattern` (^[-a-zA-Z0-9_]+$) and `minimum: 0` would describe the routes.
HTML_404_OPERATIONS = {
    f"{method} {path}"
    for method, path in [
        ("GET", EVENT),
        ("GET", f"{EVENT}changes/"),
        ("GET", f"{EVENT}entries/"),
        ("POST", f"{EVENT}entries/"),
        ("POST", f"{EVENT}preview/"),
        ("POST", f"{EVENT}status/"),
        ("POST", f"{EVENT}sessions/"),
        ("POST", f"{EVENT}media/"),
        ("GET", f"{EVENT}people/"),
        ("POST", f"{EVENT}people/"),
        ("DELETE", f"{EVENT}people/{{username}}/"),
        ("GET", ENTRY),
        ("POST", f"{ENTRY}approve/"),
        ("POST", f"{ENTRY}return/"),
        ("GET", f"{ENTRY}revisions/"),
        ("PATCH", ENTRY),
        ("DELETE", ENTRY),
    ]
}
# The document offers multipart/form-data for every request body (DRF's default parsers). Daphne's
# HTTP layer (Twisted) parses such a body itself before the application sees it, and answers one
# it cannot parse (a multipart with no part) with a bare 400: no Content-Type, no body, not logged.
TWISTED_MULTIPART_400 = "multipart/form-data"


def documented_status(ctx, response, case) -> None:
    """Schemathesis's status_code_conformance, less the gaps listed in UNDOCUMENTED."""
    label = case.operation.label
    documented = {int(code) for code in case.operation.responses.status_codes if code.isdigit()}
    status = response.status_code
    if status in documented or status >= 500:  # a 5xx is not_a_server_error's to report
        return
    known = UNDOCUMENTED.get(label, {})
    assert status in known, (
        f"{label} answered {status}, documented: {sorted(documented)}; body: {response.text[:300]!r}"
    )
    content_type = response.headers.get("content-type", [""])[0]  # lowercase keys, lists of values
    sent = response.request.headers.get("Content-Type", "")
    if status == 400 and not response.content and sent.startswith(TWISTED_MULTIPART_400):
        return  # see TWISTED_MULTIPART_400
    if status == 404 and content_type.startswith("text/html") and label in HTML_404_OPERATIONS:
        return  # the URL pattern refused a path parameter (see HTML_404_OPERATIONS)
    assert content_type.split(";")[0].strip() == "application/json", (
        f"{label} answered {status} with {content_type!r}, not JSON: {response.text[:300]!r}"
    )
    assert isinstance(json.loads(response.text), dict), f"{label} {status}: {response.text[:300]!r}"


CHECKS = [
    not_a_server_error,
    documented_status,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


@dataclass
class Live:
    base: str
    editor: str
    outsider: str


@pytest.fixture(scope="module")
def live(demo_template, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("api-fuzz")
    site = demo_template.copy(tmp, LIVEBLOG_WRITE_RATE="100000/m")
    env = site.env
    manage(
        env,
        "shell",
        "-c",
        "from django.utils import timezone; from liveblog.models import Event; "
        f"Event.objects.create(slug='{ELSEWHERE}', title='Elsewhere', starts_at=timezone.now())",
    )
    outsider = manage(env, "create_editor", "outsider", "--event", ELSEWHERE, "--token").split()[-1]
    log = tmp / "daphne.log"  # a fuzz run logs thousands of 4xx warnings: read once it stops
    with site.serve(log_path=log) as base:
        yield Live(str(base), site.token, outsider)  # a plain str: schemathesis checks the type
    errors = [line for line in log.read_text().splitlines() if "ERROR" in line or "Traceback" in line]
    assert not errors, "the server logged errors:\n" + log.read_text()[-5000:]


def openapi_document(base: str) -> dict:
    """The served document, plus the links drf-spectacular does not write: an entry created by
    POST is then read, edited (its ETag as If-Match) and deleted through /api/entries/{id}/, in
    any order and more than once (an edit or a delete after the first delete meets a 404)."""
    with urllib.request.urlopen(f"{base}/api/schema/?format=json", timeout=10) as response:
        assert response.headers["Content-Type"].startswith("application/vnd.oai.openapi+json")
        document = json.loads(response.read())
    entry = {"path.id": "$response.body#/id"}
    as_created = {**entry, "header.If-Match": "$response.header.ETag"}
    document["paths"][f"{EVENT}entries/"]["post"]["responses"]["201"]["links"] = {
        "GetEntry": {"operationId": "entries_retrieve", "parameters": entry},
        "PatchEntry": {"operationId": "entries_partial_update", "parameters": as_created},
        "DeleteEntry": {"operationId": "entries_destroy", "parameters": as_created},
    }
    return document


OPERATIONS = [
    "GET /api/events/",
    f"GET {EVENT}",
    f"GET {EVENT}changes/",
    f"GET {EVENT}entries/",
    f"POST {EVENT}entries/",
    f"POST {EVENT}preview/",
    f"POST {EVENT}status/",
    f"POST {EVENT}sessions/",
    f"POST {EVENT}media/",
    f"GET {EVENT}agenda/",
    f"POST {EVENT}agenda/",
    f"GET {EVENT}desk/",
    f"PUT {EVENT}translations/{{language}}/",
    f"DELETE {EVENT}translations/{{language}}/",
    "PATCH /api/slots/{id}/",
    "DELETE /api/slots/{id}/",
    f"PUT {ENTRY}translations/{{language}}/",
    f"DELETE {ENTRY}translations/{{language}}/",
    f"GET {EVENT}people/",
    f"POST {EVENT}people/",
    f"DELETE {EVENT}people/{{username}}/",
    "GET /api/speakers/",
    "GET /api/speakers/split/",
    f"POST {ENTRY}approve/",
    f"POST {ENTRY}return/",
    f"GET {ENTRY}revisions/",
    f"GET {ENTRY}",
    f"PATCH {ENTRY}",
    f"DELETE {ENTRY}",
]
# Who calls, and how many cases each operation gets. The editor's slug is the demo event's, so
# that the cases reach past the 404 of a random slug; the anonymous client's slugs are random.
PERSONAS = {"editor": 40, "outsider": 12, "anonymous": 12}


@pytest.fixture(scope="module")
def schema(live):
    config = {
        "base-url": live.base,
        "seed": SEED,
        "generation": {"deterministic": True, "database": "none", "with-security-parameters": False},
    }
    return schemathesis.openapi.from_dict(
        openapi_document(live.base), config=schemathesis.Config.from_dict(config)
    )


# A time in the past, on the event's day: a bare "17:42" is today's while the event is live, and
# refused while it is still ahead.
VALID_FIELDS = {"city": "paris", "speaker": None, "occurred_at": "2018-08-25T17:42:00+02:00"}
# Fields the chain cannot make valid by chance (photos of the event, a speaker's parts, a schedule):
# the stateless fuzzing covers them.
DROPPED_FIELDS = ("speaker_name", "new_speaker", "media", "publish_at", "correction")


def auth(live: Live, persona: str) -> dict[str, str]:
    token = {"editor": live.editor, "outsider": live.outsider}.get(persona)
    return {"Authorization": f"Token {token}"} if token else {}


def test_the_document_has_the_operations_fuzzed_here(schema):
    assert sorted(op.ok().label for op in schema.get_all_operations()) == sorted(OPERATIONS)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("label", OPERATIONS)
def test_every_answer_is_documented(live, schema, label, persona):
    method, path = label.split(" ")
    operation = schema[path][method]
    fixed = {"slug": SLUG} if persona != "anonymous" and "{slug}" in path else None
    cases = hypothesis.strategies.one_of(
        operation.as_strategy(GenerationMode.POSITIVE, path_parameters=fixed),
        operation.as_strategy(GenerationMode.NEGATIVE, path_parameters=fixed),
    )
    headers = auth(live, persona)

    @hypothesis.settings(
        max_examples=PERSONAS[persona],
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    @hypothesis.given(case=cases)
    def fuzz(case):
        case.call_and_validate(headers=headers, checks=CHECKS)

    fuzz()


def test_entries_created_read_edited_and_deleted_through_links(live, schema):
    entries = schema.include(path_regex=r"^/api/(entries/\{id\}|events/\{slug\}/entries)/$")
    seen: set[tuple[str, int]] = set()  # (operation, status) pairs met
    deleted: set[int] = set()

    class Workflow(entries.as_state_machine()):
        def setup(self):
            self.created: set[int] = set()  # this scenario's entries

        def before_call(self, case):
            # A generated Idempotency-Key repeats across scenarios, and whether it then replays
            # or gets 422 depends on earlier scenarios: keys are fuzzed by the stateless test.
            (case.headers or {}).pop("Idempotency-Key", None)
            if "slug" in case.path_parameters:
                case.path_parameters["slug"] = SLUG
            entry = case.path_parameters.get("id")
            if isinstance(entry, int) and entry not in self.created:
                # A random id may land on a demo entry that an earlier scenario deleted: the same
                # scenario would then meet another answer. Random ids go where no entry is.
                case.path_parameters["id"] = 10**9 + abs(entry)
            if isinstance(case.body, dict):
                # What the document cannot constrain yet, made valid so that the chain goes on:
                # the event's own cities, an existing speaker, a time the server reads, a name
                # with a name in it, a body with text; as JSON, where null stays null.
                case.media_type = "application/json"
                for field in DROPPED_FIELDS:
                    case.body.pop(field, None)
                case.body.update(VALID_FIELDS)
                if case.body.get("status") == "scheduled":
                    case.body["status"] = "draft"
                if not str(case.body.get("body", "x")).strip():
                    case.body["body"] = "Doors are open."

        def get_call_kwargs(self, case):
            return {"headers": auth(live, "editor")}

        def after_call(self, response, case):
            super().after_call(response, case)
            label, status, entry = case.operation.label, response.status_code, case.path_parameters.get("id")
            seen.add((f"{label} of a deleted entry" if entry in deleted else label, status))
            if case.method == "POST" and status == 201:
                self.created.add(response.json()["id"])
            if case.method == "DELETE" and status == 204:
                deleted.add(entry)

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            # A created entry can be read; a deleted one is gone (404) for GET, PATCH and DELETE.
            stateful = [ensure_resource_availability, use_after_free]
            case.validate_response(
                response, checks=CHECKS + stateful, transport_kwargs=kwargs or None, recorder=self.recorder
            )

    stopped = ""
    try:
        Workflow.run(
            settings=hypothesis.settings(
                max_examples=30,
                stateful_step_count=10,
                derandomize=True,
                # As Schemathesis runs it: the server keeps what each scenario did, so a replay
                # while shrinking would not meet the same state.
                phases=[hypothesis.Phase.generate],
                database=None,
                deadline=None,
                suppress_health_check=list(hypothesis.HealthCheck),
            )
        )
    except hypothesis.errors.FlakyStrategyDefinition as error:
        # Hypothesis replayed the start of a scenario and the server, which kept the earlier
        # scenarios' entries, answered otherwise. Schemathesis's own runner ends the phase there
        # too; what ran must still have covered the chain below.
        stopped = f" (the run stopped early: {error})"
    # The chain did run: entries were created, read, edited with their ETag, deleted, and gone.
    assert {
        (f"POST {EVENT}entries/", 201),
        (f"GET {ENTRY}", 200),
        (f"PATCH {ENTRY}", 200),
        (f"DELETE {ENTRY}", 204),
        (f"GET {ENTRY} of a deleted entry", 404),
        (f"PATCH {ENTRY} of a deleted entry", 404),
    } <= seen, f"{sorted(seen)}{stopped}"


def test_each_listed_gap_is_still_a_gap(live):
    """Once a view documents a status, its line in UNDOCUMENTED goes."""
    document = openapi_document(live.base)
    documented_now = []
    for label, statuses in UNDOCUMENTED.items():
        method, path = label.split(" ")
        responses = document["paths"][path][method.lower()]["responses"]
        documented_now += [f"{label} {status}" for status in statuses if str(status) in responses]
    assert not documented_now, f"now documented, remove from UNDOCUMENTED: {documented_now}"
