"""Demo accounts and projects with generated images; safe to run again (it adds what is missing)."""

from __future__ import annotations

import random
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Sum

from crowd.models import User
from tasks.management.demo_training import (
    KNOWN_IMAGES,
    PRACTICE_IMAGES,
    demo_known_answers_add,
    demo_known_answers_count,
    demo_training_add,
    training_items,
)
from tasks.models import (
    BatchPurpose,
    ContributorTrust,
    ImageReading,
    LeaseKind,
    Project,
    ProjectStatus,
    ReadingStatus,
    Role,
    Transcription,
)
from tasks.services.batch_sources import Incoming
from tasks.services.batches import batch_create, batch_start
from tasks.services.ingest import batch_ingest_here
from tasks.services.lease_upkeep import lease_release
from tasks.services.leases import lease_grant
from tasks.services.members import membership_set
from tasks.services.progress import project_progress_request
from tasks.services.projects import project_create
from tasks.services.readings import project_readings_read_here
from tasks.services.submissions import answer_submit
from tasks.values import ValuesRejected
from worker.demo import DemoItem, iter_herbarium_items, iter_reference_items
from worker.demo.noise import noisy_values
from worker.template.steps import LABEL

DEMO_PASSWORD = "transcrire-1898"  # noqa: S105 printed for newcomers; demo accounts are for local use only
DEMO_USERS = ["lead", "curator", *[f"contributor{i}" for i in range(1, 6)]]
# How careful each simulated volunteer is (1 = never wrong): most are careful, one is sloppy.
VOLUNTEER_CARE = (0.97, 0.95, 0.9, 0.8, 0.3)
# The training images are drawn apart from the data images (seed 1), so none is both.
TRAINING_SEED = 1898

DEMO_PROJECTS: list[dict[str, Any]] = [
    {
        "slug": "demo-herbarium",
        # Coordinates printed on a label are read with it; a sheet whose label gives none
        # waits, once its label is settled, for volunteers to georeference it.
        "preset": "herbarium_georeference",
        "title_fr": "Herbier de démonstration",
        "title_en": "Demonstration herbarium",
        "description_fr": "Des planches d'herbier à transcrire : nom scientifique, collecteur, date et lieu de récolte.",
        "description_en": "Herbarium sheets to transcribe: scientific name, collector, date and place of collection.",
        "generate": iter_herbarium_items,
    },
    {
        "slug": "demo-references",
        "preset": "reference",
        "title_fr": "Fichier bibliographique du jazz",
        "title_en": "Jazz bibliography card index",
        "description_fr": "Des fiches bibliographiques dactylographiées sur le jazz, à saisir pour une bibliographie participative.",
        "description_en": "Typewritten bibliography cards about jazz, to enter into a participatory bibliography.",
        "generate": iter_reference_items,
    },
]


