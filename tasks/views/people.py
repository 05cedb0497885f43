"""The leads' pages about people: every contributor's figures with the moderation actions, and
the project's audit log (curators read the part about their decisions)."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from tasks.people_forms import AuditFilterForm, ContributorFilterForm
from tasks.roles import Capability, project_capabilities
from tasks.selectors.audit import CURATOR_GROUPS, GROUPS, AuditFilters, audit_fill, audit_log
from tasks.selectors.contributors import DEFAULT_SORT, contributors_fill, contributors_listed
from tasks.selectors.projects import project_for

CONTRIBUTORS_PER_PAGE = 50
AUDIT_PER_PAGE = 50


def _query_without(request: HttpRequest, *names: str) -> str:
    """The page's query string without `names` (to add a page number or a sort to it)."""
    params = request.GET.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()


@login_required
def project_contributors(request: HttpRequest, slug: str) -> HttpResponse:
    """Leads only: curators settle values, they do not judge people."""
    project = project_for(request.user, slug, Capability.MANAGE)
    form = ContributorFilterForm(request.GET or None)
    status = 200
    page = None
    rows: list[dict[str, Any]] = []
    sort = DEFAULT_SORT
    if form.is_bound and not form.is_valid():
        status = 400
    else:
        filters = form.cleaned_data if form.is_bound else {}
        sort = filters.get("sort") or DEFAULT_SORT
        people = contributors_listed(
            project=project,
            sort=sort,
            state=filters.get("state") or "",
            search=filters.get("q") or "",
        )
        page = Paginator(people, CONTRIBUTORS_PER_PAGE).get_page(request.GET.get("page"))
        rows = contributors_fill(project=project, people=page.object_list)
    types = sorted({field_type for row in rows for field_type in row["weights"]})
    for row in rows:
        row["weight_cells"] = [row["weights"].get(field_type) for field_type in types]
    return render(
        request,
        "people/contributors.html",
        {
            "project": project,
            "form": form,
            "page": page,
            "rows": rows,
            "sort": sort,
            "columns": _sort_columns(sort),
            "types": types,
            "levels": bool(rows) and rows[0]["levels"] is not None,
            "query": _query_without(request, "page"),
            "query_unsorted": _query_without(request, "page", "sort"),
            "back": request.get_full_path(),
        },
        status=status,
    )


def _sort_columns(sort: str) -> dict[str, dict[str, str]]:
    """Per sortable column: the sort a click on its heading asks (the other direction when it
    is the current one) and its `aria-sort`."""
    current = sort.lstrip("-")
    descending = sort.startswith("-")
    columns: dict[str, dict[str, str]] = {}
    for key in ("name", "transcriptions", "last_active", "agreement", "accuracy"):
        if key == current:
            columns[key] = {
                "next": key if descending else f"-{key}",
                "aria": "descending" if descending else "ascending",
            }
        else:
            columns[key] = {"next": key if key == "name" else f"-{key}", "aria": "none"}
    return columns


@login_required
def project_audit(request: HttpRequest, slug: str) -> HttpResponse:
    """Curators and leads; curators read their decisions and reopenings only."""
    project = project_for(request.user, slug, Capability.CURATE)
    capabilities = project_capabilities(request.user, project)
    allowed = (
        GROUPS
        if Capability.MANAGE in capabilities
        else {group: GROUPS[group] for group in CURATOR_GROUPS}
    )
    form = AuditFilterForm(request.GET or None, groups=allowed)
    status = 200
    page = None
    rows: list[dict[str, Any]] = []
    if form.is_bound and not form.is_valid():
        status = 400
    else:
        cleaned = form.cleaned_data if form.is_bound else {}
        kind = cleaned.get("kind") or ""
        if kind and kind not in allowed:  # the form's choices already refuse it
            raise PermissionDenied(_("Only the project's leads may do this."))
        filters = AuditFilters(
            groups=(kind,) if kind else tuple(allowed),
            person_id=form.person_id if form.is_bound else None,
            since=_day_start(cleaned.get("since")),
            until=_day_start(cleaned.get("until"), after=True),
        )
        page = Paginator(audit_log(project=project, filters=filters), AUDIT_PER_PAGE).get_page(
            request.GET.get("page")
        )
        rows = audit_fill(project=project, rows=page.object_list)
    return render(
        request,
        "people/audit.html",
        {
            "project": project,
            "form": form,
            "page": page,
            "rows": rows,
            "query": _query_without(request, "page"),
            "leads": Capability.MANAGE in capabilities,
        },
        status=status,
    )


def _day_start(day: datetime.date | None, *, after: bool = False) -> datetime.datetime | None:
    """The start of `day` (of the next day with `after`) in the platform's time zone."""
    if day is None:
        return None
    if after:
        day += datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
