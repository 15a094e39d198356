"""What every customization method is: its Bedrock name, which base models offer it, its data rules and
hyperparameters per base model (families in services/data/families.toml marked with its key), how many passes
over the data it bills, which metrics files its jobs write, and its own request fields (the API's
CustomizationConfig) as Bedrock's customizationConfig. A method with more to say subclasses Method in its
own module of this package."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from services.datasets.families import family_for
from services.datasets.specs import Family, HyperParameter
from services.domain.models import Lifecycle, ModelRecord, ModelType, Provider


@dataclass(frozen=True)
class MethodContext:
    """What a method may ask while it reads a request's own fields: the mode (the local simulation or
    AWS), the catalog (a teacher model must be one that may be used) and the base model."""

    simulated: bool
    model: Callable[[str], ModelRecord | None] = lambda model_id: None
    base: ModelRecord | None = None  # the base model being customized (a distillation's student)


@dataclass(frozen=True)
class Method:
    key: str  # Bedrock's customizationType, and what a base model lists among its customizations
    label: str  # what people read
    summary: str  # one line: what it does and what data it takes
    source: str  # AWS's page for it
    metrics_files: Mapping[str, str] = field(default_factory=dict)  # kind -> file name under the job's output
    listed: bool = True  # ListFoundationModels says which base models offer it (else: its families say)
    billing: str = "tokens"  # how AWS bills its training: the data's tokens × epochs, or "hours" of training
    takes_logs: bool = False  # Bedrock's invocation logs may be its data instead of a file (distillation)

    def offered_by(self, base: ModelRecord) -> bool:
        """A Bedrock base model that offers this method (as ListFoundationModels lists it, or, for a method
        that API cannot list, as its data table says), and that Bedrock still sells throughput for."""
        return (
            base.model_type is ModelType.BASE
            and base.provider is Provider.BEDROCK
            and self.sold_for(base)
            and base.lifecycle is not Lifecycle.LEGACY
        )

    def sold_for(self, base: ModelRecord) -> bool:
        """Bedrock sells this method for ``base``: ListFoundationModels lists it, or, for a method that API
        cannot list, its data table says so."""
        return self.key in base.customizations if self.listed else self.family(base) is not None

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

    def configure(
        self,
        options: Mapping[str, Any] | None,
        hyperparameters: Mapping[str, str],
        family: Family | None,
        context: MethodContext,
    ) -> tuple[dict[str, Any] | None, list[str]]:
        """The request's own fields (the API's CustomizationConfig) as Bedrock's customizationConfig, or
        every problem with them in the form's words. Fine-tuning and continued pre-training take none."""
        if options:
            return None, [f"Customization Config: {self.label.lower()} takes none; it was given {_keys(options)}."]
        return None, []

    def job_hyperparameters(self, hyperparameters: Mapping[str, str]) -> dict[str, str]:
        """CreateModelCustomizationJob's hyperParameters map (a method with typed ones sends them in its config)."""
        return dict(hyperparameters)

    def options_of(self, config: Mapping[str, Any] | None) -> dict[str, Any] | None:
        """Bedrock's customizationConfig as the API says it (CustomizationConfig); None when there is none."""
        return None

    def described(self, config: Mapping[str, Any] | None) -> dict[str, str]:
        """A model's method settings in a person's words, for its page (field -> value)."""
        return {}

    def models_called(self, options: Mapping[str, Any] | None) -> dict[str, str]:
        """The foundation models a job calls besides its base (a distillation's teacher): field -> model id."""
        return {}

    def estimate_terms(self, options: Mapping[str, Any] | None, records: int) -> dict[str, Any]:
        """What the method adds to a cost estimate of ``records`` training records (EstimateInput's fields)."""
        return {}


def _keys(options: Mapping[str, Any]) -> str:
    return ", ".join(sorted(str(k)[:40] for k in options)[:10])
