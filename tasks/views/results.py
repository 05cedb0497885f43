"""The results browser: a project's images with their state, agreement and settled values,
filtered, searched and sorted through the query string (every link can be shared), and one
image's page with its answers and the history of each value. Curators and leads only."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils.translation import get_language

from tasks.models import Project, TaskState
from tasks.results_forms import ResultsForm
from tasks.roles import Capability, project_capabilities
from tasks.selectors.projects import project_for
from tasks.selectors.results_browser import COUNT_LIMIT, results_page, results_table
from tasks.selectors.results_image import image_view, task_of_project
from tasks.views.discussion import image_discussion_fragment


def _browsing(request: HttpRequest, slug: str) -> tuple[Project, bool]:
    """The project, for its curators and leads (404 when hidden, else 403), and whether the
    reader sees its training images (its leads)."""
    project = project_for(request.user, slug, Capability.CURATE)
    return project, Capability.MANAGE in project_capabilities(request.user, project)


def _query(params: QueryDict, **changes: str) -> str:
    """The query string with `changes` (an empty value removes the parameter)."""
    query = params.copy()
    for name, value in changes.items():
        query.pop(name, None)
        if value:
            query[name] = value
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else "?"


@login_required
def project_results(request: HttpRequest, slug: str) -> HttpResponse:
    project, with_training = _browsing(request, slug)
    form = ResultsForm(request.GET, project=project, with_training=with_training)
    specs = project.template.specs
    context = {
        "project": project,
        "form": form,
        "specs": specs,
        "with_training": with_training,
        "view": form.view_chosen(),
        "count_limit": COUNT_LIMIT,
        "table_url": _query(request.GET, view="", page=""),
        "grid_url": _query(request.GET, view="grid", page=""),
        "clear_url": _query(
            QueryDict(), view=form.view_chosen() if form.view_chosen() != "table" else ""
        ),
    }
    if not form.is_valid():
        return render(request, "results/list.html", context, status=400)
    page = results_page(
        project=project,
        filters=form.filters(),
        with_training=with_training,
        page=form.page_number(),
    )
    columns, rows = results_table(tasks=page.tasks, specs=specs, language=get_language() or "fr")
    context.update(
        page=page,
        columns=columns,
        rows=rows,
        previous_url=_query(request.GET, page=str(page.number - 1)),
        next_url=_query(request.GET, page=str(page.number + 1)),
        here=_query(request.GET),
        did_you_mean_url=_query(request.GET, q=page.did_you_mean, page=""),
    )
    return render(request, "results/list.html", context)


@login_required
def task_results(request: HttpRequest, slug: str, task_id: int) -> HttpResponse:
    project, with_training = _browsing(request, slug)
    task = task_of_project(project=project, task_id=task_id, with_training=with_training)
    view = image_view(project=project, task=task, with_training=with_training)
    back = request.GET.get("back", "")
    return render(
        request,
        "results/image.html",
        {
            "project": project,
            "image": view,
            "task": task,
            "iiif_url": f"{settings.MEDIA_URL}{task.iiif_path}/info.json" if task.iiif_path else "",
            # The results page the reader came from, when it is one (never another address).
            "back": back if back.startswith("?") and len(back) <= 2000 else "",
            "may_review": task.state not in (TaskState.REFERENCE, TaskState.WITHDRAWN),
            "discussion": image_discussion_fragment(request, project, task),
        },
    )
