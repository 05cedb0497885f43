"""Projects under review and per-lead quotas.

- a new account creating an active public project → refused: new projects start as drafts;
- a lead opening a public project to the public without approval → 403 `review_required`,
  nothing changed; members-only projects run without review;
- a lead asks for a review; staff approve it (API or admin action) or refuse it with a reason,
  and every step is kept with who took it; a refusal of a launched project pauses it;
- a lead approving or refusing their own project → 403;
- a lead past LEAD_MAX_PROJECTS creating another → 403 `quota`;
- a batch past BATCH_MAX_IMAGES, or a lead past LEAD_MAX_STORED_BYTES → the extra files fail
  alone with the reason, the rest is kept;
- the default pixel cap is 100 megapixels.
"""

from __future__ import annotations

import json

import pytest
from django.conf import settings as django_settings
from django.contrib.admin.sites import site
from django.test import RequestFactory

from tasks.admin import ProjectAdmin
from tasks.models import Project, ProjectReviewEntry, ProjectStatus, ReviewState
from tasks.services.project_review import (
    ReviewRefused,
    project_review_refuse,
    project_review_request,
)
from tests.factories import ProjectFactory, UserFactory
from tests.helpers import api_client
from tests.images import jpeg
from tests.tasks.uploads import batch_status, codes, post_batch, upload

pytestmark = pytest.mark.django_db


def _create(api, slug="sheets", **extra):
    body = {"slug": slug, "title_fr": "Planches", "title_en": "Sheets", "preset": "herbarium"}
    return api.post("/api/projects/", {**body, **extra}, format="json")


@pytest.fixture
def newcomer():
    return UserFactory()


@pytest.fixture
def staff():
    return UserFactory(is_staff=True)


def test_a_new_account_creating_an_active_project_is_refused_new_projects_start_as_drafts(
    newcomer,
):
    api = api_client(newcomer)
    created = _create(api)
    assert created.status_code == 201
    assert created.json()["status"] == ProjectStatus.DRAFT
    from tasks.services.projects import project_create

    with pytest.raises(Exception, match="starts as a draft"):
        project_create(
            lead=newcomer,
            slug="launched",
            title_fr="x",
            title_en="x",
            preset="herbarium",
            status=ProjectStatus.ACTIVE,
        )
    assert not Project.objects.filter(slug="launched").exists()


def test_a_lead_opening_a_public_project_without_approval_is_refused_and_nothing_changes(
    newcomer,
):
    api = api_client(newcomer)
    _create(api)
    response = api.patch(
        "/api/projects/sheets/", {"status": "active", "title_en": "Renamed"}, format="json"
    )
    assert response.status_code == 403, response.content
    assert response.json()["error"]["code"] == "review_required"
    project = Project.objects.get(slug="sheets")
    assert (project.status, project.title_en) == (ProjectStatus.DRAFT, "Sheets")


def test_a_members_only_project_runs_without_review(newcomer):
    api = api_client(newcomer)
    _create(api, visibility="members")
    response = api.patch("/api/projects/sheets/", {"status": "active"}, format="json")
    assert response.status_code == 200
    # Turning it public afterwards is opening it to the public: refused too.
    response = api.patch("/api/projects/sheets/", {"visibility": "public"}, format="json")
    assert response.json()["error"]["code"] == "review_required"


def test_with_project_review_off_a_lead_opens_a_public_project_at_once(newcomer, settings):
    settings.PROJECT_REVIEW = False
    api = api_client(newcomer)
    _create(api)
    assert api.patch("/api/projects/sheets/", {"status": "active"}, format="json").status_code == (
        200
    )


def test_a_lead_asks_staff_approve_and_the_lead_opens_it_every_step_kept(newcomer, staff):
    lead_api = api_client(newcomer)
    _create(lead_api)
    asked = lead_api.post("/api/projects/sheets/review/", {"note": "Ready"}, format="json")
    assert asked.status_code == 200
    assert asked.json()["state"] == ReviewState.REQUESTED
    queue = api_client(staff).get("/api/reviews/").json()
    assert [row["project"] for row in queue["results"]] == ["sheets"]
    approved = api_client(staff).post("/api/projects/sheets/review/approve/")
    assert approved.status_code == 200
    assert (
        lead_api.patch("/api/projects/sheets/", {"status": "active"}, format="json").status_code
        == 200
    )
    history = lead_api.get("/api/projects/sheets/review/").json()["history"]
    assert [(step["action"], step["actor"], step["reason"]) for step in history] == [
        ("approved", staff.username, ""),
        ("requested", newcomer.username, "Ready"),
    ]


