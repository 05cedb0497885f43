"""The training material the browser tests of training meet, laid on the demo herbarium of a
stack of their own (run in the server's environment: `manage.py shell -c`).

It starts from a clean slate (steps and guide entries removed, known answers out of use), so
the tests hold whatever the demo data ships. The project's first open image becomes a practice
image, the second a known-answer image; the others stay real.
"""

from __future__ import annotations

import json

from django.db import transaction

from crowd.models import User
from tasks.models import (
    GuideEntry,
    KnownAnswer,
    KnownAnswerSource,
    KnownAnswerUse,
    Project,
    TaskState,
    TutorialStep,
)
from tasks.services.known_answers import known_answer_save
from tasks.services.training import (
    guide_entry_save,
    guide_example_save,
    picture_from,
    tutorial_step_save,
)

SLUG = "demo-herbarium"

STEPS = [
    {
        "title_fr": "Bienvenue dans l'herbier",
        "title_en": "Welcome to the herbarium",
        "body_fr": "Chaque planche porte une étiquette.\n\nRecopiez-la telle qu'elle est écrite.",
        "body_en": "Each sheet carries a label.\n\nCopy it as it is written.",
        "highlight": "viewer",
        "picture": (0.5, 0.6, 0.5, 0.4),
    },
    {
        "title_fr": "Le nom scientifique",
        "title_en": "The scientific name",
        "body_fr": "Avec l'auteur, s'il figure.",
        "body_en": "With its author, when given.",
        "highlight": "field:scientificName",
    },
    {
        "title_fr": "Le guide des champs",
        "title_en": "The field guide",
        "body_fr": "Il montre comment lire chaque champ.",
        "body_en": "It shows how to read each field.",
        "highlight": "guide",
    },
]

GUIDE = {
    "eventDate": {
        "body_fr": "Les étiquettes écrivent les mois en toutes lettres ou en chiffres romains.",
        "body_en": "Labels write months in words or in Roman numerals.",
        "examples": [
            {"value": "12.VI.1898", "note_fr": "VI : juin", "note_en": "VI: June"},
            {"value": "3 août 1902", "note_fr": "Tel quel", "note_en": "As written"},
        ],
    },
    "recordedBy": {
        "body_fr": "Le collecteur suit souvent « leg. ».",
        "body_en": "The collector often follows “leg.”.",
        "examples": [
            {"value": "J. Dupont", "note_fr": "Initiale gardée", "note_en": "Initial kept"}
        ],
    },
}

PRACTICE_VALUES = {"scientificName": "Digitalis purpurea L.", "eventDate": "1898-06-12"}
PRACTICE_NOTES = {
    "eventDate": {
        "fr": "La date est au dos de l'étiquette.",
        "en": "The date is on the back of the label.",
    }
}
KNOWN_VALUES = {"scientificName": "Quercus robur L.", "recordedBy": "J. Dupont"}
KNOWN_NOTES = {
    "recordedBy": {
        "fr": "« leg. » précède le collecteur.",
        "en": "“leg.” comes before the collector.",
    }
}


@transaction.atomic
def lay() -> dict[str, int]:
    project = Project.objects.get(slug=SLUG)
    lead = User.objects.get(username="lead")
    TutorialStep.objects.filter(project=project).delete()
    GuideEntry.objects.filter(project=project).delete()
    KnownAnswer.objects.filter(project=project).update(active=False)
    images = list(project.tasks.filter(state=TaskState.OPEN).order_by("pk")[:2])
    for spec in STEPS:
        crop = spec.get("picture")
        picture = picture_from(project=project, task=images[1], crop=crop) if crop else None
        tutorial_step_save(
            project=project,
            **{k: v for k, v in spec.items() if k != "picture"},
            picture=picture,
        )
    for key, entry in GUIDE.items():
        saved = guide_entry_save(
            project=project, field_key=key, body_fr=entry["body_fr"], body_en=entry["body_en"]
        )
        for example in entry["examples"]:
            guide_example_save(
                entry=saved,
                picture=picture_from(project=project, task=images[1], crop=(0.5, 0.6, 0.5, 0.4)),
                **example,
            )
    for task, use, values, notes in (
        (images[0], KnownAnswerUse.PRACTICE, PRACTICE_VALUES, PRACTICE_NOTES),
        (images[1], KnownAnswerUse.KNOWN, KNOWN_VALUES, KNOWN_NOTES),
    ):
        known_answer_save(
            project=project,
            task=task,
            use=use,
            source=KnownAnswerSource.EXPERT,
            values=values,
            markers={},
            notes=notes,
            actor=lead,
        )
    project.known_answer_feedback = True
    project.save(update_fields=["known_answer_feedback"])
    return {"practice": images[0].pk, "known": images[1].pk}


@transaction.atomic
def gate(*, min_level: int) -> None:
    """The demo bibliography: level 2 (two good practice or known-answer images) to transcribe
    its authors, and `min_level` to transcribe at all."""
    project = Project.objects.get(slug="demo-references")
    template = project.template
    template.fields = [
        {**field, "level": 2} if field["key"] == "authors" else field for field in template.fields
    ]
    template.save(update_fields=["fields"])
    project.levels = [{"answers": 2, "accuracy": 80}]
    project.min_level = min_level
    project.save(update_fields=["levels", "min_level"])


if __name__ == "__main__":
    print(json.dumps(lay()))
