"""Project news: leads post, correct and delete them; everyone who sees the project reads them;
a post notifies the project's members and volunteers."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError

from tasks.markup import Resolvers, comment_render, markdown_render
from tasks.models import News, Notification, Role, Visibility
from tasks.services.moderation import project_block
from tasks.services.news import BODY_MAX, news_delete, news_publish, news_update
from tests.factories import MembershipFactory, TaskFactory, UserFactory
from tests.helpers import page_client

BASE = {"scientificName": "Quercus ilex L.", "country": "France", "locality": "Grenoble"}


def test_a_lead_posts_news_that_the_project_page_and_the_news_page_show(project, lead):
    client = page_client(lead)
    posted = client.post(
        f"/projects/{project.slug}/news/",
        {"title": "Cent planches de plus", "body": "Merci à **toutes** et à tous !"},
    )
    assert posted.status_code == 302
    news = News.objects.get(project=project)
    assert news.body_html == "<p>Merci à <strong>toutes</strong> et à tous !</p>\n"
    for path in (f"/projects/{project.slug}/", f"/projects/{project.slug}/news/"):
        page = page_client().get(path).content.decode()
        assert "Cent planches de plus" in page
        assert "<strong>toutes</strong>" in page


def test_news_notifies_members_and_volunteers_but_not_its_author(project, lead, transcribe):
    curator = MembershipFactory(project=project, role=Role.CURATOR).user
    TaskFactory(project=project)
    volunteer = transcribe(project, BASE)
    stranger = UserFactory()
    news = news_publish(project=project, author=lead, title="Bonjour", body="Texte")
    told = set(Notification.objects.filter(kind="news").values_list("recipient_id", flat=True))
    assert told == {curator.pk, volunteer.pk}
    assert stranger.pk not in told
    assert Notification.objects.filter(kind="news").first().payload == {
        "news": news.pk,
        "title": "Bonjour",
    }


def test_news_with_an_empty_title_or_a_text_too_long_is_refused_and_nothing_is_kept(project, lead):
    with pytest.raises(ValidationError) as refused:
        news_publish(project=project, author=lead, title=" ", body="x" * (BODY_MAX + 1))
    assert set(refused.value.message_dict) == {"title", "body"}
    assert not News.objects.exists()
    page = page_client(lead).post(
        f"/projects/{project.slug}/news/", {"title": "", "body": "Le texte reste"}
    )
    assert page.status_code == 400
    assert "Le texte reste" in page.content.decode()  # what was typed is not lost


def test_a_lead_edits_and_deletes_news_without_notifying_again(project, lead, contributor):
    news = news_publish(project=project, author=lead, title="Avant", body="Texte")
    client = page_client(lead)
    edited = client.post(
        f"/projects/{project.slug}/news/{news.pk}/edit/", {"title": "Après", "body": "_Neuf_"}
    )
    assert edited.status_code == 302
    news.refresh_from_db()
    assert (news.title, news.body_html) == ("Après", "<p><em>Neuf</em></p>\n")
    assert Notification.objects.filter(kind="news").count() == 1
    deleted = client.post(f"/projects/{project.slug}/news/{news.pk}/delete/")
    assert deleted.status_code == 302
    assert not News.objects.exists()


def test_posting_news_is_rate_limited(project, lead, settings):
    cache.clear()
    settings.NEWS_PER_HOUR = 2
    client = page_client(lead)
    codes = [
        client.post(
            f"/projects/{project.slug}/news/", {"title": f"N{n}", "body": "texte"}
        ).status_code
        for n in range(3)
    ]
    assert codes == [302, 302, 429]
    assert News.objects.count() == 2


def test_a_members_only_projects_news_is_hidden_from_outsiders(project, lead, outsider):
    project.visibility = Visibility.MEMBERS
    project.save()
    news_publish(project=project, author=lead, title="Interne", body="Texte")
    assert page_client(outsider).get(f"/projects/{project.slug}/news/").status_code == 404
    assert page_client().get(f"/projects/{project.slug}/news/").status_code == 404
    assert page_client(lead).get(f"/projects/{project.slug}/news/").status_code == 200


def test_news_of_a_members_only_project_never_reaches_a_volunteer_whose_membership_ended(
    project, lead, transcribe
):
    project.visibility = Visibility.MEMBERS
    project.save()
    TaskFactory(project=project)
    former = MembershipFactory(project=project, role=Role.CONTRIBUTOR).user
    transcribe(project, BASE, user=former)
    still = MembershipFactory(project=project, role=Role.CONTRIBUTOR).user
    former.memberships.filter(project=project).delete()

    news_publish(project=project, author=lead, title="Interne", body="Texte")

    told = set(Notification.objects.filter(kind="news").values_list("recipient_id", flat=True))
    assert told == {still.pk}


def test_news_never_reaches_a_person_the_leads_blocked(project, lead, transcribe):
    TaskFactory(project=project)
    volunteer = transcribe(project, BASE)
    project_block(project=project, user=volunteer, actor=lead, reason="Spam")

    news_publish(project=project, author=lead, title="Bonjour", body="Texte")

    assert not Notification.objects.filter(kind="news", recipient=volunteer).exists()


def test_news_headings_sit_under_the_page_s_own_and_links_never_pass_the_referrer():
    html = markdown_render("# One\n## Two\n### Three\n##### Five\n\n[site](https://x.org)")
    assert html.startswith("<h3>One</h3>\n<h3>Two</h3>\n<h3>Three</h3>\n<h4>Five</h4>")
    assert 'rel="nofollow noopener noreferrer"' in html


def test_comments_render_with_the_same_engine_without_headings_and_with_their_own_rel():
    rendered = comment_render(
        "# Not a heading\n\n[site](https://x.org)",
        Resolvers(person=lambda name: None, image=lambda pk: None, tag=lambda tag: "/t/"),
    )
    assert "<h" not in rendered.html
    assert 'rel="nofollow ugc noopener"' in rendered.html


def test_only_a_lead_may_publish_correct_or_delete_news_whoever_calls_the_service(
    project, lead, curator
):
    with pytest.raises(PermissionDenied):
        news_publish(project=project, author=curator, title="Faux", body="Texte")
    news = news_publish(project=project, author=lead, title="Vrai", body="Texte")
    with pytest.raises(PermissionDenied):
        news_update(actor=curator, news=news, title="Changé", body="Texte")
    with pytest.raises(PermissionDenied):
        news_delete(actor=curator, news=news)
    news.refresh_from_db()
    assert news.title == "Vrai"
    assert News.objects.count() == 1
