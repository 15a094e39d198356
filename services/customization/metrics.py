"""Training metrics of a custom model: find Bedrock's CSVs, parse them, summarise the run,
smooth and downsample curves for charts, and package downloads.

Bedrock writes (bedrock-facts §4) ``step_wise_training_metrics.csv`` (step_number,
epoch_number, training_loss, perplexity) and ``validation_metrics.csv`` (the same with
validation_loss), under a folder whose exact name varies between accounts and docs, maybe
with one validation folder per validator. So the output prefix is listed, never guessed.
A reinforcement fine-tuning run also has its rewards per step (``critic/rewards/mean``, ``…/min``,
``…/max``, the names AWS's RFT page gives); a reward goes up, so its best step is its highest.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict
from tsdownsample import MinMaxLTTBDownsampler

from services.customization.methods import FINE_TUNING
from services.domain.errors import InvalidRequest

TRAINING_FILE = FINE_TUNING.metrics_files["training"]  # what a fine-tuning job writes (its Method says)
VALIDATION_FILE = FINE_TUNING.metrics_files["validation"]
MAX_POINTS = 5_000  # per trace; the target is at most 10,000


class MetricsState(StrEnum):
    READY = "ready"
    NOT_YET = "not-yet"  # the job is still running
    NEVER = "never"  # the job failed or was stopped before writing metrics
    MISSING = "missing"  # the job completed but no metrics file was found


@dataclass(frozen=True)
class MetricsTable:
    """One parsed CSV: columns step, epoch, loss, perplexity (floats), sorted by step."""

    uri: str
    kind: str  # "training" | "validation"
    frame: pd.DataFrame
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class RunMetrics:
    model_id: str
    state: MetricsState
    message: str
    training: MetricsTable | None = None
    validation: tuple[MetricsTable, ...] = ()
    notes: tuple[str, ...] = field(default=())


REWARD_COLUMNS = {
    "reward": "critic/rewards/mean",
    "reward_min": "critic/rewards/min",
    "reward_max": "critic/rewards/max",
}
METRIC_LABELS = {"loss": "loss", "perplexity": "perplexity", "reward": "reward (mean)"}


class MetricsSummary(BaseModel):
    model_config = ConfigDict(frozen=True)

    final_reward: float | None = None  # reinforcement fine-tuning: the mean reward of the last step
    max_reward: float | None = None  # the highest mean reward, and its step (a reward goes up)
    max_reward_step: int | None = None

    final_training_loss: float | None = None
    min_training_loss: float | None = None
    min_training_step: int | None = None
    final_validation_loss: float | None = None
    min_validation_loss: float | None = None
    best_epoch: int | None = None
    best_epoch_basis: str = ""
    overfitting_from_epoch: int | None = None
    overfitting_note: str = ""
    steps: int = 0
    epochs: int = 0


def parse_metrics_csv(data: bytes, kind: str, uri: str = "") -> MetricsTable:
    """Parse one Bedrock metrics CSV, repairing what can be repaired and saying so."""
    loss_col = "training_loss" if kind == "training" else "validation_loss"
    where = uri or f"{kind} metrics"
    if not data.strip():
        raise InvalidRequest(f"{where}: the file is empty.")
    try:
        raw = pd.read_csv(io.BytesIO(data), engine="c", skipinitialspace=True)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise InvalidRequest(f"{where}: not a readable CSV ({exc}).") from None
    raw.columns = [str(c).strip() for c in raw.columns]
    missing = [c for c in ("step_number", loss_col) if c not in raw.columns]
    if missing:
        raise InvalidRequest(
            f"{where}: missing column(s) {', '.join(missing)}; it has {', '.join(raw.columns) or 'none'}."
        )
    notes: list[str] = []
    if raw.empty:
        notes.append(f"{where}: a header but no rows.")

    def number(column: str) -> pd.Series:
        values = raw[column]
        return values if pd.api.types.is_numeric_dtype(values) else pd.to_numeric(values, errors="coerce")

    frame = pd.DataFrame(
        {
            "step": number("step_number"),
            "epoch": number("epoch_number") if "epoch_number" in raw else np.nan,
            "loss": number(loss_col),
            "perplexity": number("perplexity") if "perplexity" in raw else np.nan,
        }
    )
    for name, column in REWARD_COLUMNS.items():
        if column in raw:
            frame[name] = number(column).astype("float64")
    if "epoch_number" not in raw:
        notes.append(f"{where}: no epoch_number column; epochs are not shown.")
    if "perplexity" not in raw:
        frame["perplexity"] = np.exp(frame["loss"].clip(upper=700))
        notes.append(f"{where}: no perplexity column; computed as exp(loss).")
    bad = ~np.isfinite(frame["step"]) | ~np.isfinite(frame["loss"])
    if bad.any():
        lines = (frame.index[bad] + 2).tolist()  # +1 for the header, +1 to count from 1
        shown = ", ".join(map(str, lines[:10])) + (" …" if len(lines) > 10 else "")
        notes.append(
            f"{where}: {len(lines):,} row(s) with a missing, NaN or infinite step or loss were left out "
            f"(lines {shown})."
        )
        frame = frame[~bad]
    if not frame["step"].is_monotonic_increasing:
        notes.append(f"{where}: steps were not in order; sorted.")
        frame = frame.sort_values("step", kind="stable")
    repeated = frame["step"].duplicated(keep="last")
    if repeated.any():
        notes.append(f"{where}: {int(repeated.sum()):,} repeated step(s); the last value of each is kept.")
        frame = frame[~repeated]
    frame = frame.reset_index(drop=True).astype(
        {"step": "int64", "loss": "float64", "perplexity": "float64", "epoch": "float64"}
    )
    return MetricsTable(uri=uri, kind=kind, frame=frame, notes=tuple(notes))


def has_rewards(run: RunMetrics) -> bool:
    """A reinforcement fine-tuning run: its training metrics carry rewards."""
    return run.training is not None and "reward" in run.training.frame and run.training.frame["reward"].notna().any()


def metrics_of(run: RunMetrics) -> tuple[str, ...]:
    """The metrics a run can chart: rewards first when it has them."""
    return ("reward", "loss") if has_rewards(run) else ("loss", "perplexity")


def summarize(run: RunMetrics) -> MetricsSummary:
    """Final and minimum losses, the best epoch, and over-fitting: validation loss rising
    while training loss still falls."""
    if run.training is None or run.training.frame.empty:
        return MetricsSummary()
    train = run.training.frame
    values: dict[str, object] = {
        "final_training_loss": float(train["loss"].iloc[-1]),
        "min_training_loss": float(train["loss"].min()),
        "min_training_step": int(train["step"].iloc[int(train["loss"].to_numpy().argmin())]),
        "steps": int(train["step"].iloc[-1]) + 1,
        "epochs": int(train["epoch"].max()) + 1 if train["epoch"].notna().any() else 0,
    }
    # epochs counted from 1, as the chart's epoch axis counts them (Bedrock's epoch_number counts from 0)
    per_epoch_train = train.dropna(subset=["epoch"]).groupby("epoch")["loss"].mean()
    per_epoch_train.index = per_epoch_train.index + 1
    val = run.validation[0].frame if run.validation and not run.validation[0].frame.empty else None
    if val is not None:
        values["final_validation_loss"] = float(val["loss"].iloc[-1])
        best = int(val["loss"].to_numpy().argmin())
        values["min_validation_loss"] = float(val["loss"].iloc[best])
        if val["epoch"].notna().all():
            per_epoch_val = val.groupby("epoch")["loss"].last()
            per_epoch_val.index = per_epoch_val.index + 1
            values["best_epoch"] = int(per_epoch_val.idxmin())
            values["best_epoch_basis"] = "lowest validation loss"
            rising = _overfitting_epoch(per_epoch_val, per_epoch_train)
            if rising is not None:
                values["overfitting_from_epoch"] = rising
                values["overfitting_note"] = (
                    f"Validation loss rises from epoch {rising} on while training loss keeps falling: "
                    f"the model is over-fitting; epoch {values['best_epoch']} was the best."
                )
    elif len(per_epoch_train):
        values["best_epoch"] = int(per_epoch_train.idxmin())
        values["best_epoch_basis"] = "lowest mean training loss (no validation data)"
    if has_rewards(run):
        rewards = train.dropna(subset=["reward"])
        best = int(rewards["reward"].to_numpy().argmax())  # a reward goes up: the best step is the highest
        values["final_reward"] = float(rewards["reward"].iloc[-1])
        values["max_reward"] = float(rewards["reward"].iloc[best])
        values["max_reward_step"] = int(rewards["step"].iloc[best])
    return MetricsSummary.model_validate(values)


def epoch_losses(run: RunMetrics) -> list[tuple[int, float, float | None]]:
    """(epoch counted from 1, its mean training loss, its last validation loss or None) per epoch."""
    if run.training is None or run.training.frame.empty:
        return []
    train = run.training.frame.dropna(subset=["epoch"]).groupby("epoch")["loss"].mean()
    val = None
    if run.validation and not run.validation[0].frame.empty and run.validation[0].frame["epoch"].notna().all():
        val = run.validation[0].frame.groupby("epoch")["loss"].last()
    return [
        (int(epoch) + 1, float(loss), None if val is None or epoch not in val.index else float(val.loc[epoch]))
        for epoch, loss in train.items()
    ]


def _overfitting_epoch(per_epoch_val: pd.Series, per_epoch_train: pd.Series) -> int | None:
    """The first epoch after the validation minimum where validation loss is higher than
    at its minimum and training loss is lower than at that minimum's epoch."""
    best_epoch = per_epoch_val.idxmin()
    best_val = per_epoch_val.loc[best_epoch]
    train_at_best = per_epoch_train.get(best_epoch)
    if train_at_best is None:
        return None
    for epoch, val in per_epoch_val.loc[per_epoch_val.index > best_epoch].items():
        train = per_epoch_train.get(epoch)
        if train is not None and val > best_val * 1.005 and train < train_at_best:
            return int(epoch)
    return None


