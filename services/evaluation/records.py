"""What an evaluation is asked and what it gives back, without running anything: the request, the
records read from the set, the estimate, each record's outcome, the summary and the CSV export."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from services.datasets.records import text_of
from services.domain.batch import BATCH_DISCOUNT, BATCH_URL, WINDOW_HOURS
from services.domain.calls import ChatMessage, Target
from services.domain.custom import CustomModel
from services.domain.errors import InvalidRequest
from services.domain.evaluations import Evaluation, EvaluationResult, EvaluationStatus
from services.domain.export import csv_text
from services.domain.graders import reference_text
from services.domain.records import AuditEvent
from services.domain.s3uri import safe_key_part
from services.evaluation.metrics import (
    JUDGE_SYSTEM,
    METRICS,
    paired_difference,
)
from services.notices.events import told_by_system

DEFAULT_CALL_SECONDS = 2.0  # assumed per call when a model has not been called yet
CHARS_PER_TOKEN = 4  # for estimates before any call is made
OPEN = (EvaluationStatus.QUEUED, EvaluationStatus.RUNNING)


class NewEvaluation(BaseModel):
    """What the engineer asks for: which data, which metrics, an optional judge, how fast."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    custom_model_id: str
    dataset_uri: str | None = None  # default: the model's validation data
    metrics: tuple[str, ...] = tuple(METRICS)
    judge_model_id: str | None = None
    # compared with this custom model of the same base (the one an endpoint serves now, say) instead of the base
    against_model_id: str | None = Field(None, max_length=400)
    max_records: int = Field(200, ge=1, le=100_000)
    concurrency: int = Field(4, ge=1, le=32)
    max_tokens: int = Field(512, ge=1, le=4096)
    temperature: float = Field(0.0, ge=0.0, le=1.0)
    engine: Literal["online", "batch"] = "online"  # batch: Bedrock batch jobs where Bedrock batches the model


@dataclass(frozen=True)
class Item:
    """One record of the evaluation set as a chat: the conversation up to the answer, and the answer."""

    index: int  # line number, 1-based
    messages: tuple[ChatMessage, ...]
    system: str
    reference: str

    @property
    def prompt(self) -> str:
        return self.messages[-1].content


BATCH_TIME_NOTE = (
    f"batch jobs finish within Bedrock's {WINDOW_HOURS}-hour window, often sooner; the models asked online are asked "
    f"once the batch answers are in ({BATCH_URL})"
)


class Estimate(BaseModel):
    model_config = ConfigDict(frozen=True)

    records: int
    calls: int
    input_tokens: int
    output_tokens: int
    cost: float | None  # per-token prices of every model called, when all are known
    cost_note: str
    seconds: float
    seconds_note: str
    # online or batch, side by side: per model "batch" or why online; the cost with the batched models at the
    # batch price (None: a price is not known)
    engines: dict[str, str] = Field(default_factory=dict)
    batch_cost: float | None = None
    batch_saving: float = 0.0  # what batch saves on the batched models whose price is known (even when a total is not)

    def as_dict(self) -> dict[str, Any]:
        return {
            "Records": self.records,
            "Calls": self.calls,
            "InputTokens": self.input_tokens,
            "OutputTokens": self.output_tokens,
            "Cost": self.cost,
            "CostNote": self.cost_note,
            "Seconds": round(self.seconds, 1),
            "SecondsNote": self.seconds_note,
            "Engines": self.engines,
            "BatchCost": self.batch_cost,
            "BatchSaving": round(self.batch_saving, 6),
            "BatchSecondsNote": BATCH_TIME_NOTE if "batch" in self.engines.values() else "",
        }


