"""Scoring an answer against a reference, comparing two models' scores, and the judge's protocol.

- exact match and token F1 after SQuAD's normalisation (lower case, no punctuation, no articles,
  single spaces): https://rajpurkar.github.io/SQuAD-explorer/ ;
- ROUGE-L (F-measure of the longest common subsequence, Porter stemming) by Google's rouge-score;
- the 95% confidence interval of the mean paired difference by bootstrap (scipy.stats.bootstrap);
- the judge: a model asked which of two answers is better given the reference, once in each order
  (the first order chosen at random per record): a model is better only when both orders say so,
  anything else is a tie, so a judge's preference for a position cannot decide a record.

Pure functions on text: the local simulation's judge (services/adapters/local_inference.py) uses them.
"""

from __future__ import annotations

import math
import re
import string
from collections import Counter
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any, Literal

METRICS: dict[str, str] = {"exact_match": "Exact match", "token_f1": "Token F1", "rouge_l": "ROUGE-L"}
_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCTUATION = str.maketrans("", "", string.punctuation)


def normalize(text: str) -> str:
    return " ".join(_ARTICLES.sub(" ", text.lower().translate(_PUNCTUATION)).split())


def exact_match(prediction: str, reference: str) -> float:
    return float(normalize(prediction) == normalize(reference))


def token_f1(prediction: str, reference: str) -> float:
    predicted, expected = normalize(prediction).split(), normalize(reference).split()
    if not predicted or not expected:
        return float(predicted == expected)
    common = sum((Counter(predicted) & Counter(expected)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(predicted), common / len(expected)
    return 2 * precision * recall / (precision + recall)


@cache
def _rouge() -> Any:
    from rouge_score import rouge_scorer

    return rouge_scorer.RougeScorer(["rougeL"], use_stemmer=True)


def rouge_l(prediction: str, reference: str) -> float:
    return float(_rouge().score(reference, prediction)["rougeL"].fmeasure)


SCORERS: dict[str, Callable[[str, str], float]] = {
    "exact_match": exact_match,
    "token_f1": token_f1,
    "rouge_l": rouge_l,
}


def paired_difference(
    custom: Sequence[float], base: Sequence[float], seed: int = 0, resamples: int = 2000
) -> tuple[float, float, float] | None:
    """The mean of (custom - base) over records and its 95% bootstrap interval; None with no records."""
    if len(custom) != len(base):
        raise ValueError("paired scores need the same records")
    differences = [c - b for c, b in zip(custom, base, strict=True)]
    if not differences:
        return None
    mean = math.fsum(differences) / len(differences)
    if len(differences) < 2 or max(differences) == min(differences):
        return mean, mean, mean  # no spread to resample
    import numpy as np
    from scipy.stats import bootstrap

    result = bootstrap(
        (np.asarray(differences),),
        np.mean,
        confidence_level=0.95,
        n_resamples=resamples,
        method="percentile",
        rng=np.random.default_rng(seed),
    )
    interval = result.confidence_interval
    return mean, float(interval.low), float(interval.high)


# ---- the judge ---------------------------------------------------------------------------------------
JUDGE_SYSTEM = (
    "You are an impartial judge of answers. Given a question, a reference answer and two candidate "
    "answers A and B, decide which candidate answers the question better, using the reference as the "
    "truth. Reply with exactly one word: A, B or TIE."
)
_SECTIONS = ("Question", "Reference answer", "Answer A", "Answer B")
_VERDICT = re.compile(r"\b(A|B|TIE)\b")
Choice = Literal["A", "B", "TIE"]
Verdict = Literal["win", "tie", "loss"]


def judge_prompt(question: str, reference: str, answer_a: str, answer_b: str) -> str:
    parts = zip(_SECTIONS, (question, reference, answer_a, answer_b), strict=True)
    return "\n\n".join(f"[{name}]\n{text}" for name, text in parts) + "\n\nWhich is better: A, B or TIE?"


def parse_judge_prompt(text: str) -> tuple[str, str, str, str] | None:
    """The four parts of a prompt judge_prompt wrote (for the simulated judge); None for any other text."""
    found = re.fullmatch(
        r"\[Question\]\n(.*)\n\n\[Reference answer\]\n(.*)\n\n\[Answer A\]\n(.*)\n\n\[Answer B\]\n(.*)"
        r"\n\nWhich is better: A, B or TIE\?",
        text,
        re.DOTALL,
    )
    return (found.group(1), found.group(2), found.group(3), found.group(4)) if found else None


def parse_choice(reply: str) -> Choice | None:
    """The judge's word: the first A, B or TIE it says (None when it says none)."""
    found = _VERDICT.search(reply.strip().upper())
    return found.group(1) if found else None  # type: ignore[return-value]


def verdict(custom_first: Choice | None, custom_second: Choice | None) -> tuple[Verdict, str]:
    """The custom model's verdict from the judge's two answers: asked with the custom model's answer
    as A (``custom_first``), and with it as B (``custom_second``)."""

    def side(choice: Choice | None, custom_is: str) -> str:
        if choice is None:
            return "no verdict"
        if choice == "TIE":
            return "tie"
        return "custom" if choice == custom_is else "base"

    first, second = side(custom_first, "A"), side(custom_second, "B")
    note = f"custom as A: {first}; custom as B: {second}"
    if first == second == "custom":
        return "win", note
    if first == second == "base":
        return "loss", note
    return "tie", note