def test_a_lead_approving_or_refusing_their_own_project_is_refused(newcomer):
    api = api_client(newcomer)
    _create(api)
    assert api.post("/api/projects/sheets/review/approve/").status_code == 403
    assert (
        api.post("/api/projects/sheets/review/refuse/", {"reason": "x"}, format="json").status_code
        == 403
    )
    assert Project.objects.get(slug="sheets").review_state == ReviewState.NONE


def test_staff_refusing_without_a_reason_is_refused_and_a_refusal_pauses_a_launched_project(
    staff,
):
    project = ProjectFactory(review_state=ReviewState.APPROVED)
    api = api_client(staff)
    empty = api.post(f"/api/projects/{project.slug}/review/refuse/", {"reason": " "}, format="json")
    assert empty.status_code == 400
    assert "reason" in empty.json()["error"]["fields"]
    refused = api.post(
        f"/api/projects/{project.slug}/review/refuse/",
        {"reason": "Images of living people"},
        format="json",
    )
    assert refused.status_code == 200, refused.content
    project.refresh_from_db()
    assert (project.status, project.visibility, project.review_state, project.review_reason) == (
        ProjectStatus.PAUSED,
        "members",
        ReviewState.REFUSED,
        "Images of living people",
    )
    assert api_client().get(f"/api/projects/{project.slug}/").status_code == 404
    entry = ProjectReviewEntry.objects.get(project=project)
    assert (entry.action, entry.actor_id) == ("refused", staff.pk)


def test_the_admin_action_approves_and_records_the_staff_member(staff, newcomer):
    api_client(newcomer)
    _create(api_client(newcomer))
    request = RequestFactory().post("/")
    request.user = staff
    admin = ProjectAdmin(Project, site)
    admin.message_user = lambda *args, **kwargs: None  # type: ignore[method-assign]
    admin.review_approve(request, Project.objects.filter(slug="sheets"))
    assert Project.objects.get(slug="sheets").review_state == ReviewState.APPROVED
    assert ProjectReviewEntry.objects.get().actor_id == staff.pk


def test_a_lead_past_the_project_quota_creating_another_is_refused(newcomer, settings):
    settings.LEAD_MAX_PROJECTS = 2
    api = api_client(newcomer)
    assert _create(api, slug="one").status_code == 201
    assert _create(api, slug="two").status_code == 201
    third = _create(api, slug="three")
    assert third.status_code == 403
    assert third.json()["error"]["code"] == "quota"
    assert "2 projects" in third.json()["error"]["message"]


@pytest.fixture
def own_project(newcomer):
    project = ProjectFactory(created_by=newcomer)
    project.memberships.create(user=newcomer, role="lead")
    return project


def test_a_batch_past_its_image_cap_keeps_the_first_images_and_fails_the_rest(
    api, own_project, newcomer, committed, settings
):
    settings.BATCH_MAX_IMAGES = 2
    files = [upload(f"{n}.jpg", jpeg(n)) for n in range(3)]
    body = post_batch(api, newcomer, own_project, committed, files=files).json()
    body = batch_status(api, body["id"])
    assert codes(body) == {"2.jpg": "batch_too_many"}
    assert body["counts"]["ok"] == 2


def test_a_lead_past_their_storage_quota_gets_the_extra_files_refused(
    api, own_project, newcomer, committed, settings
):
    first, second = jpeg(1), jpeg(2)
    settings.LEAD_MAX_STORED_BYTES = len(first) + 10
    post_batch(api, newcomer, own_project, committed, files=[upload("a.jpg", first)])
    other = ProjectFactory(created_by=newcomer)
    other.memberships.create(user=newcomer, role="lead")
    body = post_batch(api, newcomer, other, committed, files=[upload("b.jpg", second)]).json()
    body = batch_status(api, body["id"])
    assert codes(body) == {"b.jpg": "lead_storage_full"}
    assert "LEAD_MAX_STORED_BYTES" in body["failed"][0]["error"]


