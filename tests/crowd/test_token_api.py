"""Token requests to next-task and submit, served in one thread hop (crowd.token_api): the same
answers, headers and language as through Django's handler; other requests go the usual way."""

from __future__ import annotations

import json

import pytest
from channels.testing import HttpCommunicator

from crowd.services import token_create
from crowd.token_api import TokenApiApp
from tests.factories import ProjectFactory, TaskFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


class Spy:
    """Django's handler, as far as these tests care: says it was asked, answers 299."""

    def __init__(self):
        self.asked = []

    async def __call__(self, scope, receive, send):
        self.asked.append(scope["path"])
        while (await receive()).get("more_body"):
            pass
        await send({"type": "http.response.start", "status": 299, "headers": []})
        await send({"type": "http.response.body", "body": b""})


def scope_headers(token=None, **extra):
    headers = [(b"host", b"127.0.0.1"), (b"content-type", b"application/json")]
    if token:
        headers.append((b"authorization", f"Token {token}".encode()))
    return headers + [(name.encode(), value.encode()) for name, value in extra.items()]


async def post(app, path, body=b"", headers=()):
    headers = [*headers, (b"content-length", str(len(body)).encode())]
    communicator = HttpCommunicator(app, "POST", path, body=body, headers=headers)
    return await communicator.get_response(timeout=20)


@pytest.fixture
def setup():
    project = ProjectFactory()
    TaskFactory(project=project, target=3)
    user = UserFactory()
    return project, token_create(user=user)[1]


async def test_a_token_next_task_and_submit_are_answered_with_the_site_headers(setup):
    project, token = await _sync(setup)
    app = TokenApiApp(Spy())
    response = await post(
        app, f"/api/projects/{project.slug}/next-task/", headers=scope_headers(token)
    )
    assert response["status"] == 200
    headers = {name.lower(): value for name, value in response["headers"]}
    assert headers[b"x-frame-options"] == b"DENY"
    assert headers[b"x-content-type-options"] == b"nosniff"
    assert b"content-security-policy" in headers
    body = json.loads(response["body"])
    sent = await post(
        app,
        f"/api/tasks/{body['task']['id']}/transcriptions/",
        json.dumps(
            {"lease": body["lease"]["id"], "values": {"scientificName": "Quercus ilex L."},
             "idempotency_key": "k1"}
        ).encode(),
        scope_headers(token),
    )  # fmt: skip
    assert sent["status"] == 201
    assert app.app.asked == []


async def test_errors_speak_the_language_the_request_asks_for(setup):
    _project, token = await _sync(setup)
    app = TokenApiApp(Spy())
    french = await post(
        app,
        "/api/projects/nowhere/next-task/",
        headers=scope_headers(token, **{"accept-language": "fr"}),
    )
    english = await post(
        app,
        "/api/projects/nowhere/next-task/",
        headers=scope_headers(token, **{"accept-language": "en"}),
    )
    assert (french["status"], english["status"]) == (404, 404)
    assert json.loads(english["body"])["error"]["message"] == "No such project."
    assert json.loads(french["body"])["error"]["message"] == "Ce projet n’existe pas."


async def test_a_wrong_token_is_refused_and_a_foreign_host_too(setup):
    project, token = await _sync(setup)
    app = TokenApiApp(Spy())
    wrong = await post(
        app, f"/api/projects/{project.slug}/next-task/", headers=scope_headers("x" * 64)
    )
    assert wrong["status"] == 401
    foreign = [(b"host", b"evil.example"), *scope_headers(token)[1:]]
    assert (await post(app, f"/api/projects/{project.slug}/next-task/", headers=foreign))[
        "status"
    ] == 400


async def test_session_requests_and_other_paths_go_through_django_handler(setup):
    project, token = await _sync(setup)
    spy = Spy()
    app = TokenApiApp(spy)
    await post(
        app,
        f"/api/projects/{project.slug}/next-task/",
        headers=scope_headers(cookie="sessionid=abc"),
    )
    await post(app, f"/api/projects/{project.slug}/", headers=scope_headers(token))
    big = json.dumps({"values": {"note": "x" * 300_000}}).encode()
    answered = await post(app, "/api/tasks/1/transcriptions/", big, scope_headers(token))
    assert answered["status"] == 299
    assert spy.asked == [
        f"/api/projects/{project.slug}/next-task/",
        f"/api/projects/{project.slug}/",
        "/api/tasks/1/transcriptions/",
    ]


async def _sync(setup):
    return setup


@pytest.mark.parametrize(
    "path",
    [
        "/api/projects/herbier-de-lyon/next-task/",
        "/api/projects/a_b-9/next-task/",
        "/api/tasks/7/transcriptions/",
        "/api/tasks/123456789/transcriptions/",
    ],
)
def test_a_hot_path_resolves_as_djangos_resolver_resolves_it(path):
    from django.test import RequestFactory
    from django.urls import resolve

    from crowd.token_api import _TokenHandler

    handler = _TokenHandler()
    request = RequestFactory().post(path)
    for _ in range(2):  # the shape's first resolution, then the kept one
        quick = handler.resolve_request(request)
        full = resolve(path)
        assert (quick.func, quick.args, quick.kwargs) == (full.func, full.args, full.kwargs)
        assert (quick.url_name, quick.route, quick.namespaces) == (
            full.url_name,
            full.route,
            full.namespaces,
        )
        assert quick.view_name == full.view_name
        assert request.resolver_match is quick


def test_other_paths_resolve_the_usual_way():
    from django.test import RequestFactory
    from django.urls import resolve

    from crowd.token_api import _TokenHandler

    request = RequestFactory().post("/api/tasks/7/transcriptions/extra/")
    assert _TokenHandler().resolve_request(request).func == resolve(request.path).func


def test_a_hot_path_is_resolved_without_walking_the_url_configuration(monkeypatch):
    from django.test import RequestFactory
    from django.urls.resolvers import URLResolver

    from crowd.token_api import _TokenHandler

    handler = _TokenHandler()
    handler.resolve_request(RequestFactory().post("/api/tasks/1/transcriptions/"))
    walked = []
    resolve = URLResolver.resolve

    def counted(self, path):
        walked.append(path)
        return resolve(self, path)

    monkeypatch.setattr(URLResolver, "resolve", counted)
    match = handler.resolve_request(RequestFactory().post("/api/tasks/42/transcriptions/"))
    assert match.kwargs == {"task_id": 42}
    assert walked == []