def item_of(index: int, record: object) -> Item | None:
    """A record as (conversation, reference): prompt/completion, a conversation whose last assistant turn is
    the reference, or a reinforcement fine-tuning record (its reference_answer as text). None for a record
    with no text answer (an image, say)."""
    if not isinstance(record, dict):
        return None
    if isinstance(record.get("prompt"), str) and isinstance(record.get("completion"), str):
        return Item(index, (ChatMessage(role="user", content=record["prompt"]),), "", record["completion"])
    messages = record.get("messages")
    if isinstance(messages, list) and "reference_answer" in record:  # reinforcement fine-tuning's records
        turns = [(m.get("role"), text_of(m.get("content"))) for m in messages if isinstance(m, dict)]
        context = tuple(ChatMessage(role=r, content=t) for r, t in turns if r in ("user", "assistant"))
        system = " ".join(t for r, t in turns if r == "system" and t)
        if not context or context[-1].role != "user":
            return None
        return Item(index, context, system, reference_text(record["reference_answer"]))
    if not isinstance(messages, list) or len(messages) < 2:
        return None
    turns = [(m.get("role"), text_of(m.get("content"))) for m in messages if isinstance(m, dict)]
    if turns[-1][0] != "assistant" or not turns[-1][1]:
        return None
    context = tuple(ChatMessage(role=r, content=t) for r, t in turns[:-1] if r in ("user", "assistant"))
    if not context or context[-1].role != "user":
        return None
    return Item(index, context, text_of(record.get("system")), turns[-1][1])


def outcome(result: EvaluationResult, metrics: tuple[str, ...]) -> str:
    """A record's outcome for the custom model: the judge's verdict, or without a judge the first metric's."""
    if result.verdict is not None:
        return result.verdict
    if result.error is not None or not metrics or metrics[0] not in result.scores:
        return "tie"
    custom, base = result.scores[metrics[0]]
    return "win" if custom > base else "loss" if custom < base else "tie"


def csv_name(evaluation: Evaluation) -> str:
    """The export's file name: the model's name and when the run was started (not an internal id)."""
    return f"{safe_key_part(evaluation.custom_name, 60)}-evaluation-{evaluation.created_at:%Y%m%d-%H%M}.csv"


def results_csv(results: list[EvaluationResult], metrics: tuple[str, ...]) -> str:
    """The records as CSV, through the one writer of every export (services/domain/export.py)."""
    header = (
        ["Record", "Prompt", "Reference", "Custom answer", "Base answer", "Verdict"]
        + [f"{METRICS[m]} ({who})" for m in metrics for who in ("custom", "base")]
        + ["Error"]
    )
    return csv_text(
        header,
        (
            [r.index, r.prompt, r.reference, r.custom_output, r.base_output, r.verdict or ""]
            + [f"{r.scores[m][i]:.4f}" if m in r.scores else "" for m in metrics for i in (0, 1)]
            + [r.error or ""]
            for r in results
        ),
    )


def summarize(evaluation: Evaluation, results: list[EvaluationResult]) -> dict[str, Any]:
    """Per metric: both models' means, the mean difference and its 95% bootstrap interval; the judge's
    wins, ties and losses; what the calls cost."""
    scored = [r for r in results if r.error is None]
    metrics: dict[str, Any] = {}
    for name in evaluation.metrics:
        custom = [r.scores[name][0] for r in scored if name in r.scores]
        base = [r.scores[name][1] for r in scored if name in r.scores]
        found = paired_difference(custom, base, seed=evaluation.seed)
        metrics[name] = {
            "Name": METRICS[name],
            "Custom": sum(custom) / len(custom) if custom else None,
            "Base": sum(base) / len(base) if base else None,
            "Difference": found[0] if found else None,
            "Low": found[1] if found else None,
            "High": found[2] if found else None,
            "Records": len(custom),
        }
    judge = None
    if evaluation.judge_model_id is not None:
        verdicts = [r.verdict for r in scored]
        judge = {
            "Wins": verdicts.count("win"),
            "Ties": verdicts.count("tie"),
            "Losses": verdicts.count("loss"),
        }
    costs = [r.cost for r in results if r.cost is not None]
    return {
        "Records": len(results),
        "Scored": len(scored),
        "Failed": len(results) - len(scored),
        "Metrics": metrics,
        "Judge": judge,
        "Cost": sum(costs) if costs else None,
        "Simulated": any(r.simulated for r in results),
    }


