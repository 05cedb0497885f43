"""Recognition pages: a project's rankings, public profiles, and the opt-ins' form (shown on
the profile page, templates/registration/_recognition.html)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crowd.users import acting_user
from tasks.recognition_forms import RankingFilterForm, RecognitionChoicesForm
from tasks.selectors.projects import project_for
from tasks.selectors.recognition import (
    RANKING_SHOWN,
    project_ranking,
    public_profile,
    ranking_months,
)
from tasks.services.recognition import recognition_choices_update


def project_ranking_page(request: HttpRequest, slug: str) -> HttpResponse:
    """The volunteers who asked to be ranked, by agreed values, in all or in one month. Whoever
    may see the project may see it (404 otherwise)."""
    project = project_for(request.user, slug)
    form = RankingFilterForm(request.GET)
    valid = form.is_valid()
    month = form.cleaned_data.get("month") if valid else None
    ranking = project_ranking(project=project, month=month) if valid else []
    return render(
        request,
        "projects/ranking.html",
        {
            "project": project,
            "form": form,
            "month": month,
            "months": ranking_months(project=project),
            "ranking": ranking,
            "shown": RANKING_SHOWN,
            "me_ranked": request.user.is_authenticated and request.user.rank_me,
        },
        status=200 if valid else 400,
    )


def public_profile_page(request: HttpRequest, handle: str) -> HttpResponse:
    """A volunteer's public profile; 404 unless they turned it on."""
    profile = public_profile(handle=handle)
    return render(request, "people/public_profile.html", {"profile": profile})


@login_required
@require_POST
def recognition_choices(request: HttpRequest) -> HttpResponse:
    """Save the profile page's recognition opt-ins. Unchecked boxes are off: nothing can be
    invalid here."""
    user = acting_user(request.user)
    form = RecognitionChoicesForm(request.POST)
    form.is_valid()
    recognition_choices_update(
        user=user,
        rank_me=bool(form.cleaned_data.get("rank_me")),
        profile_public=bool(form.cleaned_data.get("profile_public")),
    )
    messages.success(request, _("Your recognition choices are saved."))
    return redirect("profile")
