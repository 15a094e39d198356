"""Distillation (``DISTILLATION``): a teacher model answers the prompts and the student (the base model) is
trained on its answers. The request names the teacher (a model id or an inference profile, botocore's
pattern) and, optionally, the longest answer it writes; both go in Bedrock's ``distillationConfig``.

The teacher must be one AWS pairs with the student (services/data/families.toml, [[teacher]], with sources) and,
as every model Model Studio calls, enabled (GREEN): its inference is paid for. The data are prompts with optional
golden answers (the student's family in families.toml), or Bedrock's invocation logs (services/customization/
invocation_logs.py). AWS bills the teacher's answers at its on-demand rate and the student's training at the
customization rate (prices-2026.md), so the estimate adds both.
https://docs.aws.amazon.com/bedrock/latest/userguide/model-distillation.html"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from services.catalog.service import to_view
from services.customization.methods.base import Method, MethodContext, _keys
from services.datasets.families import teacher_for
from services.datasets.specs import Family
from services.domain.models import Status
from services.domain.teachers import MAX_IDENTIFIER, TEACHER_PATTERN, teacher_model_id, teacher_of

OPTIONS = ("TeacherModelId", "MaxResponseLength")
MAX_RESPONSE_LENGTH = 1_000_000  # tokens; botocore sets no range (an Integer), so only a sane bound


@dataclass(frozen=True)
class Distillation(Method):
    def configure(
        self,
        options: Mapping[str, Any] | None,
        hyperparameters: Mapping[str, str],
        family: Family | None,
        context: MethodContext,
    ) -> tuple[dict[str, Any] | None, list[str]]:
        where = "Customization Config"
        options = options or {}
        unknown = [k for k in options if k not in OPTIONS]
        if unknown:
            return None, [
                f"{where}: distillation takes {' and '.join(OPTIONS)}; it was given {_keys(dict.fromkeys(unknown))}."
            ]
        identifier = options.get("TeacherModelId")
        if not isinstance(identifier, str) or not identifier.strip():
            return None, [
                f"{where}, TeacherModelId: required: the model that answers the prompts (e.g. amazon.nova-pro-v1:0)."
            ]
        identifier = identifier.strip()
        bedrock_id = identifier.removeprefix("bedrock:")
        if len(bedrock_id) > MAX_IDENTIFIER or not TEACHER_PATTERN.fullmatch(bedrock_id):
            return None, [
                f"{where}, TeacherModelId: {identifier[:80]!r} is not a Bedrock model id, foundation-model ARN or "
                "inference profile (e.g. amazon.nova-pro-v1:0 or us.amazon.nova-premier-v1:0)."
            ]
        problems: list[str] = []
        model_id = teacher_model_id(bedrock_id)
        teacher = teacher_for(model_id)
        student = context.base.model_id.removeprefix("bedrock:") if context.base else ""
        if teacher is None:
            problems.append(f"{where}, TeacherModelId: {model_id} is not a distillation teacher at Bedrock.")
        elif student and not teacher.teaches(student):
            problems.append(
                f"{where}, TeacherModelId: {model_id} does not teach {student}; it teaches "
                f"{', '.join(teacher.students)} ({teacher.source})."
            )
        record = context.model(f"bedrock:{model_id}")
        if record is None:
            problems.append(f"{where}, TeacherModelId: {model_id} is not in the catalog.")
        elif (status := to_view(record).status) is not Status.GREEN:
            problems.append(
                f"{where}, TeacherModelId: {record.name} is {status.value}; only enabled (GREEN) models may be "
                "used, and the teacher is called for every prompt."
            )
        length, length_problem = _length(options.get("MaxResponseLength"))
        if length_problem:
            problems.append(length_problem)
        if problems:
            return None, problems
        teacher_config: dict[str, Any] = {"teacherModelIdentifier": bedrock_id}
        if length is not None:
            teacher_config["maxResponseLengthForInference"] = length
        return {"distillationConfig": {"teacherModelConfig": teacher_config}}, []

    def job_hyperparameters(self, hyperparameters: Mapping[str, str]) -> dict[str, str]:
        return {}  # Bedrock picks a distillation's training settings

    def options_of(self, config: Mapping[str, Any] | None) -> dict[str, Any] | None:
        found = teacher_of(config)
        if found is None:
            return None
        identifier, length = found
        return {"TeacherModelId": identifier} | ({"MaxResponseLength": length} if length is not None else {})

    def described(self, config: Mapping[str, Any] | None) -> dict[str, str]:
        found = teacher_of(config)
        if found is None:
            return {"Teacher": "not recorded"}
        identifier, length = found
        return {
            "Teacher": identifier,
            "Longest teacher answer": f"{length:,} tokens" if length is not None else "Bedrock's default",
        }

    def epochs(self, hyperparameters: Mapping[str, str]) -> int:
        return 1  # Bedrock picks the passes; the estimate counts one

    def models_called(self, options: Mapping[str, Any] | None) -> dict[str, str]:
        identifier = (options or {}).get("TeacherModelId")
        return {"TeacherModelId": teacher_model_id(identifier.strip())} if isinstance(identifier, str) else {}

    def estimate_terms(self, options: Mapping[str, Any] | None, records: int) -> dict[str, Any]:
        """The teacher answers every prompt: its reading and writing at its on-demand prices."""
        identifier = (options or {}).get("TeacherModelId")
        if not isinstance(identifier, str) or not identifier.strip():
            return {}
        length, _ = _length((options or {}).get("MaxResponseLength"))
        return {
            "teacher_model_id": f"bedrock:{teacher_model_id(identifier.strip())}",
            "teacher_prompts": records,
            "teacher_answer_tokens": length,
        }


def _length(raw: object) -> tuple[int | None, str | None]:
    where = "Customization Config, MaxResponseLength"
    if raw is None or raw == "":
        return None, None
    try:
        value = int(str(raw).strip())
    except ValueError:
        return None, f"{where}: {str(raw)[:40]!r} is not a whole number of tokens."
    if not 1 <= value <= MAX_RESPONSE_LENGTH:
        return None, f"{where}: {value:,} is out of range (1 to {MAX_RESPONSE_LENGTH:,} tokens)."
    return value, None


DISTILLATION = Distillation(
    key="DISTILLATION",
    label="Distillation",
    summary=(
        "A larger teacher model answers your prompts and the base model (the student) learns from its answers: "
        "prompts, optionally with the answers you want, or Bedrock's invocation logs."
    ),
    source="https://docs.aws.amazon.com/bedrock/latest/userguide/model-distillation.html",
    metrics_files={"training": "step_wise_training_metrics.csv", "validation": "validation_metrics.csv"},
    takes_logs=True,  # invocationLogsConfig (distillation-data-prep-option-2.html)
)
