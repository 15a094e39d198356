"""A customization method is one thing: what Bedrock calls it (``customizationType``), which base
models offer it, the data rules and hyperparameters it takes for each, how many passes over the data
it bills, which metrics files its jobs write, and the extra fields of its Bedrock request. The form,
the API, the checks, the submission and the metrics ask the method; adding one (reinforcement
fine-tuning, distillation, continued pre-training) means adding a Method here, not branches in the
code that uses it.

Supervised fine-tuning and continued pre-training are the methods today; each method's data rules
per base model are families in services/data/families.toml marked with its key."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from services.datasets.families import family_for
from services.datasets.specs import Family, HyperParameter
from services.domain.models import Lifecycle, ModelRecord, ModelType, Provider


@dataclass(frozen=True)
class Method:
    key: str  # Bedrock's customizationType, and what a base model lists among its customizations
    label: str  # what people read
    summary: str  # one line: what it does and what data it takes
    source: str  # AWS's page for it
    metrics_files: Mapping[str, str] = field(default_factory=dict)  # kind -> file name under the job's output

    def offered_by(self, base: ModelRecord) -> bool:
        """A Bedrock base model that lists this method, and that Bedrock still sells throughput for."""
        return (
            base.model_type is ModelType.BASE
            and base.provider is Provider.BEDROCK
            and self.key in base.customizations
            and base.lifecycle is not Lifecycle.LEGACY
        )

    def family(self, base: ModelRecord | str) -> Family | None:
        """The data rules and hyperparameters of this method for a base model (None: no table for it)."""
        model_id = base if isinstance(base, str) else base.model_id
        return family_for(model_id.removeprefix("bedrock:"), self.key)

    def hyperparameters(self, family: Family) -> tuple[HyperParameter, ...]:
        return family.hyperparameters

    def epochs(self, hyperparameters: Mapping[str, str]) -> int:
        """The passes over the training data a request asks for, which training is billed by (1 when
        it trains by steps, or "auto")."""
        try:
            return max(1, int(float(hyperparameters.get("epochCount") or 1)))
        except ValueError:
            return 1

    def job_fields(self, hyperparameters: Mapping[str, str]) -> dict[str, Any]:
        """Fields of CreateModelCustomizationJob besides the common ones (none for fine-tuning)."""
        return {}


FINE_TUNING = Method(
    key="FINE_TUNING",
    label="Supervised fine-tuning",
    summary="Trains the base model on labelled examples: prompts with the answers you want.",
    source="https://docs.aws.amazon.com/bedrock/latest/userguide/custom-model-fine-tuning.html",
    metrics_files={"training": "step_wise_training_metrics.csv", "validation": "validation_metrics.csv"},
)

CONTINUED_PRE_TRAINING = Method(
    key="CONTINUED_PRE_TRAINING",
    label="Continued pre-training",
    summary='Teaches the base model your domain\'s language from unlabeled text: one {"input": text} per line.',
    source="https://docs.aws.amazon.com/bedrock/latest/userguide/dataset-prep-continued-pretraining.html",
    metrics_files=FINE_TUNING.metrics_files,  # the same output layout as fine-tuning
)

METHODS: dict[str, Method] = {m.key: m for m in (FINE_TUNING, CONTINUED_PRE_TRAINING)}


def method_for(key: str) -> Method | None:
    return METHODS.get(key)


def method_problem(key: str) -> str | None:
    """Why a customization type is refused, in the form's words (None: it is one Model Studio runs)."""
    if key in METHODS:
        return None
    offered = ", ".join(f"{m.key} ({m.label})" for m in METHODS.values())
    return f"Customization Type: Model Studio runs {offered}; not {key!r}."
