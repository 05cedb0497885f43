"""A project's news: everyone who may see the project reads them; its leads post, correct and
delete them."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from crowd.forms import form_add_errors
from crowd.ratelimit import limit_count
from crowd.users import acting_user
from tasks.models import News, Project
from tasks.notification_forms import NewsForm
from tasks.roles import Capability, project_capabilities
from tasks.selectors.notifications import project_news
from tasks.selectors.projects import project_for
from tasks.services.news import news_delete, news_publish, news_update

PER_PAGE = 20
HOUR = 3600


def _page(
    request: HttpRequest, project: Project, form: NewsForm | None, status: int = 200
) -> HttpResponse:
    page = Paginator(project_news(project), PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "news/list.html",
        {"project": project, "page": page, "form": form},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def project_news_page(request: HttpRequest, slug: str) -> HttpResponse:
    project = project_for(request.user, slug)
    manage = Capability.MANAGE in project_capabilities(request.user, project)
    if request.method == "GET":
        return _page(request, project, NewsForm() if manage else None)
    if not manage:
        raise PermissionDenied(_("Only the project's leads may post news."))
    author = acting_user(request.user)
    form = NewsForm(request.POST)
    if form.is_valid():
        if limit_count(f"news:{author.pk}", window_seconds=HOUR) > settings.NEWS_PER_HOUR:
            form.add_error(None, _("You have posted much news this hour: wait a little."))
            return _page(request, project, form, status=429)
        try:
            news = news_publish(
                project=project,
                author=author,
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
            )
        except ValidationError as error:
            form_add_errors(form, error)
        else:
            messages.success(request, _("The news is published."))
            return redirect(f"{request.path}#news-{news.pk}")
    return _page(request, project, form, status=400)


def _news_of(request: HttpRequest, slug: str, news_id: int) -> tuple[Project, News]:
    project = project_for(request.user, slug, Capability.MANAGE)
    news = project_news(project).filter(pk=news_id).first()
    if news is None:
        raise Http404(_("No such news."))
    return project, news


@require_http_methods(["GET", "POST"])
def news_edit(request: HttpRequest, slug: str, news_id: int) -> HttpResponse:
    project, news = _news_of(request, slug, news_id)
    form = NewsForm(request.POST or None, initial={"title": news.title, "body": news.body})
    if request.method == "POST" and form.is_valid():
        try:
            news_update(
                actor=acting_user(request.user),
                news=news,
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
            )
        except ValidationError as error:
            form_add_errors(form, error)
        else:
            messages.success(request, _("The news is saved."))
            return redirect(f"/projects/{project.slug}/news/#news-{news.pk}")
    return render(
        request,
        "news/edit.html",
        {"project": project, "news": news, "form": form},
        status=400 if form.errors else 200,
    )


@require_POST
def news_remove(request: HttpRequest, slug: str, news_id: int) -> HttpResponse:
    project, news = _news_of(request, slug, news_id)
    news_delete(actor=acting_user(request.user), news=news)
    messages.success(request, _("The news is deleted."))
    return redirect("project-news", slug=project.slug)