def test_a_iiif_import_meets_the_storage_quota_and_the_batch_size_as_uploads_do(
    api, own_project, newcomer, committed, settings
):
    """Images fetched from a manifest are sized only once downloaded: they are held to the
    same limits then."""
    from tests.iiif_server import http_server, manifest_v3

    settings.IIIF_IMPORT_ALLOW_PRIVATE = True
    first, second = jpeg(1), jpeg(2)
    settings.LEAD_MAX_STORED_BYTES = len(first) + 10
    routes: dict[str, tuple[int, bytes, dict[str, str]]] = {
        "/image/a": (200, first, {"Content-Type": "image/jpeg"}),
        "/image/b": (200, second, {"Content-Type": "image/jpeg"}),
    }
    with http_server(routes) as base:
        canvases = [("a", f"{base}/image/a", None), ("b", f"{base}/image/b", None)]
        routes["/manifest.json"] = (200, json.dumps(manifest_v3(base, canvases)).encode(), {})
        body = post_batch(
            api, newcomer, own_project, committed, manifest_url=f"{base}/manifest.json"
        ).json()
        body = batch_status(api, body["id"])
    assert body["counts"]["ok"] == 1
    assert set(codes(body).values()) == {"lead_storage_full"}

    settings.LEAD_MAX_STORED_BYTES = 10**12
    settings.UPLOAD_MAX_BATCH_BYTES = len(first) + 10
    other = ProjectFactory(created_by=newcomer)
    other.memberships.create(user=newcomer, role="lead")
    with http_server(routes) as base:
        canvases = [("a", f"{base}/image/a", None), ("b", f"{base}/image/b", None)]
        routes["/manifest.json"] = (200, json.dumps(manifest_v3(base, canvases)).encode(), {})
        body = post_batch(api, newcomer, other, committed, manifest_url=f"{base}/manifest.json")
        body = batch_status(api, body.json()["id"])
    assert body["counts"]["ok"] == 1
    assert set(codes(body).values()) == {"batch_full"}


def test_the_default_pixel_cap_is_100_megapixels():
    assert django_settings.IMAGE_MAX_PIXELS == 100_000_000


@pytest.mark.parametrize("status", ["paused", "finished"])
def test_an_unapproved_project_cannot_reach_the_public_paused_or_finished_either(newcomer, status):
    api = api_client(newcomer)
    _create(api)
    response = api.patch(
        "/api/projects/sheets/", {"status": status, "visibility": "public"}, format="json"
    )
    assert response.status_code == 403, response.content
    assert response.json()["error"]["code"] == "review_required"
    assert api_client().get("/api/projects/sheets/").status_code == 404
    assert api_client().get("/projects/sheets/").status_code == 404


def test_an_account_still_to_verify_its_address_creates_no_project(settings, newcomer):
    """Else throwaway accounts would each bring a fresh set of per-lead quotas."""
    settings.EMAIL_VERIFICATION_REQUIRED = True
    refused = _create(api_client(newcomer))
    assert refused.status_code == 403
    assert not Project.objects.filter(slug="sheets").exists()
    newcomer.email_verified = True
    newcomer.save()
    assert _create(api_client(newcomer)).status_code == 201


@pytest.mark.parametrize("hidden", ["\u202e", "\x07"])
def test_a_review_note_or_refusal_hiding_characters_is_refused(newcomer, staff, hidden):
    api = api_client(newcomer)
    _create(api)
    asked = api.post("/api/projects/sheets/review/", {"note": f"ok{hidden}"}, format="json")
    assert asked.status_code == 400, asked.content
    assert "Control characters" in asked.json()["error"]["fields"]["note"][0]
    assert Project.objects.get(slug="sheets").review_state == ReviewState.NONE
    project = ProjectFactory(review_state=ReviewState.APPROVED)
    refused = api_client(staff).post(
        f"/api/projects/{project.slug}/review/refuse/", {"reason": f"no{hidden}"}, format="json"
    )
    assert refused.status_code == 400, refused.content
    assert "Control characters" in refused.json()["error"]["fields"]["reason"][0]
    project.refresh_from_db()
    assert project.review_state == ReviewState.APPROVED


def test_the_review_services_refuse_hidden_characters_whoever_calls_them(newcomer, staff):
    """The API's check is the first; the services keep theirs for any other caller."""
    project = ProjectFactory(review_state=ReviewState.APPROVED)
    with pytest.raises(ReviewRefused, match="Control characters"):
        project_review_refuse(project=project, reviewer=staff, reason="no\u202e")
    draft = ProjectFactory(status=ProjectStatus.DRAFT)
    with pytest.raises(ReviewRefused, match="Control characters"):
        project_review_request(project=draft, actor=newcomer, note="ok\x07")
