"""The demo projects' training: a tutorial, a field guide and training images with known answers.

Everything goes through the services a lead's pages use (pictures cropped from the project's
own images, known answers from an expert's CSV), and only what is missing is added: a tutorial
or a guide entry a lead already wrote is left as it is.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from django.db import transaction

from crowd.models import User
from tasks.models import (
    GuideEntry,
    KnownAnswer,
    KnownAnswerUse,
    Project,
    Task,
    TaskState,
    TutorialStep,
)
from tasks.services.known_answer_import import known_answers_import
from tasks.services.training import (
    Crop,
    guide_entry_save,
    guide_example_save,
    picture_from,
    tutorial_step_save,
)
from worker.demo import DemoItem

PRACTICE_IMAGES = 4
KNOWN_IMAGES = 6
TRAINING_PREFIX = "training-"

# Where things are on the generated images, as fractions (left, top, width, height). A sheet's
# label sits in its lower right corner, the collector and date on its last line; a card has its
# heading on top, the description under it, the kind stamped in the lower left.
SHEET_LABEL: Crop = (0.44, 0.72, 0.56, 0.28)
SHEET_LAST_LINE: Crop = (0.44, 0.91, 0.56, 0.08)
CARD_HEADING: Crop = (0.0, 0.08, 0.75, 0.09)
CARD_BODY: Crop = (0.05, 0.16, 0.9, 0.3)
CARD_STAMP: Crop = (0.03, 0.78, 0.3, 0.2)


@dataclass(frozen=True)
class Step:
    title_fr: str
    title_en: str
    body_fr: str
    body_en: str
    highlight: str = ""
    crop: Crop | None = None  # of the project's first image


@dataclass(frozen=True)
class Entry:
    body_fr: str
    body_en: str
    crop: Crop | None = None  # an example cut from an image whose value is known
    note_fr: str = ""
    note_en: str = ""


HERBARIUM_TUTORIAL = (
    Step(
        "Bienvenue dans l'herbier",
        "Welcome to the herbarium",
        "Chaque planche porte une plante séchée et une étiquette. Vous recopiez l'étiquette, "
        "champ par champ ; d'autres bénévoles lisent la même planche sans voir vos réponses.",
        "Each sheet holds a dried plant and a label. You copy the label, field by field; other "
        "volunteers read the same sheet without seeing your answers.",
        "viewer",
    ),
    Step(
        "Trouvez l'étiquette",
        "Find the label",
        "L'étiquette est presque toujours en bas à droite. Zoomez dessus avec les boutons ou la "
        "molette : les petits caractères se lisent bien mieux de près.",
        "The label is nearly always in the lower right corner. Zoom in with the buttons or the "
        "mouse wheel: small print reads much better up close.",
        "zoom",
        SHEET_LABEL,
    ),
    Step(
        "Le nom avec son auteur",
        "The name with its author",
        "Recopiez le nom scientifique en entier, avec l'auteur qui le suit (« L. », « DC. »). "
        "L'italique ne compte pas.",
        'Copy the scientific name in full, with the author after it ("L.", "DC."). Italics '
        "do not matter.",
        "field:scientificName",
        SHEET_LABEL,
    ),
    Step(
        "La date comme elle est écrite",
        "The date as it is written",
        "Saisissez la date telle que l'étiquette l'écrit : « 12 juin 1898 », « 12.VI.1898 » "
        "ou « VI.1898 ». N'inventez pas le jour quand seul le mois est écrit.",
        'Type the date as the label writes it: "12 juin 1898", "12.VI.1898" or '
        '"VI.1898". Do not make up a day when only the month is written.',
        "field:eventDate",
        SHEET_LAST_LINE,
    ),
    Step(
        "Illisible ou absent",
        "Illegible or absent",
        "Si un champ manque sur l'étiquette, laissez-le vide ou marquez-le absent ; si vous ne "
        "pouvez pas le lire, marquez-le illisible. Le guide des champs montre des exemples.",
        "If a field is not on the label, leave it blank or mark it absent; if you cannot read "
        "it, mark it illegible. The field guide shows examples.",
        "markers",
    ),
)

REFERENCES_TUTORIAL = (
    Step(
        "Bienvenue dans le fichier",
        "Welcome to the card index",
        "Chaque fiche décrit un article, un livre, un chapitre, une thèse ou une page web sur "
        "le jazz. Vous la saisissez champ par champ pour une bibliographie ouverte.",
        "Each card describes an article, a book, a chapter, a thesis or a web page about jazz. "
        "You enter it field by field into an open bibliography.",
        "viewer",
    ),
    Step(
        "Les auteurs en tête",
        "Authors on top",
        "La première ligne donne les auteurs, le nom en capitales puis le prénom. Écrivez « Nom, "
        "Prénom », et séparez plusieurs auteurs par un point-virgule.",
        "The first line gives the authors, surname in capitals then first name. Write "
        '"Surname, First name", and separate several authors with a semicolon.',
        "field:authors",
        CARD_HEADING,
    ),
    Step(
        "Titre, revue, volume, pages",
        "Title, journal, volume, pages",
        "Sous le titre, « In : » annonce la revue ou le livre qui contient le texte. Zoomez pour "
        "distinguer « n° 112 » (le volume) de « p. 12-18 » (les pages).",
        'Under the title, "In :" introduces the journal or book holding the text. Zoom in to '
        'tell "n° 112" (the volume) from "p. 12-18" (the pages).',
        "zoom",
        CARD_BODY,
    ),
    Step(
        "Le type de document",
        "The kind of document",
        "Le tampon en bas à gauche dit le type : ARTICLE, OUVRAGE, CHAPITRE, THÈSE ou SITE WEB.",
        "The stamp in the lower left says the kind: ARTICLE, OUVRAGE (book), CHAPITRE "
        "(chapter), THÈSE (thesis) or SITE WEB (web page).",
        "field:type",
        CARD_STAMP,
    ),
    Step(
        "Envoyer",
        "Submit",
        "Vérifiez, puis envoyez : l'image suivante arrive aussitôt. Une fiche douteuse peut être "
        "passée.",
        "Check, then submit: the next image comes at once. A doubtful card may be skipped.",
        "submit",
    ),
)

HERBARIUM_GUIDE: dict[str, Entry] = {
    "scientificName": Entry(
        "Le nom latin en entier, genre et espèce, suivi de l'auteur comme il est imprimé "
        "(« L. » pour Linné, « DC. » pour de Candolle, « Lam. »). Gardez « subsp. » et « var. ». "
        "Sans l'italique.",
        'The full Latin name, genus and species, followed by the author as printed ("L." for '
        'Linnaeus, "DC." for de Candolle, "Lam."). Keep "subsp." and "var.". No italics.',
        SHEET_LABEL,
        "Le nom et son auteur, sur la ligne en italique de l'étiquette.",
        "The name and its author, on the label's italic line.",
    ),
    "recordedBy": Entry(
        "Le collecteur, après « Leg. », « Coll. » ou « Récolté par ». Recopiez initiales et nom "
        "comme ils sont écrits (« J.-M. Dufresne ») ; « Abbé » et « Frère » font partie du nom.",
        'The collector, after "Leg.", "Coll." or "Récolté par". Copy initials and surname '
        'as written ("J.-M. Dufresne"); "Abbé" and "Frère" are part of the name.',
        SHEET_LAST_LINE,
        "Sans « Leg. » ni le numéro qui suit.",
        'Without "Leg." nor the number after it.',
    ),
    "recordNumber": Entry(
        "Le numéro du collecteur, après « n° » sur la dernière ligne, sans le « n° ». Ce n'est "
        "pas le code-barres de l'herbier (en haut à droite).",
        'The collector\'s number, after "n°" on the last line, without the "n°". It is not '
        "the herbarium's barcode (top right).",
        SHEET_LAST_LINE,
    ),
    "eventDate": Entry(
        "La date telle que l'étiquette l'écrit : « 12 juin 1898 », « 12.VI.1898 » (mois en "
        "chiffres romains), « 12/06/1898 », « VI.1898 » ou « 1898 ». Les vieilles étiquettes "
        "abrègent : « 7bre » septembre, « 8bre » octobre, « 9bre » novembre, « Xbre » décembre. "
        "Le jour est avant le mois. N'ajoutez pas un jour qui n'est pas écrit.",
        'The date as the label writes it: "12 juin 1898", "12.VI.1898" (month in Roman '
        'numerals), "12/06/1898", "VI.1898" or "1898". Old labels abbreviate: "7bre" '
        'September, "8bre" October, "9bre" November, "Xbre" December. The day comes before '
        "the month. Do not add a day that is not written.",
        SHEET_LAST_LINE,
        "À droite de la dernière ligne ; un mois sans jour reste un mois.",
        "On the right of the last line; a month without a day stays a month.",
    ),
    "country": Entry(
        "Le pays, même s'il n'est pas écrit : une étiquette « Flore de France » ou un "
        "département français, c'est la France. Choisissez-le dans la liste.",
        'The country, also when it is not written: a "Flore de France" label or a French '
        "département means France. Pick it from the list.",
        SHEET_LABEL,
    ),
    "stateProvince": Entry(
        "Le département, pour les récoltes en France (« FRANCE — Aveyron », « dép. Aveyron »). "
        "Laissez vide hors de France.",
        'The département, for collections in France ("FRANCE — Aveyron", "dép. Aveyron"). '
        "Leave it blank outside France.",
        SHEET_LABEL,
    ),
    "locality": Entry(
        "Le lieu de récolte tel qu'il est écrit, abréviations comprises (« env. » environs, "
        "« pr. » près de, « St » Saint) : ne les développez pas.",
        'The place of collection as written, abbreviations included ("env." environs, '
        '"pr." près de, "St" Saint): do not expand them.',
        SHEET_LABEL,
    ),
    "habitat": Entry(
        "Le milieu, souvent après « Hab. : » (« Pelouses calcaires », « Bois humides »), sans "
        "le « Hab. : ».",
        'The habitat, often after "Hab. :" ("Pelouses calcaires", "Bois humides"), '
        'without the "Hab. :".',
        SHEET_LABEL,
    ),
    "minimumElevationInMeters": Entry(
        "L'altitude en mètres, le nombre seul : « Alt. 650 m » s'écrit 650. Une altitude en "
        "pieds (« 2000 ft ») se saisit avec son unité, la plateforme la convertit.",
        'The elevation in metres, the number alone: "Alt. 650 m" is written 650. An elevation '
        'in feet ("2000 ft") is typed with its unit; the platform converts it.',
        SHEET_LABEL,
    ),
    "coordinates": Entry(
        "Les coordonnées comme elles sont imprimées : en degrés-minutes-secondes "
        "(« 44°00'44\"N  2°52'35\"E »), ou en degrés décimaux (« N 44.0123  E 2.8765 », "
        "« Lat. 44.0123  Long. 2.8765 »). Gardez N/S et E/W ; la plateforme les convertit.",
        'The coordinates as printed: in degrees-minutes-seconds ("44°00\'44"N  2°52\'35"E"), '
        'or in decimal degrees ("N 44.0123  E 2.8765", "Lat. 44.0123  Long. 2.8765"). Keep '
        "N/S and E/W; the platform converts them.",
        SHEET_LABEL,
        "La valeur attendue est écrite en degrés décimaux ; saisir la forme imprimée suffit.",
        "The expected value is written in decimal degrees; typing the printed form is enough.",
    ),
    # Asked in the georeference step only, once the label is settled (no example to cut).
    "georeference": Entry(
        "Le point où la plante a été récoltée, d'après ce que l'étiquette a établi (localité, "
        "commune, département) : cherchez le lieu sur une carte et donnez sa latitude et sa "
        "longitude en degrés décimaux (« 45.1885, 5.7245 »). Un point hors du pays ou du "
        "département établis n'est jamais accepté sans un curateur.",
        "Where the plant was collected, from what its label settled (locality, commune, "
        "département): find the place on a map and give its latitude and longitude in decimal "
        'degrees ("45.1885, 5.7245"). A point outside the settled country or département is '
        "never accepted without a curator.",
    ),
}

REFERENCES_GUIDE: dict[str, Entry] = {
    "type": Entry(
        "Le type de document, d'après le tampon en bas à gauche de la fiche : ARTICLE, "
        "OUVRAGE (un livre), CHAPITRE, THÈSE ou SITE WEB. Choisissez-le dans la liste.",
        "The kind of document, from the stamp in the card's lower left: ARTICLE, OUVRAGE "
        "(a book), CHAPITRE (a chapter), THÈSE (a thesis) or SITE WEB (a web page). Pick it "
        "from the list.",
        CARD_STAMP,
    ),
    "title": Entry(
        "Le titre, deuxième ligne de la fiche, sans le point final ; les accents comptent.",
        "The title, the card's second line, without the final full stop; accents count.",
        CARD_BODY,
    ),
    "authors": Entry(
        "Les auteurs de la ligne du haut, « Nom, Prénom », séparés par « ; ». Le nom est tapé "
        "en capitales sur la fiche : écrivez-le en minuscules avec une capitale "
        "(« PERRIN, Geneviève » devient « Perrin, Geneviève »). « (Sans auteur) » : laissez vide.",
        'The authors on the top line, "Surname, First name", separated by ";". The surname '
        'is typed in capitals on the card: write it in lower case with a capital ("PERRIN, '
        'Geneviève" becomes "Perrin, Geneviève"). "(Sans auteur)": leave it blank.',
        CARD_HEADING,
        "Nom puis prénom, comme dans le fichier.",
        "Surname then first name, as in the card index.",
    ),
    "container": Entry(
        "La revue, le livre ou le site qui contient le texte, après « In : » (« Jazz Hot »).",
        'The journal, book or site holding the text, after "In :" ("Jazz Hot").',
        CARD_BODY,
    ),
    "year": Entry(
        "La date de parution telle qu'elle est tapée : « 1947 », « mars 1947 » ou « mis en "
        "ligne le 3 mars 2004 » (recopiez la date seule).",
        'The publication date as typed: "1947", "mars 1947" or "mis en ligne le 3 mars '
        '2004" (copy the date alone).',
        CARD_BODY,
    ),
    "volume": Entry(
        "Le numéro ou le volume de la revue, sans « n° », « no » ni « vol. » : « n° 112 » "
        "s'écrit 112.",
        'The journal\'s issue or volume, without "n°", "no" or "vol.": "n° 112" is written 112.',
        CARD_BODY,
    ),
    "pages": Entry(
        "Les pages, sans « p. » : une page seule (« 12 ») ou une plage avec un tiret (« 12-18 »).",
        'The pages, without "p.": one page ("12") or a range with a hyphen ("12-18").',
        CARD_BODY,
    ),
    "publisher": Entry(
        "L'éditeur d'un livre (« Paris : » n'en fait pas partie), ou l'université d'une thèse.",
        "A book's publisher (\"Paris :\" is not part of it), or a thesis' university.",
        CARD_BODY,
    ),
    "url": Entry(
        "L'adresse d'une page web, en entier avec « https:// », telle qu'elle est tapée.",
        'A web page\'s address, in full with "https://", as typed.',
    ),
}

# The expert's notes on the training images, for a few fields: why it reads so.
HERBARIUM_NOTES = {
    "scientificName": (
        "Le nom complet avec son auteur : {value}.",
        "The full name with its author: {value}.",
    ),
    "eventDate": (
        "L'étiquette donne {value} (année-mois-jour) : une date partielle reste partielle.",
        "The label gives {value} (year-month-day): a partial date stays partial.",
    ),
    "coordinates": (
        "En degrés décimaux {value} ; la forme imprimée, en degrés-minutes-secondes, est juste aussi.",
        "In decimal degrees {value}; the printed form, in degrees-minutes-seconds, is right too.",
    ),
}
REFERENCES_NOTES = {
    "authors": (
        "Nom, Prénom, séparés par « ; » : {value}.",
        'Surname, First name, separated by ";": {value}.',
    ),
    "pages": (
        "Sans « p. » : {value}.",
        'Without "p.": {value}.',
    ),
}

CONTENT = {
    "herbarium": (HERBARIUM_TUTORIAL, HERBARIUM_GUIDE, HERBARIUM_NOTES),
    "herbarium_georeference": (HERBARIUM_TUTORIAL, HERBARIUM_GUIDE, HERBARIUM_NOTES),
    "reference": (REFERENCES_TUTORIAL, REFERENCES_GUIDE, REFERENCES_NOTES),
}


@dataclass
class Added:
    steps: int = 0
    entries: int = 0
    examples: int = 0
    known_answers: int = 0


def demo_training_add(
    *, project: Project, preset: str, lead: User, truths: Mapping[str, dict[str, str]]
) -> Added:
    """The tutorial and field guide of a demo project where missing. `truths` are the true
    values of its data images by file name (the examples' expected values)."""
    tutorial, guide, _notes = CONTENT[preset]
    added = Added()
    with transaction.atomic():
        first = _first_image(project, truths)
        if not TutorialStep.objects.filter(project=project).exists():
            for step in tutorial:
                picture = None
                if step.crop is not None and first is not None:
                    picture = picture_from(project=project, task=first, crop=step.crop)
                tutorial_step_save(
                    project=project,
                    title_fr=step.title_fr,
                    title_en=step.title_en,
                    body_fr=step.body_fr,
                    body_en=step.body_en,
                    highlight=step.highlight,
                    picture=picture,
                )
                added.steps += 1
        written = set(
            GuideEntry.objects.filter(project=project).values_list("field_key", flat=True)
        )
        for key in project.template.field_keys():
            entry_text = guide.get(key)
            if entry_text is None or key in written:
                continue
            entry = guide_entry_save(
                project=project,
                field_key=key,
                body_fr=entry_text.body_fr,
                body_en=entry_text.body_en,
            )
            added.entries += 1
            example = _example_task(project, truths, key) if entry_text.crop else None
            if example is not None and entry_text.crop is not None:
                task, value = example
                guide_example_save(
                    entry=entry,
                    value=value,
                    note_fr=entry_text.note_fr,
                    note_en=entry_text.note_en,
                    picture=picture_from(project=project, task=task, crop=entry_text.crop),
                )
                added.examples += 1
    return added


def _first_image(project: Project, truths: Mapping[str, dict[str, str]]) -> Task | None:
    return (
        Task.objects.filter(project=project, original_name__in=list(truths))
        .exclude(state__in=(TaskState.PENDING, TaskState.WITHDRAWN, TaskState.REFERENCE))
        .order_by("original_name")
        .first()
    )


def _example_task(
    project: Project, truths: Mapping[str, dict[str, str]], key: str
) -> tuple[Task, str] | None:
    """The first data image whose `key` holds a value, with that value."""
    names = sorted(name for name, truth in truths.items() if truth.get(key))
    tasks = {
        task.original_name: task
        for task in Task.objects.filter(project=project, original_name__in=names).exclude(
            state__in=(TaskState.PENDING, TaskState.WITHDRAWN)
        )
    }
    for name in names:
        if name in tasks:
            return tasks[name], truths[name][key]
    return None


def training_items(items: Iterable[DemoItem]) -> Iterator[DemoItem]:
    """The training images under names of their own, so they never pass for data images."""
    for item in items:
        yield DemoItem(f"{TRAINING_PREFIX}{item.filename}", item.image, item.truth, item.metadata)


def demo_known_answers_count(*, project: Project) -> int:
    return KnownAnswer.objects.filter(
        project=project, task__original_name__startswith=TRAINING_PREFIX
    ).count()


def demo_known_answers_add(
    *, project: Project, preset: str, lead: User, truths: Mapping[str, dict[str, str]]
) -> int:
    """Make the training images (already ingested, `truths` by file name, in order) practice
    images (the first PRACTICE_IMAGES) and known answers (the rest), with the expert's notes
    on a few fields; images with a known answer already are left alone. Returns how many."""
    _tutorial, _guide, notes = CONTENT[preset]
    done = set(
        KnownAnswer.objects.filter(project=project).values_list("task__original_name", flat=True)
    )
    keys = project.template.field_keys()
    made = 0
    for use, names in (
        (KnownAnswerUse.PRACTICE, list(truths)[:PRACTICE_IMAGES]),
        (KnownAnswerUse.KNOWN, list(truths)[PRACTICE_IMAGES:]),
    ):
        rows = [name for name in names if name not in done]
        if not rows:
            continue
        out = io.StringIO()
        writer = csv.writer(out)
        note_keys = [key for key in notes if key in keys]
        writer.writerow(
            ["file", *keys, *(f"{key}.note_{lang}" for key in note_keys for lang in ("fr", "en"))]
        )
        for name in rows:
            truth = truths[name]
            row = [name, *(truth.get(key, "") for key in keys)]
            for key in note_keys:
                value = truth.get(key, "")
                french, english = notes[key]
                row += (
                    [french.format(value=value), english.format(value=value)] if value else ["", ""]
                )
            writer.writerow(row)
        report = known_answers_import(
            project=project, data=out.getvalue().encode(), use=use, actor=lead
        )
        made += report.created
    return made
