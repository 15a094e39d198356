"""The metrics, the paired confidence interval and the judge's handling of order."""

from __future__ import annotations

import random

import pytest

from services.evaluation.metrics import (
    exact_match,
    judge_prompt,
    normalize,
    paired_difference,
    parse_choice,
    parse_judge_prompt,
    rouge_l,
    token_f1,
    verdict,
)


def test_normalisation_and_exact_match_follow_squad() -> None:
    assert normalize("The  Cat, sat!") == "cat sat"
    assert exact_match("The answer is 42.", "answer is 42") == 1.0
    assert exact_match("42", "43") == 0.0


@pytest.mark.parametrize(
    ("prediction", "reference", "f1"),
    [
        ("cat sat", "cat sat", 1.0),
        ("the cat sat down", "cat sat", 2 * (2 / 3) * 1 / (2 / 3 + 1)),  # precision 2/3, recall 1
        ("dog", "cat", 0.0),
        ("", "", 1.0),
        ("", "cat", 0.0),
        ("cat cat", "cat", 2 * 0.5 * 1 / 1.5),  # repeated tokens count once each side
    ],
)
def test_token_f1(prediction: str, reference: str, f1: float) -> None:
    assert token_f1(prediction, reference) == pytest.approx(f1)


def test_rouge_l_is_the_libraries_lcs_f_measure() -> None:
    assert rouge_l("Item 17 has code C17.", "Item 17 has code C17.") == 1.0
    assert rouge_l("completely different words", "Item 17 has code C17.") == 0.0
    # LCS "cat sat on mat" = 4 of 6 words each side: P = R = F = 2/3
    assert rouge_l("a cat sat on a mat", "the cat sat on the mat") == pytest.approx(2 / 3)
    assert rouge_l("running dogs", "run dog") == 1.0  # Porter stemming


def test_the_interval_holds_the_mean_difference_and_narrows_with_more_records() -> None:
    rng = random.Random(1)
    small_c = [rng.random() * 0.3 + 0.5 for _ in range(20)]
    small_b = [rng.random() * 0.3 + 0.3 for _ in range(20)]
    mean, low, high = paired_difference(small_c, small_b, seed=3)
    assert low < mean < high and low > 0.0  # +0.2 on average: the interval excludes zero
    big_c = small_c * 10
    big_b = small_b * 10
    _, big_low, big_high = paired_difference(big_c, big_b, seed=3)
    assert big_high - big_low < (high - low) / 2
    assert paired_difference(small_c, small_b, seed=3) == (mean, low, high)  # seeded: reproducible


def test_no_difference_gives_an_interval_around_zero_and_edge_cases_are_defined() -> None:
    rng = random.Random(2)
    same = [rng.random() for _ in range(200)]
    shuffled = same[:]
    rng.shuffle(shuffled)
    mean, low, high = paired_difference(same, shuffled, seed=1)
    assert low < 0 < high and mean == pytest.approx(0, abs=1e-9)
    assert paired_difference([], []) is None
    assert paired_difference([1.0], [0.0]) == (1.0, 1.0, 1.0)
    assert paired_difference([1.0, 1.0], [0.0, 0.0]) == (1.0, 1.0, 1.0)
    with pytest.raises(ValueError):
        paired_difference([1.0], [])


def test_the_judge_prompt_round_trips_and_its_word_is_read() -> None:
    prompt = judge_prompt("What is 2+2?", "4", "It is 4.\n\nSure.", "5")
    assert parse_judge_prompt(prompt) == ("What is 2+2?", "4", "It is 4.\n\nSure.", "5")
    assert parse_judge_prompt("Hello") is None
    assert parse_choice("A") == "A" and parse_choice(" b.") == "B" and parse_choice("Tie") == "TIE"
    assert parse_choice("Answer B is better") == "B"
    assert parse_choice("I cannot decide") is None


@pytest.mark.parametrize(
    ("as_a", "as_b", "expected"),
    [
        ("A", "B", "win"),  # the custom answer chosen in both positions
        ("B", "A", "loss"),  # the base answer chosen in both positions
        ("A", "A", "tie"),  # the judge prefers position A whatever it holds: a position bias, not a verdict
        ("B", "B", "tie"),
        ("TIE", "B", "tie"),
        ("A", None, "tie"),  # no verdict in one order
        ("TIE", "TIE", "tie"),
    ],
)
def test_a_model_wins_only_when_both_orders_agree(as_a, as_b, expected) -> None:
    judged, note = verdict(as_a, as_b)
    assert judged == expected and "custom as A" in note and "custom as B" in note
