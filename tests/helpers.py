"""Helpers the tests share, beside the factories: clients signed in as a user, and
transcriptions submitted as the platform takes them."""

from __future__ import annotations

from typing import Any

from django.test import Client
from rest_framework.test import APIClient

from crowd.services import token_create
from tasks.models import ContributorTrust, Lease, Task, Transcription
from tasks.services.submissions import transcription_submit


def api_client(user=None) -> APIClient:
    """A REST API client that reads English, signed in as `user` when given."""
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_authenticate(user)
    return client


def token_client(user) -> APIClient:
    """A REST API client that reads English and sends a new API token of `user`."""
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_create(user=user)[1]}")
    return client


def nothing_recorded(lease, count: int = 0) -> None:
    """Nothing was recorded on `lease`: no answer on its image, the lease still live, the
    image's count still `count`."""
    assert not Transcription.objects.filter(task_id=lease.task_id).exists()
    assert Lease.objects.get(pk=lease.pk).state == "active"
    assert Task.objects.get(pk=lease.task_id).transcription_count == count


def as_user(api: APIClient, user) -> APIClient:
    """`api`, signed in as `user` from now on."""
    api.force_authenticate(user)
    return api


def page_client(user=None) -> Client:
    """A browser-like client for the pages, in English, signed in as `user` when given."""
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_login(user)
    return client


def submit(lease, values: dict[str, Any], *, key: str | None = None):
    """Submit `values` on `lease` as its contributor; the service's answer."""
    return transcription_submit(
        task_id=lease.task_id,
        user=lease.user,
        lease_id=lease.pk,
        values=values,
        markers={},
        idempotency_key=key or f"{lease.user_id}-{lease.task_id}",
    )


def prove(project, user, *, compared: int = 50, agreed: int | None = None):
    """Record that `user`'s answers in `project` were compared `compared` times with reference
    values and agreed `agreed` times (all of them by default): what the relearning would have
    counted for a volunteer who proved themselves. Returns `user`."""
    ContributorTrust.objects.update_or_create(
        project=project,
        user=user,
        defaults={"compared": compared, "agreed": compared if agreed is None else agreed},
    )
    return user
