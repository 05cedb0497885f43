"""The results pages: who may open them, what the query string may ask (and what it may not),
and what the image page shows."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.urls import reverse

from tasks.models import FieldResult, KnownAnswer, Role, Task, TaskState
from tasks.services.review import field_result_resolve
from tests.factories import MembershipFactory, ProjectFactory, TaskFactory, UserFactory
from tests.helpers import page_client

OAK = {"scientificName": "Quercus ilex L.", "country": "France", "locality": "Grenoble"}


@pytest.fixture
def project(db):
    return ProjectFactory(redundancy_min=2, redundancy_max=2)


@pytest.fixture
def oak(project, transcribe):
    """An image whose locality two contributors read differently, settled by a curator."""
    task = TaskFactory(project=project, target=2, original_name="chene.jpg")
    transcribe(project, OAK, task=task, user=UserFactory(username="alice"))
    transcribe(project, {**OAK, "locality": "Lyon"}, task=task, user=UserFactory(username="bob"))
    curator = MembershipFactory(project=project, role=Role.CURATOR, user__display_name="Dr Moreau")
    field_result_resolve(
        field_result_id=FieldResult.objects.get(task=task, key="locality").pk,
        curator=curator.user,
        decision="accept",
        value="Grenoble",
        reason="reading_checked",
        note="Lu sur l’étiquette.",
    )
    return Task.objects.get(pk=task.pk)


def results_url(project, **query):
    url = reverse("project-results", args=[project.slug])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def image_url(project, task):
    return reverse("task-results", args=[project.slug, task.pk])


def match(pattern, text):
    found = re.search(pattern, text, re.S)
    assert found is not None, pattern
    return found


def rows(response):
    return [int(n) for n in re.findall(rb'data-task="(\d+)"', response.content)]


# --- Who may open them -----------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in(client, project, oak):
    for url in (results_url(project), image_url(project, oak)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_contributors_and_outsiders_are_refused(project, oak, contributor, outsider):
    for user in (contributor, outsider):
        client = page_client(user)
        assert client.get(results_url(project)).status_code == 403
        assert client.get(image_url(project, oak)).status_code == 403


def test_a_private_project_does_not_exist_for_outsiders(oak, outsider):
    project = ProjectFactory(visibility="members")
    task = TaskFactory(project=project)
    client = page_client(outsider)
    assert client.get(results_url(project)).status_code == 404
    assert client.get(image_url(project, task)).status_code == 404
    contributor = MembershipFactory(project=project, role=Role.CONTRIBUTOR).user
    assert page_client(contributor).get(results_url(project)).status_code == 403


def test_curators_and_leads_browse_and_the_project_page_links_there(
    project, oak, curator, lead, contributor
):
    for user in (curator, lead):
        client = page_client(user)
        response = client.get(results_url(project))
        assert response.status_code == 200
        assert rows(response) == [oak.pk]
        detail = client.get(reverse("project-detail", args=[project.slug]))
        assert results_url(project).encode() in detail.content
    detail = page_client(contributor).get(reverse("project-detail", args=[project.slug]))
    assert results_url(project).encode() not in detail.content


def test_an_image_of_another_project_is_not_found_here(project, oak, lead):
    other = TaskFactory(project=ProjectFactory())
    assert page_client(lead).get(image_url(project, other)).status_code == 404


def test_training_images_are_the_leads_own(project, oak, lead, curator):
    reference = TaskFactory(project=project, state=TaskState.REFERENCE)
    KnownAnswer.objects.create(task=oak, project=project, values=OAK)
    lead_page = page_client(lead).get(results_url(project, known="training"))
    assert rows(lead_page) == [oak.pk, reference.pk]
    assert b"Known answers" in lead_page.content
    assert page_client(lead).get(image_url(project, reference)).status_code == 200
    curator_page = page_client(curator).get(results_url(project, known="training"))
    assert rows(curator_page) == [oak.pk]
    assert b"Known answers" not in curator_page.content
    assert b"Known answer" not in curator_page.content
    assert page_client(curator).get(image_url(project, reference)).status_code == 404
    image = page_client(curator).get(image_url(project, oak))
    assert image.status_code == 200
    assert b"Known answer" not in image.content


# --- The query string ------------------------------------------------------------------------


def test_every_filter_sort_view_and_page_lives_in_the_address(project, oak, lead):
    client = page_client(lead)
    response = client.get(
        results_url(
            project, q="quercus", state="resolved", field_status="resolved", sort="-id", view="grid"
        )
    )
    assert response.status_code == 200
    assert rows(response) == [oak.pk]
    content = response.content.decode()
    # The form shows what was asked, and the links keep it.
    assert 'value="quercus"' in content
    assert '<option value="resolved" selected>' in content
    assert 'class="results-grid"' in content
    assert "view=grid" in match(r'href="([^"]*)"[^>]*data-view-link="grid"', content)[1]
    table_link = match(r'href="([^"]*)"[^>]*data-view-link="table"', content)[1]
    assert "q=quercus" in table_link
    assert "view=grid" not in table_link


def test_pages_link_to_each_other(project, lead, monkeypatch):
    from tasks.selectors import results_browser

    monkeypatch.setattr(results_browser, "PAGE_SIZE", 2)
    tasks = [TaskFactory(project=project) for _ in range(3)]
    client = page_client(lead)
    first = client.get(results_url(project, sort="-id"))
    assert rows(first) == [tasks[2].pk, tasks[1].pk]
    next_url = match(rb'rel="next" href="([^"]*)"', first.content)[1].decode()
    assert "sort=-id" in next_url
    assert "page=2" in next_url
    second = client.get(next_url.replace("&amp;", "&"))
    assert rows(second) == [tasks[0].pk]
    assert b'rel="prev"' in second.content
    assert b'rel="next"' not in second.content


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"state": "sleeping"}, b"Select a valid choice"),
        ({"batch": "abc"}, b"Select a valid choice"),
        ({"batch": "99999999999999999999999"}, b"Select a valid choice"),
        ({"field": "nonexistent"}, b"Select a valid choice"),
        ({"page": "-3"}, b"greater than or equal to 1"),
        ({"page": "1e9"}, b"Enter a whole number"),
        ({"page": "100000"}, b"less than or equal to 20"),
        ({"date_from": "2026-13-45"}, b"Enter a valid date"),
        ({"date_from": "2026-06-02", "date_to": "2026-06-01"}, b"before its start"),
        ({"sort": "password"}, b"Select a valid choice"),
        ({"q": "quercus" * 100}, b"at most 200 characters"),
        ({"q": "a%00b"}, b"Null characters are not allowed"),
        ({"contributor": "x" * 500}, b"at most 150 characters"),
    ],
)
def test_a_hostile_query_string_gets_a_precise_message_never_an_error(
    project, oak, lead, query, message
):
    response = page_client(lead).get(results_url(project, **query))
    assert response.status_code == 400
    assert message in response.content
    assert b"data-query-errors" in response.content
    assert rows(response) == []


def test_a_batch_of_another_project_is_no_choice(project, oak, lead):
    from tasks.models import Batch

    elsewhere = Batch.objects.create(project=ProjectFactory(), name="Ailleurs")
    response = page_client(lead).get(results_url(project, batch=elsewhere.pk))
    assert response.status_code == 400
    assert b"Ailleurs" not in response.content


def test_odd_search_words_and_repeated_parameters_are_read_safely(project, oak, lead):
    client = page_client(lead)
    for q in ["'):* | !&", "<script>alert(1)</script>", "Quercus%20%27%3A%2A", "日本語 カタカナ"]:
        response = client.get(results_url(project, q=q))
        assert response.status_code == 200, q
        assert b"<script>alert(1)</script>" not in response.content
    response = client.get(results_url(project) + "?state=resolved&state=open&view=nonsense")
    assert response.status_code == 400  # an unknown view
    response = client.get(results_url(project) + "?q=quercus&q=abies")
    assert response.status_code == 200
    assert rows(response) == []  # the last one counts


postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="spelling suggestions need PostgreSQL's pg_trgm"
)


@postgresql_only
def test_a_misspelling_says_what_was_searched_instead(project, oak, lead):
    response = page_client(lead).get(results_url(project, q="Quercsu"))
    assert rows(response) == [oak.pk]
    assert b"data-suggestion" in response.content
    assert "“quercsu”: also searched for quercus".encode() in response.content


@postgresql_only
def test_a_misspelling_someone_typed_offers_a_link_to_the_closest_word(
    project, oak, lead, transcribe
):
    task = TaskFactory(project=project, target=2, priority=10)
    transcribe(project, {**OAK, "scientificName": "Quercsu ilex"}, task=task)
    response = page_client(lead).get(results_url(project, q="quercsu", view="grid"))
    assert rows(response) == [task.pk]
    link = match(rb"data-did-you-mean>[^<]*<a href=\"([^\"]*)\">quercus</a>", response.content)[1]
    assert link.decode() == results_url(project) + "?view=grid&amp;q=quercus"


def test_the_pages_read_in_french(project, oak, lead):
    client = page_client(lead)
    client.cookies["django_language"] = "fr"
    response = client.get(results_url(project, q="chene"), HTTP_ACCEPT_LANGUAGE="fr")
    content = response.content.decode()
    assert "Chercher dans les valeurs et les réponses" in content
    assert "Résultats" in content
    image = client.get(image_url(project, oak), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Historique (3 versions)" in image
    assert "Résolu par un curateur" in image


# --- One image -------------------------------------------------------------------------------


def test_the_image_page_shows_answers_history_explanations_and_the_review_link(
    project, oak, curator
):
    response = page_client(curator).get(image_url(project, oak) + "?back=%3Fq%3Dquercus")
    assert response.status_code == 200
    content = response.content.decode()
    # Every answer, by the contributors' user names, as the review page names them.
    answers = match(r"<table class=\"answers-table\".*?</table>", content)[0]
    assert "alice" in answers
    assert "bob" in answers
    assert "Lyon" in answers
    assert "Grenoble" in answers
    # Each value's history: the reconciliation, then the curator's decision with its reason.
    locality = match(r'<article class="vfield" id="field-locality".*?</article>', content)[0]
    assert "History (3 versions)" in locality
    assert "Reconciliation" in locality
    assert "Curator resolution (Dr Moreau)" in locality
    assert "Reason: Checked on the image" in locality
    assert "Note: Lu sur l’étiquette." in locality
    assert "Settled by a curator" in locality  # the explanation, in the reader's language
    assert reverse("task-review", args=[project.slug, oak.pk]) in content
    # Back to the very results the reader came from.
    assert f'href="{results_url(project)}?q=quercus"' in content
    # The image's discussion follows, open to the curator, with its form.
    assert "data-discussion" in content
    assert reverse("discussion-image", args=[project.slug, oak.pk]) in content


def test_the_image_page_back_link_never_leaves_the_results(project, oak, lead):
    response = page_client(lead).get(image_url(project, oak) + "?back=https://evil.example/")
    back = match(rb'<p class="back"><a href="([^"]*)"', response.content)[1]
    assert back.decode() == results_url(project)


def test_an_image_without_answers_says_so(project, lead):
    task = TaskFactory(project=project)
    response = page_client(lead).get(image_url(project, task))
    assert response.status_code == 200
    assert b"Nobody has transcribed this image yet." in response.content
