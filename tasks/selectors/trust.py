"""Who is proven in a project: trusted by role, or by enough answers that agreed with values
others settled (counted by `tasks.services.reliability`).

The thresholds are read from the settings at each call, so an operator who changes them changes
who is proven at once, without waiting for the next relearning.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings

from tasks.models import ContributorTrust, Project
from tasks.roles import project_proven_by_role


def trust_proven(*, compared: int, agreed: int) -> bool:
    """Enough comparisons with reference values, and enough of them agreed."""
    if compared < settings.TRUST_MIN_COMPARISONS:
        return False
    return compared == 0 or agreed * 100 >= settings.TRUST_MIN_AGREEMENT_PERCENT * compared


def proven_user_ids(*, project: Project, user_ids: Iterable[int]) -> set[int]:
    """Those of `user_ids` whose answers count fully in `project`."""
    ids = set(user_ids)
    if settings.TRUST_MIN_COMPARISONS == 0:
        return ids
    proven = project_proven_by_role(project, ids)
    rows = ContributorTrust.objects.filter(project=project, user_id__in=ids - proven)
    for user_id, compared, agreed in rows.values_list("user_id", "compared", "agreed"):
        if trust_proven(compared=compared, agreed=agreed):
            proven.add(user_id)
    return proven


def unproven_weight() -> float:
    """The engine's cap on an unproven contributor's vote (a newcomer's prior weighs 1)."""
    return settings.TRUST_UNPROVEN_WEIGHT_PERCENT / 100