def ema(values: np.ndarray, weight: float) -> np.ndarray:
    """Exponential moving average with TensorBoard's debiasing; weight 0 is the raw curve."""
    if not 0 <= weight < 1:
        raise InvalidRequest(f"Smoothing: {weight} is out of range (0 to 0.99).")
    if weight == 0 or len(values) == 0:
        return np.asarray(values, dtype=float)
    smoothed: np.ndarray = pd.Series(values).ewm(alpha=1 - weight, adjust=True).mean().to_numpy()
    return smoothed


def downsample(x: np.ndarray, y: np.ndarray, max_points: int = MAX_POINTS) -> np.ndarray:
    """Indexes of at most ``max_points`` points that keep the curve's shape: MinMaxLTTB, plus
    the first, last, minimum and maximum points whatever happens."""
    n = len(x)
    if n <= max_points:
        return np.arange(n)
    keep = MinMaxLTTBDownsampler().downsample(  # type: ignore[no-untyped-call]
        np.ascontiguousarray(x, dtype=np.float64), np.ascontiguousarray(y, dtype=np.float64), n_out=max_points - 4
    )
    extra = np.array([0, n - 1, int(np.nanargmin(y)), int(np.nanargmax(y))], dtype=np.int64)
    return np.unique(np.concatenate([np.asarray(keep, dtype=np.int64), extra]))


