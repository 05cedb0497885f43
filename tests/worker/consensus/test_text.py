from worker.consensus import AGREED, NEEDS_MORE
from worker.consensus.text import read_text, same_reading, text_info

from .helpers import field


def test_unanimous_text_is_agreed_exactly():
    outcome = field("text", ["Rumex acetosa L."] * 3)
    assert (outcome.value, outcome.status, outcome.agreement) == ("Rumex acetosa L.", AGREED, 1.0)
    assert outcome.explanation == "3 of 3 agree exactly"


def test_one_persons_typo_never_survives_the_letter_vote():
    outcome = field(
        "text",
        ["Le style de Danil Humair", "Le style dc Daniel Humair", "Le style de Daniel Humalr"],
    )
    assert outcome.value == "Le style de Daniel Humair"
    assert outcome.method == "aligned"


def test_words_only_a_minority_typed_are_not_added():
    outcome = field("text", ["Geum urbanum L.", "Geum urbanum L.", "Geum urbanum L. var. alpinum"])
    assert outcome.value == "Geum urbanum L."


def test_words_a_majority_typed_are_kept_over_a_truncated_answer():
    outcome = field("text", ["Quercus ilex L.", "Quercus ilex", "Quercus ilex L."])
    assert outcome.value == "Quercus ilex L."


def test_a_truncated_majority_is_kept_but_sent_to_review():
    outcome = field("text", ["Spartium", "Spartium junceum L.", "Spartium"])
    assert outcome.value == "Spartium"
    assert outcome.status == NEEDS_MORE
    assert "longer reading" in outcome.explanation


def test_answers_whose_digits_differ_are_never_the_same_reading():
    assert not same_reading(text_info("coll. 1931"), text_info("coll. 1913"))
    outcome = field("text", ["coll. 1931", "coll. 1913"])
    assert outcome.support == 1
    assert outcome.status == NEEDS_MORE


def test_different_species_of_one_genus_do_not_cluster():
    assert not same_reading(text_info("Canis lupus"), text_info("Canis latrans"))


def test_saint_and_st_are_the_same_reading_and_the_form_most_typed_wins():
    assert text_info("St-Valery").key == text_info("Saint-Valery").key
    outcome = field("text", ["Saint-Valery", "St-Valery", "Saint-Valery"])
    assert outcome.value == "Saint-Valery"
    assert outcome.agreement == 1.0
    assert "case, accents and punctuation" in outcome.explanation


def test_initials_and_name_order_variants_cluster_and_the_majority_form_is_output():
    for variant in ("J.B. Verlot", "Verlot J.-B.", "Verlot"):
        assert same_reading(text_info("J.-B. Verlot"), text_info(variant))
    outcome = field("text", ["J.-B. Verlot", "Verlot J.-B.", "J.-B. Verlot", "J.B. Verlot"])
    assert outcome.value == "J.-B. Verlot"


def test_case_and_accent_variants_agree_but_the_output_keeps_the_majority_form():
    outcome = field("text", ["Saint-Étienne", "saint-etienne", "Saint-Étienne"])
    assert outcome.value == "Saint-Étienne"
    assert outcome.agreement == 1.0


def test_a_tie_on_the_exact_form_is_not_agreed():
    outcome = field("text", ["Saint-Étienne", "Saint Étienne"])
    assert outcome.status == NEEDS_MORE
    assert "no majority on the exact form" in outcome.explanation


def test_two_answers_differing_only_in_accents_and_case_agree_on_the_accented_form():
    outcome = field("text", ["saint-etienne", "Saint-Étienne"])
    assert (outcome.value, outcome.status) == ("Saint-Étienne", AGREED)
    assert outcome.explanation.startswith("2 of 2 agree once case and accents are ignored")
    assert {a.value for a in outcome.alternatives} == {"saint-etienne", "Saint-Étienne"}


def test_an_accent_only_one_person_typed_still_sets_the_form():
    outcome = field("text", ["pelouses seches", "pelouses sèches", "pelouses seches"])
    assert outcome.value == "pelouses sèches"


def test_an_answer_typed_all_in_capitals_never_sets_the_form():
    outcome = field("text", ["SERRA DA ESTRELA", "SERRA DA ESTRELA", "Serra da Estrela"])
    assert outcome.value == "Serra da Estrela"


def test_a_capital_at_the_start_only_is_left_to_the_majority():
    outcome = field("text", ["marais tourbeux", "Marais tourbeux", "marais tourbeux"])
    assert outcome.value == "marais tourbeux"


def test_text_is_normalised_to_nfc_with_collapsed_spaces():
    decomposed = "Ce\u0301vennes  du   Sud "
    assert read_text(decomposed).text == "Cévennes du Sud"


def test_a_heavier_contributor_wins_a_two_way_disagreement():
    outcome = field("text", ["Quercus ilex", "Fagus sylvatica"], weights=[0.3, 2.0])
    assert outcome.value == "Fagus sylvatica"
