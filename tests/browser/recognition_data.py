"""A project of the recognition browser test's own, with one image two volunteers read alike
(run in the server's environment: `manage.py shell -c`), so that the first has agreed values
and a badge. Safe to run again."""

from __future__ import annotations

import json

from crowd.models import User
from tasks.management.commands.seed_demo import DEMO_PASSWORD
from tasks.models import ContributorTrust, Project, ProjectStatus, Task, TaskState
from tasks.services.leases import lease_grant
from tasks.services.projects import project_create
from tasks.services.submissions import transcription_submit

SLUG = "recognition-sheets"
VOLUNTEER = "recog-volunteer"
NAME = "Jeanne Recog"
VALUES = {"scientificName": "Quercus ilex L.", "country": "France", "locality": "Grenoble"}


def _person(username: str, display_name: str = "") -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, email=f"{username}@example.org", email_verified=True)
        user.display_name = display_name
        user.set_password(DEMO_PASSWORD)
        user.save()
    return user


def lay() -> str:
    lead = User.objects.get(username="lead")
    project = Project.objects.filter(slug=SLUG).first()
    if project is None:
        project = project_create(
            lead=lead,
            slug=SLUG,
            title_fr="Planches de la reconnaissance",
            title_en="Recognition sheets",
            preset="herbarium",
            redundancy_min=2,
            redundancy_max=2,
        )
        Project.objects.filter(pk=project.pk).update(status=ProjectStatus.ACTIVE)
        Task.objects.create(project=project, state=TaskState.OPEN, target=2, original_name="r.jpg")
    volunteer, peer = _person(VOLUNTEER, NAME), _person("recog-peer")
    for user in (volunteer, peer):
        # Proven, as a volunteer agreeing with known answers would be.
        ContributorTrust.objects.update_or_create(
            project=project, user=user, defaults={"compared": 50, "agreed": 50}
        )
        lease = lease_grant(project=project, user=user)
        if lease is not None:
            transcription_submit(
                task_id=lease.task_id,
                user=user,
                lease_id=lease.pk,
                values=VALUES,
                markers={},
                idempotency_key=f"recognition-{lease.task_id}",
            )
    return json.dumps({"slug": SLUG})