@dataclass(frozen=True)
class Curve:
    """A trace ready to draw: x, raw y and smoothed y at the kept points."""

    name: str
    x: np.ndarray
    raw: np.ndarray
    smooth: np.ndarray
    points_in: int


def curves(run: RunMetrics, metric: str, x_axis: str, smoothing: float, max_points: int = MAX_POINTS) -> list[Curve]:
    """Training and validation curves of one metric ("loss" or "perplexity"), on x "step" or
    "epoch" (fractional: step / steps per epoch), smoothed on the full data, then downsampled."""
    out = []
    tables = ([run.training] if run.training else []) + list(run.validation)
    steps_per_epoch = _steps_per_epoch(run.training.frame) if run.training else None
    for i, table in enumerate(tables):
        frame = table.frame
        if metric in frame:
            frame = frame.dropna(subset=[metric])
        else:
            continue  # this table has no such metric (a validation file has no rewards)
        if frame.empty:
            continue
        y = frame[metric].to_numpy(dtype=float)
        if x_axis == "epoch" and steps_per_epoch:
            x = (frame["step"].to_numpy(dtype=float) + 1) / steps_per_epoch
        else:
            x = frame["step"].to_numpy(dtype=float)
        smooth = ema(y, smoothing if table.kind == "training" else 0.0)
        keep = downsample(x, y, max_points)
        label = table.kind if len(run.validation) <= 1 or table.kind == "training" else f"validation {i}"
        out.append(Curve(name=label, x=x[keep], raw=y[keep], smooth=smooth[keep], points_in=len(y)))
    return out