class Command(BaseCommand):
    help = "Create demo accounts and two demo projects with generated images (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--images", type=int, default=30, help="Images per demo project (default 30)."
        )
        parser.add_argument(
            "--transcriptions",
            action="store_true",
            help="Also let simulated volunteers transcribe part of each project (once per project).",
        )

    def handle(self, *args: Any, images: int, transcriptions: bool = False, **options: Any) -> None:
        if not settings.DEBUG:
            # The demo accounts have a published password.
            raise CommandError(
                "seed_demo creates accounts with a published password: it runs only with DEBUG=1."
            )
        users = {name: self._user(name) for name in DEMO_USERS}
        for spec in DEMO_PROJECTS:
            project = self._project(spec, lead=users["lead"])
            membership_set(
                project=project, user=users["curator"], role=Role.CURATOR, actor=users["lead"]
            )
            self._volunteers_proven(project, users)
            truths: dict[str, dict[str, str]] = {}
            added = self._images(project, spec["generate"](count=images, seed=1), truths=truths)
            self.stdout.write(f"{project.slug}: {added} new images, {project.tasks.count()} in all")
            # Read before the simulated volunteers come, so that the machine votes with them
            # (eager jobs read each image as it was ingested; what waits is read here).
            project_readings_read_here(project=project)
            self._readings_report(project)
            if transcriptions:
                made = self._simulate(project, truths, users)
                self.stdout.write(f"{project.slug}: {made} simulated transcriptions")
            self._training(project, spec, users["lead"], truths)
            project_progress_request(project_id=project.pk)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo accounts (password: {DEMO_PASSWORD}): {', '.join(DEMO_USERS)}"
            )
        )

    def _readings_report(self, project: Project) -> None:
        readings = ImageReading.objects.filter(project=project)
        done = readings.filter(status=ReadingStatus.DONE)
        seconds = (done.aggregate(ms=Sum("duration_ms"))["ms"] or 0) / 1000
        self.stdout.write(
            f"{project.slug}: {done.count()} images read by OCR ({seconds:.0f} s), "
            f"{readings.filter(status=ReadingStatus.FAILED).count()} failed"
        )

    def _volunteers_proven(self, project: Project, users: dict[str, User]) -> None:
        """The demo volunteers stand for long-standing ones who proved themselves, so the demo
        shows agreed values (new accounts' answers alone are never settled)."""
        for name, user in users.items():
            if name.startswith("contributor"):
                ContributorTrust.objects.get_or_create(
                    project=project,
                    user=user,
                    defaults={
                        "compared": settings.TRUST_MIN_COMPARISONS,
                        "agreed": settings.TRUST_MIN_COMPARISONS,
                    },
                )

    def _user(self, name: str) -> User:
        user, created = User.objects.get_or_create(
            username=name,
            defaults={
                "email": f"{name}@example.org",
                "display_name": name.capitalize(),
                "credit_me": True,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            if name == "lead":
                user.is_staff = True
            user.save()
        return user

    def _project(self, spec: dict[str, Any], *, lead: User) -> Project:
        project = Project.objects.filter(slug=spec["slug"]).first()
        if project is not None:
            return project
        return project_create(
            lead=lead,
            slug=spec["slug"],
            preset=spec["preset"],
            title_fr=spec["title_fr"],
            title_en=spec["title_en"],
            description_fr=spec["description_fr"],
            description_en=spec["description_en"],
            status=ProjectStatus.ACTIVE,
            # A low maximum lets the demo show disputes after a few simulated transcriptions.
            redundancy_max=3,
            # Printed labels and typed cards: what OCR reads well.
            machine_reading=True,
        )

    def _training(
        self, project: Project, spec: dict[str, Any], lead: User, truths: dict[str, dict[str, str]]
    ) -> None:
        """A tutorial, a field guide with examples cut from the data images, and a training
        batch of images whose true values are known: practice images and known answers."""
        added = demo_training_add(project=project, preset=spec["preset"], lead=lead, truths=truths)
        new = known = 0
        wanted = PRACTICE_IMAGES + KNOWN_IMAGES
        if demo_known_answers_count(project=project) < wanted:  # else spare drawing them again
            training: dict[str, dict[str, str]] = {}
            items = spec["generate"](count=wanted, seed=TRAINING_SEED)
            new = self._images(
                project, training_items(items), truths=training, purpose=BatchPurpose.TRAINING
            )
            known = demo_known_answers_add(
                project=project, preset=spec["preset"], lead=lead, truths=training
            )
        self.stdout.write(
            f"{project.slug}: {added.steps} tutorial steps, {added.entries} guide entries "
            f"({added.examples} examples), {new} training images, {known} known answers added"
        )

    def _images(
        self,
        project: Project,
        items: Iterable[DemoItem],
        *,
        truths: dict[str, dict[str, str]],
        purpose: str = BatchPurpose.DATA,
    ) -> int:
        """Ingest the demo images the project lacks as one batch, through the same pipeline as
        uploads (IIIF tiles, thumbnail, content hash), in this process: the demo is ready when
        the command returns. Images are written to a temporary folder one at a time. `truths`
        receives every item's true values by file name."""
        known = set(project.tasks.values_list("original_name", flat=True))
        with tempfile.TemporaryDirectory(prefix="crowd-demo-") as folder:
            uploads = []
            metadata = {}
            for item in items:
                truths[item.filename] = item.truth
                if item.filename in known:
                    continue
                path = Path(folder) / item.filename
                item.image.save(path, format="JPEG", quality=90)
                uploads.append(Incoming.from_path(path))
                metadata[item.filename] = item.metadata
            if not uploads:
                return 0
            batch = batch_create(
                project=project,
                actor=None,
                name="Démo" if purpose == BatchPurpose.DATA else "Démo : entraînement",
                uploads=uploads,
                metadata=metadata,
                start=False,
                purpose=purpose,
            )
            batch_start(batch_id=batch.pk, send=False)
            batch = batch_ingest_here(batch_id=batch.pk)
        for failure in batch.errors:
            self.stderr.write(f"{failure['file']}: {failure['code']}")
        return batch.files_ok

    def _simulate(
        self, project: Project, truths: dict[str, dict[str, str]], users: dict[str, User]
    ) -> int:
        """Simulated volunteers transcribe about half of the project through the real services
        (leases, validation, reconciliation), so the demo shows every outcome. Once per project.
        A known-answer image met on the way is answered like the others and not counted."""
        if Transcription.objects.filter(project=project).exists():
            return 0
        types = {spec.key: spec.type for spec in project.template.specs}
        volunteers = [
            (users[f"contributor{n}"], care)
            for n, care in zip(range(1, 6), VOLUNTEER_CARE, strict=True)
        ]
        rng = random.Random(1898)  # noqa: S311 (demo data, not a secret)
        budget = int(len(truths) * project.redundancy_min)
        made = 0
        while made < budget:
            progressed = False
            for user, care in volunteers:
                if made >= budget:
                    break
                # Labels only: the georeference step is left for visitors to try.
                lease = lease_grant(project=project, user=user, step=LABEL)
                if lease is None:
                    continue
                values = noisy_values(
                    truths.get(lease.task.original_name, {}), types, care=care, rng=rng
                )
                try:
                    answer_submit(
                        task_id=lease.task_id,
                        user=user,
                        lease_id=lease.pk,
                        values=values,
                        markers={},
                        idempotency_key=f"demo-{lease.task_id}",
                    )
                except ValuesRejected:  # a typo outside a select's options: the volunteer skips
                    lease_release(lease_id=lease.pk, user=user, reason="other")
                    continue
                if lease.kind != LeaseKind.DATA:
                    continue
                made += 1
                progressed = True
            if not progressed:
                break
        return made
