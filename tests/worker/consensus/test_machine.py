"""The machine reading as a voter: it backs the one answer it finds printed, abstains
otherwise, never counts as a transcription nor proves a value alone, and stays out of fields
whose answers took its words."""

from __future__ import annotations

from worker.consensus import Policy, Submission, reconcile_task
from worker.consensus.machine import MACHINE, machine_finds, machine_submission
from worker.template import FieldSpec

FIELDS = [
    FieldSpec(key="locality", label={"en": "Locality"}, type="text"),
    FieldSpec(key="recordedBy", label={"en": "Collector"}, type="text"),
]
TEXT = "HERBIER DE MONTPELLIER\nEnvirons de Saint-Guilhem-le-Désert\nLeg. J. Dupont  n° 12"
POLICY = Policy(min_transcriptions=2, max_transcriptions=3)


def people(*answers, trusted=True):
    return [
        Submission(user=f"u{n}", values=values, trusted=trusted)
        for n, values in enumerate(answers, start=1)
    ]


def test_it_finds_an_answer_printed_with_other_accents_and_punctuation():
    lines = ["herbier de montpellier", "environs de saint guilhem le desert"]
    assert machine_finds("Chemin de Saint-Guilhem", lines) is False
    assert machine_finds("environs de Saint Guilhem-le-Désert", lines) is True
    assert machine_finds("Montpelier", lines) is True  # one letter apart
    assert machine_finds("Lyon", lines) is False


def test_the_machine_breaks_a_tie_between_two_people_for_the_printed_answer():
    two = people(
        {"locality": "Environs de Saint-Guilhem-le-Désert", "recordedBy": "J. Dupont"},
        {"locality": "Environs de Saint-Guilhem-le-Dessert", "recordedBy": "J. Dupont"},
    )
    without = reconcile_task(FIELDS, two, POLICY)
    assert without.fields["locality"].status == "needs_more"
    machine = machine_submission(FIELDS, two, TEXT)
    assert machine is not None
    assert machine.values == {
        "locality": "Environs de Saint-Guilhem-le-Désert",
        "recordedBy": "J. Dupont",
    }
    outcome = reconcile_task(FIELDS, [*two, machine], POLICY)
    assert outcome.decision == "complete"
    locality = outcome.fields["locality"]
    assert locality.value == "Environs de Saint-Guilhem-le-Désert"
    assert MACHINE in locality.agreeing
    # Two people answered, whatever the machine did.
    assert locality.n == 2


def test_the_machine_is_no_transcription_and_one_person_with_it_is_not_enough():
    (one,) = people({"locality": "Environs de Saint-Guilhem-le-Désert", "recordedBy": "J. Dupont"})
    machine = machine_submission(FIELDS, [one], TEXT)
    assert machine is not None
    outcome = reconcile_task(FIELDS, [one, machine], POLICY)
    assert outcome.decision == "needs_more"
    assert outcome.fields["locality"].n == 1


def test_the_machine_and_unproven_people_alone_settle_nothing():
    two = people(
        {"locality": "Environs de Saint-Guilhem-le-Désert", "recordedBy": "J. Dupont"},
        {"locality": "Lyon", "recordedBy": "Lyon"},
        trusted=False,
    )
    machine = machine_submission(FIELDS, two, TEXT)
    assert machine is not None
    outcome = reconcile_task(FIELDS, [*two, machine], POLICY)
    assert outcome.fields["locality"].status != "agreed"


def test_the_machine_abstains_when_two_different_answers_are_both_printed():
    two = people({"locality": "Montpellier"}, {"locality": "J. Dupont"})
    assert machine_submission(FIELDS, two, TEXT) is None


def test_the_machine_abstains_in_handwriting_it_could_not_read():
    two = people({"locality": "Ganges"}, {"locality": "Gange"})
    assert machine_submission(FIELDS, two, "4rf ;; ~~ Gmq") is None


def test_the_machine_stays_out_of_a_field_whose_answers_took_its_words():
    two = people(
        {"locality": "Environs de Saint-Guilhem-le-Désert", "recordedBy": "J. Dupont"},
        {"locality": "Environs de Saint-Guilhem-le-Dessert", "recordedBy": "J. Dupond"},
    )
    machine = machine_submission(FIELDS, two, TEXT, taken={"locality"})
    assert machine is not None
    assert "locality" not in machine.values
    assert machine.values == {"recordedBy": "J. Dupont"}


def test_the_machine_weighs_what_it_learnt_for_the_field_type():
    two = people(
        {"locality": "Environs de Saint-Guilhem-le-Désert"},
        {"locality": "Environs de Saint-Guilhem-le-Dessert"},
    )
    machine = machine_submission(FIELDS, two, TEXT, weights={"text": 0.05})
    assert machine is not None
    outcome = reconcile_task(FIELDS, [*two, machine], POLICY)
    # A machine that was mostly wrong no longer breaks ties.
    assert outcome.fields["locality"].status == "needs_more"
