"""The template builder's checks: POST /api/templates/validate/ (a new project's template) and
POST /api/projects/{slug}/template/validate/ (a project's, with its own rules). Who may ask,
that the answers say where each problem is, that hostile templates get precise messages (never
a 500), and that the checks are those of saving, problem for problem."""

from __future__ import annotations

import copy
import json

import pytest
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from tasks.models import Role, Template, Transcription
from tests.factories import PASSWORD, MembershipFactory, ProjectFactory, TaskFactory, UserFactory
from tests.helpers import as_user

NEW = "/api/templates/validate/"


def validate_url(project) -> str:
    return f"/api/projects/{project.slug}/template/validate/"


def field(key="title", **extra):
    return {"key": key, "type": "text", "label": {"fr": "Titre", "en": "Title"}, **extra}


def check(api, url, fields):
    response = api.post(url, {"fields": fields}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


# --- Who may ask ---------------------------------------------------------------------------


def test_anonymous_visitors_are_refused_on_both_endpoints(api, project):
    for url in (NEW, validate_url(project)):
        response = api.post(url, {"fields": [field()]}, format="json")
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "not_authenticated"


def test_a_contributor_of_another_project_is_refused(api, project):
    elsewhere = MembershipFactory(role=Role.CONTRIBUTOR).user
    as_user(api, elsewhere)
    # A public project they see: 403; a members-only one they do not: 404, as if it did not exist.
    assert api.post(validate_url(project), {"fields": [field()]}, format="json").status_code == 403
    private = ProjectFactory(visibility="members")
    response = api.post(validate_url(private), {"fields": [field()]}, format="json")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_contributors_and_curators_of_the_project_itself_are_refused(api, project):
    for role in (Role.CONTRIBUTOR, Role.CURATOR):
        user = MembershipFactory(project=project, role=role).user
        response = as_user(api, user).post(
            validate_url(project), {"fields": [field()]}, format="json"
        )
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "permission_denied"


def test_a_lead_of_another_project_is_refused_here(api, project):
    other_lead = MembershipFactory(role=Role.LEAD).user
    response = as_user(api, other_lead).post(
        validate_url(project), {"fields": [field()]}, format="json"
    )
    assert response.status_code == 403


def test_the_project_lead_checks_the_stored_template(api, project, lead):
    body = check(as_user(api, lead), validate_url(project), project.template.fields)
    assert body == {"valid": True, "count": 0, "problems": []}


def test_a_new_projects_template_is_checked_for_those_who_may_create_projects(
    api, outsider, settings
):
    assert check(as_user(api, outsider), NEW, [field()])["valid"] is True
    settings.PROJECT_CREATORS = "staff"
    response = api.post(NEW, {"fields": [field()]}, format="json")
    assert response.status_code == 403
    staff = UserFactory(is_staff=True)
    assert check(as_user(api, staff), NEW, [field()])["valid"] is True


def test_an_account_still_to_verify_its_address_may_not_check_a_new_template(
    api, outsider, settings
):
    settings.EMAIL_VERIFICATION_REQUIRED = True
    response = as_user(api, outsider).post(NEW, {"fields": [field()]}, format="json")
    assert response.status_code == 403


def test_a_session_request_without_the_csrf_token_is_refused(project, lead):
    client = APIClient(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    assert client.login(username=lead.username, password=PASSWORD)
    response = client.post(validate_url(project), {"fields": [field()]}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["error"]["message"]


def test_checks_are_rate_limited_per_account(api, lead, project, monkeypatch):
    rates = dict(SimpleRateThrottle.THROTTLE_RATES, template_validate="2/minute")
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    as_user(api, lead)
    statuses = [
        api.post(validate_url(project), {"fields": [field()]}, format="json").status_code
        for _ in range(3)
    ]
    assert statuses == [200, 200, 429]
    assert api.post(NEW, {"fields": [field()]}, format="json").status_code == 429


# --- Where each problem is -------------------------------------------------------------------


def test_each_problem_names_its_path_field_index_and_key(api, lead, project):
    fields = [
        field("title"),
        field("country", type="select", label={"fr": "Pays", "en": ""}, vocabulary=["France"]),
        field("title"),
        {"type": "text", "label": "No key"},
    ]
    body = check(as_user(api, lead), validate_url(project), fields)
    assert body["valid"] is False
    assert body["count"] == len(body["problems"]) == 3
    assert body["problems"] == [
        {
            "path": "fields[1].label.en",
            "field": 1,
            "key": "country",
            "message": "missing; the interface ships in French and English",
        },
        {
            "path": "fields[2].key",
            "field": 2,
            "key": "title",
            "message": "'title' is already the key of fields[0]",
        },
        {
            "path": "fields[3].key",
            "field": 3,
            "key": None,
            "message": "None is not a valid key: start with a letter, then letters, digits or _ "
            "(at most 64 characters)",
        },
    ]


def test_problems_of_the_template_as_a_whole_name_no_field(api, lead, project):
    body = check(as_user(api, lead), validate_url(project), [])
    assert body["problems"] == [
        {
            "path": "fields",
            "field": None,
            "key": None,
            "message": "a template needs at least one field",
        }
    ]
    body = check(api, validate_url(project), {"key": "title"})
    assert body["problems"][0]["message"] == "a template is a list of fields"


def test_messages_are_in_the_readers_language(api, lead, project):
    as_user(api, lead)
    response = api.post(
        validate_url(project),
        {"fields": [field(label={"fr": "Titre", "en": ""})]},
        format="json",
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    message = response.json()["problems"][0]["message"]
    assert message.startswith("manquant")
    assert "en français et en anglais" in message


# --- The project's own rules -----------------------------------------------------------------


def test_fields_with_transcriptions_may_be_relabelled_but_not_removed_nor_retyped(
    api, project, lead
):
    Transcription.objects.create(
        project=project,
        task=TaskFactory(project=project),
        user=lead,
        values={},
        idempotency_key="k1",
    )
    fields = copy.deepcopy(project.template.fields)
    as_user(api, lead)
    relabelled = copy.deepcopy(fields)
    relabelled[0]["label"] = {"fr": "Nom", "en": "Name"}
    relabelled.append(field("notes"))
    assert check(api, validate_url(project), relabelled)["valid"] is True

    changed = [f for f in fields if f["key"] != "habitat"]
    index = next(i for i, f in enumerate(changed) if f["key"] == "recordNumber")
    changed[index]["type"] = "number"
    changed[index].pop("validation")
    problems = check(api, validate_url(project), changed)["problems"]
    assert problems == [
        {
            "path": f"fields[{index}].type",
            "field": index,
            "key": "recordNumber",
            "message": "Field recordNumber already has transcriptions and cannot change type.",
        },
        {
            "path": "fields",
            "field": None,
            "key": "habitat",
            "message": "Field habitat already has transcriptions and cannot be removed.",
        },
    ]
    # A new project has no transcriptions: the same template is fine there.
    assert check(api, NEW, changed)["valid"] is True


def test_a_level_above_the_projects_highest_is_shown_on_that_field(api, project, lead):
    project.levels = [{"answers": 2, "accuracy": 80}]
    project.save()
    fields = copy.deepcopy(project.template.fields)
    fields[2]["level"] = 3
    problems = check(as_user(api, lead), validate_url(project), fields)["problems"]
    assert [(p["path"], p["key"]) for p in problems] == [("fields[2].level", "recordNumber")]
    assert "highest level (2)" in problems[0]["message"]


# --- Hostile templates -----------------------------------------------------------------------


def test_too_many_fields_options_or_characters_get_precise_messages(api, lead, project):
    as_user(api, lead)
    many = [field(f"f{n}") for n in range(61)]
    assert check(api, validate_url(project), many)["problems"][0] == {
        "path": "fields",
        "field": None,
        "key": None,
        "message": "at most 60 fields, this template has 61",
    }
    options = [field("kind", type="select", vocabulary=[f"v{n}" for n in range(5001)])]
    assert check(api, validate_url(project), options)["problems"][0]["message"] == (
        "at most 5000 options (5001 given)"
    )
    long = [field(label={"fr": "x" * 100_000, "en": "Title"})]
    problem = check(api, validate_url(project), long)["problems"][0]
    assert (problem["path"], problem["message"]) == (
        "fields[0].label.fr",
        "at most 200 characters (100000 given)",
    )


def test_a_flood_of_problems_is_cut_and_counted(api, lead, project):
    fields = [field(f"f{n}", label={"fr": "", "en": ""}) for n in range(60)]
    body = check(as_user(api, lead), validate_url(project), fields)
    assert body["count"] == 120
    assert len(body["problems"]) == 120
    options = [field("kind", type="select", vocabulary=[{"value": ""}] * 5000)]
    body = check(api, validate_url(project), options)
    assert body["count"] == 5000
    assert len(body["problems"]) == 200


def test_a_body_too_large_is_refused_with_the_error_body(api, lead, project):
    huge = json.dumps({"fields": [field(label="x" * (11 * 1024 * 1024))]})
    response = as_user(api, lead).generic(
        "POST", validate_url(project), huge, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "status": 400,
            "code": "invalid",
            "message": "The request is too large: at most 10.0\xa0MB.",
        }
    }


def test_deeply_nested_json_is_a_precise_400_not_a_server_error(api, lead, project):
    as_user(api, lead)
    deep = '{"fields": ' + "[" * 100_000 + "]" * 100_000 + "}"
    for url in (validate_url(project), f"/api/projects/{project.slug}/template/"):
        method = "POST" if url.endswith("validate/") else "PUT"
        response = api.generic(method, url, deep, content_type="application/json")
        assert response.status_code == 400
        assert response.json()["error"]["message"] == (
            "JSON parse error: arrays and objects are nested too deeply."
        )
    # Nested less deeply than the decoder's limit: the template's own messages.
    body = check(api, validate_url(project), [[[[[[{"key": "a"}]]]]]])
    assert body["problems"][0]["message"] == (
        "a field is an object with at least key, label and type"
    )


def test_markup_and_hidden_characters_in_texts_are_named(api, lead, project):
    fields = [
        field(
            label={"fr": "Titre<script>alert(1)</script>", "en": "Title"},
            help={"fr": "Altitude < 500 m", "en": "<img src=x onerror=alert(1)>"},
        ),
        field(
            "kind",
            type="select",
            vocabulary=[
                {"value": "a\u202eb", "label": {"fr": "<b>A</b>"}, "synonyms": ["ok", "x\x00"]}
            ],
        ),
    ]
    problems = check(as_user(api, lead), validate_url(project), fields)["problems"]
    assert [(p["path"], p["message"]) for p in problems] == [
        (
            "fields[0].label.fr",
            "plain text only: '<script>' looks like HTML markup (texts are shown as written)",
        ),
        (
            "fields[0].help.en",
            "plain text only: '<img src=x onerror=alert(1)>' looks like HTML markup "
            "(texts are shown as written)",
        ),
        (
            "fields[1].vocabulary[0].value",
            "holds an invisible control or direction character (U+202E): it would hide or "
            "reorder what people read",
        ),
        (
            "fields[1].vocabulary[0].label.fr",
            "plain text only: '<b>' looks like HTML markup (texts are shown as written)",
        ),
        (
            "fields[1].vocabulary[0].synonyms[1]",
            "holds an invisible control or direction character (U+0000): it would hide or "
            "reorder what people read",
        ),
    ]


@pytest.mark.parametrize(
    "body",
    [{}, {"template": []}, [], "fields", None],
    ids=["empty", "wrong-name", "a-list", "a-string", "null"],
)
def test_a_body_without_fields_is_a_400_naming_what_is_missing(api, lead, project, body):
    response = as_user(api, lead).post(validate_url(project), body, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"


# --- The checks are saving's ---------------------------------------------------------------

SAMPLES = {
    "duplicate keys": [field("a"), field("a")],
    "markup": [field(label={"fr": "<i>Nom</i>", "en": "Name"})],
    "bounds": [field(type="number", validation={"min": 5, "max": 1})],
    "dwc typo": [field(mapping={"dwc": "scientificname"})],
    "unit without metres": [
        field(type="number", unit="ft", mapping={"dwc": "minimumElevationInMeters"})
    ],
    "synonym collision": [
        field(type="select", vocabulary=[{"value": "Isère"}, {"value": "X", "synonyms": ["isere"]}])
    ],
}


@pytest.mark.parametrize("fields", SAMPLES.values(), ids=SAMPLES.keys())
def test_the_check_finds_what_saving_refuses_problem_for_problem(api, lead, project, fields):
    as_user(api, lead)
    problems = check(api, validate_url(project), fields)["problems"]
    assert problems
    saved = api.put(f"/api/projects/{project.slug}/template/", {"fields": fields}, format="json")
    assert saved.status_code == 400
    assert saved.json()["error"]["fields"]["fields"] == [
        f"{p['path']}: {p['message']}" for p in problems
    ]
    assert Template.objects.get(project=project).version == 1


def test_a_lead_of_a_new_project_checks_what_creating_it_would_refuse(api, outsider):
    as_user(api, outsider)
    fields = SAMPLES["markup"]
    problems = check(api, NEW, fields)["problems"]
    created = api.post(
        "/api/projects/",
        {"slug": "made", "title_fr": "F", "title_en": "E", "preset": "reference", "fields": fields},
        format="json",
    )
    assert created.status_code == 400
    assert created.json()["error"]["fields"]["fields"] == [
        f"{p['path']}: {p['message']}" for p in problems
    ]
    fields = [field("title"), field("year", type="date")]
    created = api.post(
        "/api/projects/",
        {"slug": "made", "title_fr": "F", "title_en": "E", "preset": "reference", "fields": fields},
        format="json",
    )
    assert created.status_code == 201, created.content
    template = Template.objects.get(project__slug="made")
    assert (template.field_keys(), template.preset) == (["title", "year"], "reference")