def _steps_per_epoch(frame: pd.DataFrame) -> float | None:
    if frame.empty or not frame["epoch"].notna().any():
        return None
    counts = frame.groupby("epoch")["step"].count()
    return float(counts.max()) if len(counts) else None


def epoch_boundaries(run: RunMetrics) -> list[int]:
    """The first step of every epoch after the first."""
    if run.training is None or run.training.frame.empty or not run.training.frame["epoch"].notna().any():
        return []
    frame = run.training.frame
    starts = frame.groupby("epoch")["step"].min().sort_index()
    return [int(s) for s in starts.iloc[1:]]


def export_frame(run: RunMetrics, smoothing: float) -> pd.DataFrame:
    """Every point of every curve at full resolution, with the smoothed values (CSV export)."""
    parts = []
    for table in ([run.training] if run.training else []) + list(run.validation):
        frame = table.frame.copy()
        frame.insert(0, "series", table.kind)
        frame["loss_smoothed"] = ema(
            frame["loss"].to_numpy(dtype=float), smoothing if table.kind == "training" else 0.0
        )
        frame["perplexity_smoothed"] = ema(
            frame["perplexity"].to_numpy(dtype=float), smoothing if table.kind == "training" else 0.0
        )
        parts.append(frame)
    if not parts:
        return pd.DataFrame(
            columns=["series", "step", "epoch", "loss", "perplexity", "loss_smoothed", "perplexity_smoothed"]
        )
    return pd.concat(parts, ignore_index=True).rename(columns={"step": "step_number", "epoch": "epoch_number"})


def training_progress(run: RunMetrics, epochs: int | None, steps_per_epoch_hint: int | None) -> tuple[int, int | None]:
    """(steps done, total steps or None when unknown) of a run from its metrics so far: the steps per
    epoch are read off the data once an epoch has finished, else taken from the hint (records ÷ batch
    size) when there is one."""
    if run.training is None or run.training.frame.empty:
        return 0, None
    frame = run.training.frame
    done = int(frame["step"].iloc[-1]) + 1
    finished_epoch = frame["epoch"].notna().any() and frame["epoch"].max() >= 1
    per_epoch = _steps_per_epoch(frame.loc[frame["epoch"] < frame["epoch"].max()]) if finished_epoch else None
    per_epoch = per_epoch or (float(steps_per_epoch_hint) if steps_per_epoch_hint else None)
    if not epochs or not per_epoch:
        return done, None
    return done, max(done, round(per_epoch * epochs))