def estimate_of(
    request: NewEvaluation,
    items: list[Item],
    targets: dict[str, Target],
    mean_latency_ms: Callable[[str], float | None],
    engines: dict[str, str | None] | None = None,
) -> Estimate:
    """Calls, tokens, cost and time of a run before it starts: tokens at 4 characters each, answers as
    long as the references, time at each model's mean latency so far (or an assumed one)."""
    asked = sum(len(i.system) + sum(len(m.content) for m in i.messages) for i in items) // CHARS_PER_TOKEN
    answered = sum(min(len(i.reference) // CHARS_PER_TOKEN + 1, request.max_tokens) for i in items)
    n = len(items)
    tokens = {"custom": (asked, answered), "base": (asked, answered)}
    if "judge" in targets:  # twice per record: the question, the reference and both answers, each order
        judge_in = 2 * (asked + 3 * answered + n * len(JUDGE_SYSTEM) // CHARS_PER_TOKEN)
        tokens["judge"] = (judge_in, 2 * n)
    cost: float | None = 0.0
    batch_cost: float | None = 0.0
    saving = 0.0
    unknown = []
    for role, (t_in, t_out) in tokens.items():
        prices = targets[role].token_prices
        if prices is None:
            unknown.append(targets[role].name)
            continue
        full = t_in / 1000 * prices[0] + t_out / 1000 * prices[1]
        batched = bool(engines) and role in (engines or {}) and (engines or {})[role] is None
        saving += full * (1 - BATCH_DISCOUNT) if batched else 0.0
        if cost is not None and batch_cost is not None:
            cost += full
            batch_cost += full * (BATCH_DISCOUNT if batched else 1.0)
    if unknown:
        cost = batch_cost = None
        cost_note = (
            f"no per-token price for {', '.join(dict.fromkeys(unknown))} (a custom model on provisioned "
            "throughput is billed by the hour it runs; an admin can set a price on the Costs page)"
        )
    else:
        cost_note = "tokens estimated at 4 characters each, answers as long as the references"
    seconds_per_record, assumed = 0.0, []
    for role, target in targets.items():
        mean = mean_latency_ms(target.model_id)
        if mean is None:
            assumed.append(target.name)
        per_call = mean / 1000 if mean is not None else DEFAULT_CALL_SECONDS
        seconds_per_record += per_call * (2 if role == "judge" else 1)
    seconds = seconds_per_record * -(-n // request.concurrency)
    seconds_note = f"{request.concurrency} record(s) at a time, at each model's mean latency so far"
    if assumed:
        seconds_note += f" ({DEFAULT_CALL_SECONDS:g} s per call assumed for {', '.join(assumed)}: not called yet)"
    calls = n * (2 + (2 if "judge" in targets else 0))
    return Estimate(
        records=n,
        calls=calls,
        input_tokens=sum(t[0] for t in tokens.values()),
        output_tokens=sum(t[1] for t in tokens.values()),
        cost=cost,
        cost_note=cost_note,
        seconds=seconds,
        seconds_note=seconds_note,
        engines={role: "batch" if reason is None else f"online: {reason}" for role, reason in (engines or {}).items()},
        batch_cost=batch_cost,
        batch_saving=saving,
    )


def reference_of(request: NewEvaluation, model: CustomModel, get: Callable[[str], CustomModel]) -> str:
    """What the custom model is compared with: its base model, or another custom model of the same base (the one an
    endpoint serves now, before promoting this one), called as the platform calls it (enabled)."""
    if model.serves_itself:
        raise InvalidRequest(
            f"{model.name} is an imported model: Model Studio has no base model to compare it with and no data rules "
            "for its evaluation set; try it in the Playground beside another model."
        )
    if request.against_model_id is None:
        return model.base_model_id
    if request.against_model_id == model.id:
        raise InvalidRequest("Compared with: a model cannot be compared with itself; choose another model.")
    other = get(request.against_model_id)
    if other.base_model_id != model.base_model_id:
        raise InvalidRequest(
            f"Compared with: {other.name} is a custom model of {other.base_model_name}; {model.name} is compared "
            f"with its base model or a custom model of {model.base_model_name}."
        )
    return other.id


def finished_event(
    now: datetime, evaluation: Evaluation, status: str, summary: dict[str, Any] | None, error: str = ""
) -> AuditEvent:
    """The audit event of a finished run, carrying its ``evaluation.finished`` notice."""
    detail = error
    if summary is not None:
        parts = [
            f"{v['Name']} {v['Custom']:.3f} vs {v['Base']:.3f}"
            for v in summary["Metrics"].values()
            if v["Custom"] is not None and v["Base"] is not None
        ]
        detail = f"{evaluation.id}: " + ", ".join(parts)
    return told_by_system(
        now, "evaluation-finished", "evaluation.finished", detail, request_id=evaluation.id,
        model_id=evaluation.custom_model_id, model_name=evaluation.custom_name, after=f"evaluation {status}",
    )  # fmt: skip
