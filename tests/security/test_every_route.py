"""Every route of the site, swept for a members-only project's data.

The URL configuration is walked whole (pages, the API, included modules, the admin, media), and
each route is called with its parameters filled from one private project that holds one of
everything a route can name: images, a batch, a lease, transcriptions, field results, a
decision, a known answer, tutorial and guide entries, a topic and its comment, news, a
notification, a block, a void and an export. Everything of that project says MARK.

- signed out, and signed in as the lead of another project (a session for pages, a token for
  the API), every method a route takes answers 400, 401, 403, 404, 405, 429 or a redirect to a
  log-in page, never says MARK, and never fails with a 5xx;
- that lead, through their own project's addresses with the private project's ids in the path
  (images, batches, comments…) is refused the same way; with those ids in the query string
  (`?task=`, `?batch=`, `?contributor=`), their own pages never say MARK;
- routes that name no project and answer anyone (PUBLIC) or a signed-in person's own things
  (PERSONAL) may answer 2xx, but never say MARK;
- a contributor of the private project is refused (403 or 404) what only its leads (MANAGE)
  or its curators and leads (CURATE) may do, route by route and method by method;
- a route with a parameter the sweep cannot fill fails and names it: extend PARAMS.

Pages are posted with a valid CSRF token (so the permission check, not the CSRF check, is what
answers) and as the pages' script posts them (`X-Requested-With: fetch`: refusals are statuses).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.http import HttpResponseBase
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.regex_helper import normalize

from tasks.models import (
    Batch,
    ContributorVoid,
    FieldResult,
    GuideEntry,
    GuideExample,
    Notification,
    Project,
    ProjectBlock,
    Resolution,
    Role,
    Transcription,
    TutorialStep,
    Visibility,
)
from tasks.services.discussion import topic_open
from tasks.services.leases import lease_grant
from tasks.services.news import news_publish
from tests.factories import MembershipFactory, ProjectFactory, TaskFactory, UserFactory
from tests.helpers import api_client, token_client
from tests.images import jpeg
from tests.tasks.exports import run_export
from tests.tasks.training import known_image

pytestmark = pytest.mark.django_db

MARK = "Xq7Hush"  # in every text of the private project, never in an address the sweep builds
TAG = "boxseven"
VALUES = {"scientificName": f"Quercus {MARK}", "country": "France", "eventDate": "12/06/1898"}
CSRF = "c" * 32
LOGIN_PAGES = ("/accounts/login/", "/admin/login/")
REFUSED = {400, 401, 403, 404, 405, 429}


@pytest.fixture
def world(transcribe, django_capture_on_commit_callbacks) -> SimpleNamespace:
    """The private project and one of everything of it; its lead, a contributor, a member the
    lead blocked and voided, and an outsider who leads another project (`own`)."""
    w = SimpleNamespace()
    w.project = project = ProjectFactory(
        slug="hidden-project",
        title_en=f"Hidden herbarium {MARK}",
        title_fr=f"Herbier caché {MARK}",
        visibility=Visibility.MEMBERS,
        redundancy_min=2,
        redundancy_max=2,
        data_open=True,
    )
    w.lead = lead = MembershipFactory(project=project, role=Role.LEAD).user
    volunteer = UserFactory(profile_public=True, profile_handle="volunteer7", rank_me=True)
    w.membership = MembershipFactory(project=project, role=Role.CONTRIBUTOR, user=volunteer)
    w.contributor = contributor = w.membership.user
    w.troll = troll = MembershipFactory(project=project, role=Role.CONTRIBUTOR).user
    w.outsider = UserFactory()
    w.own = ProjectFactory(title_en="Open herbarium", title_fr="Herbier ouvert")
    MembershipFactory(project=w.own, user=w.outsider, role=Role.LEAD)
    w.batch = Batch.objects.create(project=project, name=f"Box {MARK}", state="done")
    w.task = task = TaskFactory(
        project=project,
        batch=w.batch,
        target=2,
        original_name=f"sheet-{MARK}.jpg",
        metadata={"catalogNumber": f"{MARK}-001"},
        image_width=64,
        image_height=48,
    )
    task.image.save("sheet.jpg", ContentFile(jpeg(7)))
    for person in (contributor, lead):
        transcribe(project, VALUES, user=person, task=task)
    w.transcription = Transcription.objects.get(task=task, user=contributor)
    TaskFactory(project=project, target=2, metadata={"catalogNumber": f"{MARK}-002"})
    w.lease = lease_grant(project=project, user=contributor)
    w.field_result = result = FieldResult.objects.get(task=task, key="scientificName")
    w.resolution = Resolution.objects.create(
        field_result=result,
        curator=lead,
        decision="accept",
        status_before=result.status,
        status_after=result.status,
        note=MARK,
    )
    with django_capture_on_commit_callbacks(execute=True):
        w.news = news_publish(project=project, author=lead, title=f"News {MARK}", body=MARK)
        posted = topic_open(actor=contributor, project=project, title=MARK, body=f"#{TAG} {MARK}")
    w.comment, w.thread_id = posted.comment, posted.comment.thread_id
    w.notification = Notification.objects.filter(recipient=contributor, project=project).first()
    w.known = known_image(project, lead=lead, values=VALUES)
    w.step = TutorialStep.objects.create(project=project, title_fr=MARK, title_en=MARK)
    entry = GuideEntry.objects.create(project=project, field_key="scientificName", body_en=MARK)
    w.example = GuideExample.objects.create(entry=entry, project=project, value=MARK)
    w.block = ProjectBlock.objects.create(project=project, user=troll, created_by=lead, reason=MARK)
    w.void = ContributorVoid.objects.create(
        project=project, user=troll, created_by=lead, reason=MARK
    )
    w.export = run_export(api_client(lead), project, "csv", django_capture_on_commit_callbacks)
    return w


# Each URL parameter, and what of the private project fills it.
PARAMS: dict[str, Callable[[Any], object]] = {
    "slug": lambda w: w.project.slug,
    "task_id": lambda w: w.task.pk,
    "batch_id": lambda w: w.batch.pk,
    "lease_id": lambda w: w.lease.pk,
    "field_result_id": lambda w: w.field_result.pk,
    "known_id": lambda w: w.known.pk,
    "export_id": lambda w: w.export.pk,
    "news_id": lambda w: w.news.pk,
    "thread_id": lambda w: w.thread_id,
    "comment_id": lambda w: w.comment.pk,
    "step_id": lambda w: w.step.pk,
    "example_id": lambda w: w.example.pk,
    "notification_id": lambda w: w.notification.pk,
    "key": lambda w: w.example.entry.field_key,
    "tag": lambda w: TAG,
    "username": lambda w: w.troll.username,
    "handle": lambda w: w.contributor.profile_handle,
    "path": lambda w: w.task.image.name,
    # Accounts: a member's id, and links whose signed token is the only credential.
    "uidb64": lambda w: urlsafe_base64_encode(force_bytes(w.contributor.pk)),
    "token": lambda w: "not-a-signed-token",
    # The admin: a model's routes name its row of the private project (ADMIN_ROWS).
    "app_label": lambda w: "tasks",
    "url": lambda w: f"tasks/project/{w.project.pk}/elsewhere/",
    "content_type_id": lambda w: ContentType.objects.get_for_model(Project).pk,
    "object_id": lambda w: w.project.pk,
    "id": lambda w: w.contributor.pk,
}
# Parameters naming one of the private project's objects: asked for under another project's
# address too.
OBJECT_IDS = {
    "task_id", "batch_id", "field_result_id", "known_id", "news_id", "thread_id",
    "comment_id", "step_id", "example_id",
}  # fmt: skip
# The row each admin model's `object_id` names; None: a model that holds no project's data.
ADMIN_ROWS: dict[str, Callable[[Any], object] | None] = {
    "tasks.project": lambda w: w.project.pk,
    "tasks.template": lambda w: w.project.template.pk,
    "tasks.batch": lambda w: w.batch.pk,
    "tasks.task": lambda w: w.task.pk,
    "tasks.lease": lambda w: w.lease.pk,
    "tasks.transcription": lambda w: w.transcription.pk,
    "tasks.fieldresult": lambda w: w.field_result.pk,
    "tasks.resolution": lambda w: w.resolution.pk,
    "tasks.membership": lambda w: w.membership.pk,
    "tasks.projectblock": lambda w: w.block.pk,
    "tasks.contributorvoid": lambda w: w.void.pk,
    "crowd.user": lambda w: w.contributor.pk,
    **dict.fromkeys(["auth.group", "knox.authtoken", "axes.accessattempt"]),
    **dict.fromkeys(["axes.accesslog", "axes.accessfailurelog"]),
}


@dataclass(frozen=True)
class Route:
    id: str
    pieces: tuple[Any, ...]  # its pattern, after those of the modules that include it
    callback: Callable[..., Any]

    @property
    def params(self) -> list[str]:
        names: list[str] = []
        for piece in self.pieces:
            names += piece.converters if isinstance(piece, RoutePattern) else piece.regex.groupindex
        return names

    @property
    def api(self) -> bool:
        return str(self.pieces[0]).lstrip("^").startswith("api/")

    @property
    def methods(self) -> tuple[str, ...]:
        """The methods a class-based view takes; a function view is asked GET and POST."""
        view = getattr(self.callback, "cls", None) or getattr(self.callback, "view_class", None)
        if view is None:
            return ("GET", "POST")
        named = [m for m in ("get", "post", "put", "patch", "delete") if hasattr(view, m)]
        return tuple(m.upper() for m in named if m in view.http_method_names)

    def unfilled(self) -> list[str]:
        admin = getattr(self.callback, "model_admin", None)
        if admin is not None and admin.model._meta.label_lower not in ADMIN_ROWS:
            return [f"object_id of {admin.model._meta.label_lower} (ADMIN_ROWS)"]
        return [name for name in self.params if name not in PARAMS]

    def url(self, world: Any, **values: object) -> str:
        assert not self.unfilled(), f"{self.id}: the sweep cannot fill {self.unfilled()}"
        values = {name: self._value(name, world) for name in self.params} | values
        return "/" + "".join(_filled(piece, values) for piece in self.pieces)

    def _value(self, name: str, world: Any) -> object:
        admin = getattr(self.callback, "model_admin", None)
        if name == "object_id" and admin is not None:
            row = ADMIN_ROWS[admin.model._meta.label_lower]
            return row(world) if row is not None else world.project.pk
        return PARAMS[name](world)


def _filled(piece: Any, values: dict[str, object]) -> str:
    """One piece of an address, its parameters replaced by `values`."""
    if isinstance(piece, RoutePattern):
        convert = piece.converters
        return re.sub(
            r"<(?:\w+:)?(\w+)>", lambda m: str(convert[m[1]].to_url(values[m[1]])), str(piece)
        )
    form, _names = normalize(piece.regex.pattern)[0]
    return form % {name: values[name] for name in piece.regex.groupindex}


def _walk(resolver: URLResolver, pieces: tuple[Any, ...] = (), space: str = "") -> Iterator[Route]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{space}{entry.namespace}:" if entry.namespace else space
            yield from _walk(entry, (*pieces, entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            whole = (*pieces, entry.pattern)
            name = f"{space}{entry.name}" if entry.name else "".join(map(str, whole))
            yield Route(name, whole, entry.callback)


def _routes() -> list[Route]:
    """Every route, once: a route behind an earlier one of the same address is never reached
    (Django's own `accounts/login/`, behind the platform's)."""
    seen: dict[str, Route] = {}
    for route in _walk(get_resolver()):
        seen.setdefault("".join(map(str, route.pieces)), route)
    return list(seen.values())


ROUTES = _routes()
BY_ID = {route.id: route for route in ROUTES}

# Routes that name no project and answer anyone, each with why (and what it shows).
PUBLIC = {
    "home": "the projects the reader may see (projects_visible_to)",
    "api-project-list": "the projects the reader may see (projects_visible_to)",
    "public-profile": "a profile its volunteer made public: public projects only",
    "favicon": "a redirect to the site's icon",
    "health-live": "liveness probe: no data",
    "healthz": "liveness probe, under orchestrators' name: no data",
    "health-ready": "readiness probe: which parts answer, no data",
    "readyz": "readiness probe, under orchestrators' name: no data",
    "login": "the sign-in page (a signed-in person is sent home)",
    "logout": "signing out, then home",
    "signup": "the sign-up page (a signed-in person is sent home)",
    "password_reset": "asks for a reset link",
    "password_reset_done": "says the link is sent",
    "password_reset_confirm": "a reset link: its signed token is the credential",
    "password_reset_complete": "says the password is changed",
    "email-verify": "a verification link: its signed token is the credential",
    "set_language": "chooses the interface's language, then goes back",
    "api-schema": "the API's description",
    "api-docs": "the API's documentation page",
    "admin:login": "the admin's sign-in page",
    "admin:logout": "signing out of the admin, then its sign-in page",
}
# Routes that name no project and answer a signed-in person with their own things.
PERSONAL = {
    "project-new": "the form to start one's own project",
    "profile": "one's profile",
    "account-close": "closing one's account",
    "email-verification": "asks for a new link to one's own address",
    "password_change": "one's password",
    "password_change_done": "one's password",
    "my-data-json": "one's own data",
    "my-data-zip": "one's own data",
    "notifications": "one's notifications",
    "notifications-read-all": "marks one's notifications read",
    "notification-settings": "one's notification settings",
    "profile-recognition": "one's recognition choices",
    "api-me": "who one is",
    "api-token": "one's API token (DELETE revokes it)",
}

# What only leads (MANAGE) or curators and leads (CURATE) may do, as the views ask
# `tasks.roles` (`project_for`, `project_require`): route, then the methods refused to a
# contributor. Other methods of these routes are open to contributors (the export list and
# the news when the data is open, the project's settings through GET /api/projects/…).
MANAGE_ONLY = """
project-settings GET POST;  project-batches GET;  project-batch-priority POST
project-contributors GET;  project-member-remove POST;  project-archive POST
project-block POST;  project-unblock POST;  project-void POST;  project-unvoid POST
project-exports POST;  project-news POST;  news-edit GET POST;  news-delete POST
project-training GET POST;  project-training-step GET POST;  project-training-step-move POST
project-training-step-delete POST;  project-training-guide GET
project-training-guide-field GET POST;  project-training-example-delete POST
project-training-known GET POST;  project-training-known-template GET
project-training-known-edit GET POST;  project-training-known-set POST
project-training-promote POST;  project-training-contributors GET
project-training-levels GET POST
api-project-detail PATCH DELETE;  api-project-template PUT;  api-project-template-validate POST
api-project-members GET POST;  api-project-member DELETE;  api-project-contributors GET
api-known-answers GET POST;  api-known-answer-promote POST;  api-known-answer PATCH
api-contributors-training GET;  api-project-outliers GET
api-project-blocks GET POST;  api-project-unblock POST
api-project-voids GET POST;  api-project-unvoid POST
api-project-batches GET POST;  api-batch GET;  api-batch-files POST;  api-batch-start POST
api-batch-withdraw POST;  api-project-exports POST
api-project-review GET POST;  api-project-review-approve POST;  api-project-review-refuse POST
"""
CURATE_ONLY = """
project-review GET;  task-review GET;  project-results GET;  task-results GET
project-audit GET;  discussion-moderation GET;  discussion-topic-pin POST
discussion-hide POST;  discussion-unhide POST;  discussion-pin POST;  discussion-dismiss POST
api-disputes GET;  api-bulk-accept POST;  api-task-claim POST DELETE;  api-task-review GET
api-resolve POST;  api-reopen POST;  api-project-tasks GET;  api-project-resolutions GET
api-field-result-resolutions GET
"""


def _methods_by_route(text: str) -> dict[str, tuple[str, ...]]:
    entries = [entry.split() for entry in re.split(r"[;\n]", text) if entry.strip()]
    return {name: tuple(methods) for name, *methods in entries}


STAFF_ONLY = {
    "manage": _methods_by_route(MANAGE_ONLY),
    "curate": _methods_by_route(CURATE_ONLY),
}

# Leaks the sweep found and that are not fixed yet: route id -> what leaks to whom.
LEAKS: dict[str, str] = {}


def _ids(routes: list[Route]) -> list[Any]:
    return [
        pytest.param(r.id, id=r.id, marks=pytest.mark.xfail(strict=True, reason=LEAKS[r.id]))
        if r.id in LEAKS
        else pytest.param(r.id, id=r.id)
        for r in routes
    ]


def _send(route: Route, user: Any, method: str, url: str) -> HttpResponseBase:
    if route.api:
        api = api_client() if user is None else token_client(user)
        if method == "GET":
            return api.get(url)
        return api.generic(method, url, "{}", content_type="application/json")
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_login(user)
    client.cookies["csrftoken"] = CSRF
    if method == "GET":
        return client.get(url)
    form = "application/x-www-form-urlencoded"
    extra = {"HTTP_X_CSRFTOKEN": CSRF, "HTTP_X_REQUESTED_WITH": "fetch"}
    return client.generic(method, url, "", content_type=form, **extra)


def _text(response: HttpResponseBase) -> str:
    if getattr(response, "streaming", False):
        data = b"".join(response.streaming_content)
    else:
        data = response.content
    return (data.decode("utf-8", "replace") + response.get("Location", "")).lower()


def _to_login(code: int, where: str) -> bool:
    return code in (301, 302) and where.startswith(LOGIN_PAGES)


def _problems(route: Route, user: Any, url: str, *, allowed: bool = False) -> list[str]:
    """What is wrong with each method's answer to `user` (None: signed out) at `url`:
    a 5xx, MARK, or (unless `allowed`) anything but a refusal or a way to a log-in page."""
    problems = []
    for method in route.methods:
        response = _send(route, user, method, url)
        code, where = response.status_code, response.get("Location", "")
        said = f"{method} {url} -> {code} {where}".rstrip()
        if MARK.lower() in _text(response):
            problems.append(f"{said}: says the private project's data")
        if code >= 500:
            problems.append(f"{said}: server error")
        elif not (allowed or code in REFUSED or _to_login(code, where)):
            problems.append(f"{said}: not refused")
    return problems


def _swept(route_id: str, world: Any, user: Any) -> list[str]:
    route = BY_ID[route_id]
    allowed = route_id in PUBLIC or (user is not None and route_id in PERSONAL)
    return _problems(route, user, route.url(world), allowed=allowed)


@pytest.mark.parametrize("route_id", _ids(ROUTES))
def test_an_anonymous_visitor_gets_nothing_of_a_private_project_on_any_route(route_id, world):
    problems = _swept(route_id, world, None)
    assert not problems, problems


@pytest.mark.parametrize("route_id", _ids(ROUTES))
def test_an_outsider_gets_nothing_of_a_private_project_on_any_route(route_id, world):
    problems = _swept(route_id, world, world.outsider)
    assert not problems, problems


@pytest.mark.parametrize("route_id", _ids([r for r in ROUTES if "slug" in r.params]))
def test_the_lead_of_another_project_reaches_nothing_private_through_their_own(route_id, world):
    """Their own project's address with the private project's ids: in the path, refused; in
    the query string, their own pages (which they may see, 2xx) say nothing private."""
    route = BY_ID[route_id]
    w = world
    query = f"?task={w.task.pk}&batch={w.batch.pk}&contributor={w.contributor.username}"
    url = route.url(w, slug=w.own.slug) + query
    names_private = bool(OBJECT_IDS & set(route.params))
    problems = _problems(route, w.outsider, url, allowed=not names_private)
    assert not problems, problems


@pytest.mark.parametrize(
    ("capability", "route_id"),
    [pytest.param(c, r, id=r) for c, routes in STAFF_ONLY.items() for r in routes],
)
def test_a_contributor_is_refused_what_only_leads_and_curators_may_do(capability, route_id, world):
    route = BY_ID[route_id]
    url = route.url(world)
    answers = {
        method: _send(route, world.contributor, method, url).status_code
        for method in STAFF_ONLY[capability][route_id]
    }
    assert set(answers.values()) <= {403, 404}, (capability, url, answers)


def test_every_route_can_be_filled_and_every_list_names_real_routes():
    assert len(ROUTES) > 200
    unfilled = {route.id: route.unfilled() for route in ROUTES if route.unfilled()}
    assert not unfilled, f"routes with parameters the sweep cannot fill: {unfilled}"
    staff = [name for routes in STAFF_ONLY.values() for name in routes]
    assert len(staff) == len(set(staff))
    listed = {*PUBLIC, *PERSONAL, *staff, *LEAKS}
    assert listed <= set(BY_ID), listed - set(BY_ID)
    for route_id in {*PUBLIC, *PERSONAL}:
        assert not {"slug", *OBJECT_IDS} & set(BY_ID[route_id].params), route_id
    for routes in STAFF_ONLY.values():
        for route_id, methods in routes.items():
            assert set(methods) <= set(BY_ID[route_id].methods), (route_id, methods)
