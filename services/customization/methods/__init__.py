"""A customization method is one thing: what Bedrock calls it (``customizationType``), which base models offer
it, the data rules and hyperparameters it takes for each, how many passes over the data it bills, which metrics
files its jobs write, and the fields of its Bedrock request. The form, the API, the checks, the submission, the
simulation and the metrics ask the method; adding one means adding a module here, not branches in the code that
uses it.

- tuning.py: supervised fine-tuning and continued pre-training;
- rft.py: reinforcement fine-tuning (a grader, typed hyperparameters, rewards);
- distillation.py: distillation (a teacher answers the prompts, the student learns its answers)."""

from __future__ import annotations

from services.customization.methods.base import Method, MethodContext
from services.customization.methods.distillation import DISTILLATION
from services.customization.methods.rft import REINFORCEMENT_FINE_TUNING
from services.customization.methods.tuning import CONTINUED_PRE_TRAINING, FINE_TUNING

METHODS: dict[str, Method] = {
    m.key: m for m in (FINE_TUNING, CONTINUED_PRE_TRAINING, DISTILLATION, REINFORCEMENT_FINE_TUNING)
}

__all__ = [
    "CONTINUED_PRE_TRAINING",
    "DISTILLATION",
    "FINE_TUNING",
    "METHODS",
    "REINFORCEMENT_FINE_TUNING",
    "Method",
    "MethodContext",
    "method_for",
    "method_problem",
]


def method_for(key: str) -> Method | None:
    return METHODS.get(key)


def method_problem(key: str) -> str | None:
    """Why a customization type is refused, in the form's words (None: it is one Model Studio runs)."""
    if key in METHODS:
        return None
    offered = ", ".join(f"{m.key} ({m.label})" for m in METHODS.values())
    return f"Customization Type: Model Studio runs {offered}; not {key!r}."
