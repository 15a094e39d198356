"""Reinforcement fine-tuning (``REINFORCEMENT_FINE_TUNING``): prompts with a reference answer, a grader that
scores the model's sampled answers, and typed hyperparameters, all in Bedrock's ``rftConfig``.

ListFoundationModels cannot say which base models offer it (its ModelCustomization enum has no such value), so
the families in services/data/families.toml marked with this method say it, with their source. The grader is
read by services/domain/graders.py: a Lambda ARN (AWS), or a built-in or loopback URL grader (the local
simulation). The rewards a job writes are charted like the loss, and a reward goes up.
https://docs.aws.amazon.com/bedrock/latest/userguide/reinforcement-fine-tuning.html"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from services.customization.methods.base import Method, MethodContext, _keys
from services.datasets.specs import Family
from services.domain.graders import grader_of, parse_grader

REWARD_COLUMNS = ("critic/rewards/mean", "critic/rewards/min", "critic/rewards/max")  # rft-submit-job.html


@dataclass(frozen=True)
class ReinforcementFineTuning(Method):
    def configure(
        self,
        options: Mapping[str, Any] | None,
        hyperparameters: Mapping[str, str],
        family: Family | None,
        context: MethodContext,
    ) -> tuple[dict[str, Any] | None, list[str]]:
        options = options or {}
        unknown = [k for k in options if k != "Grader"]
        if unknown:
            return None, [
                f"Customization Config: {self.label.lower()} takes Grader only; it was given "
                f"{_keys(dict.fromkeys(unknown))}."
            ]
        grader, problems = parse_grader(options.get("Grader"), simulated=context.simulated)
        if grader is None:
            return None, problems
        typed: dict[str, Any] = {}
        for hp in family.hyperparameters if family else ():
            value = hyperparameters.get(hp.name)
            if value:
                typed[hp.name] = hp.typed(value)
        config: dict[str, Any] = {"rftConfig": {"graderConfig": grader.bedrock()}}
        if typed:
            config["rftConfig"]["hyperParameters"] = typed
        return config, []

    def job_hyperparameters(self, hyperparameters: Mapping[str, str]) -> dict[str, str]:
        return {}  # RFT's hyperparameters are typed, in rftConfig

    def options_of(self, config: Mapping[str, Any] | None) -> dict[str, Any] | None:
        grader = grader_of(config)
        return {"Grader": grader.api()} if grader else None

    def described(self, config: Mapping[str, Any] | None) -> dict[str, str]:
        grader = grader_of(config)
        return {"Grader": grader.label if grader else "not recorded"}

    def epochs(self, hyperparameters: Mapping[str, str]) -> int:
        return 1  # billed by the hour, not by tokens × epochs (prices-2026.md)


REINFORCEMENT_FINE_TUNING = ReinforcementFineTuning(
    key="REINFORCEMENT_FINE_TUNING",
    label="Reinforcement fine-tuning",
    summary=(
        "Trains the base model on prompts with a reference answer: a grader scores the model's own answers and "
        "training raises the reward."
    ),
    source="https://docs.aws.amazon.com/bedrock/latest/userguide/reinforcement-fine-tuning.html",
    metrics_files={"training": "step_wise_training_metrics.csv", "validation": "validation_metrics.csv"},
    listed=False,
    billing="hours",  # prices-2026.md: usage type USE1-Nova2.0Lite-RFT-Training-Hours
)
