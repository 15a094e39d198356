from __future__ import annotations

import io
import math
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from services.adapters.object_store import LocalObjectStore
from services.customization.metrics import (
    MetricsState,
    RunMetrics,
    curves,
    downsample,
    ema,
    epoch_boundaries,
    export_frame,
    parse_metrics_csv,
    summarize,
)
from services.customization.metrics_files import MetricsService
from services.domain.custom import CustomModel, JobStatus
from services.domain.errors import InvalidRequest
from tests.support.fakes import InMemoryCatalogStore

NOW = datetime(2026, 11, 1, tzinfo=UTC)
OUT = "s3://studio-out/runs/output/bot-1234/"


def training_csv(epochs: int = 4, steps_per_epoch: int = 10, start: float = 3.0) -> bytes:
    rows = ["step_number,epoch_number,training_loss,perplexity"]
    for step in range(epochs * steps_per_epoch):
        loss = start * math.exp(-step / (epochs * steps_per_epoch / 3)) + 0.2
        rows.append(f"{step},{step // steps_per_epoch},{loss:.6f},{math.exp(loss):.6f}")
    return ("\n".join(rows) + "\n").encode()


def validation_csv(losses: list[float], steps_per_epoch: int = 10) -> bytes:
    rows = ["step_number,epoch_number,validation_loss,perplexity"]
    for epoch, loss in enumerate(losses):
        rows.append(f"{(epoch + 1) * steps_per_epoch - 1},{epoch},{loss},{math.exp(loss)}")
    return ("\n".join(rows) + "\n").encode()


def model(status: JobStatus = JobStatus.COMPLETED) -> CustomModel:
    return CustomModel(
        id="custom:bot",
        name="bot",
        base_model_id="bedrock:meta.llama3-1-8b-instruct-v1:0:128k",
        base_model_name="Llama 3.1 8B Instruct",
        hyperparameters={"epochCount": "4"},
        training_uri="s3://studio-out/runs/data/train.jsonl",
        validation_uri=None,
        output_uri=OUT,
        job_name="bot-1234",
        client_token="t",
        job_status=status,
        created_at=NOW,
        updated_at=NOW,
    )


@pytest.fixture
def service(tmp_path: Path) -> tuple[MetricsService, LocalObjectStore, InMemoryCatalogStore]:
    store = InMemoryCatalogStore()
    objects = LocalObjectStore(tmp_path)
    store.customs["custom:bot"] = model()
    from services.domain.models import ModelRecord, Provider

    store.models["custom:bot"] = ModelRecord(
        id="custom:bot",
        provider=Provider.BEDROCK,
        model_id="bot",
        name="bot",
        vendor="Meta",
        first_seen=NOW,
        updated_at=NOW,
    )
    return MetricsService(store, objects), objects, store


@pytest.mark.parametrize(
    "validation_path",
    [
        "model-customization-job-abc123def456/validation_artifacts/post_fine_tuning_validation/validation_metrics.csv",
        "model-customization-job-abc123def456/validation_artifacts/post_fine_tuning_validation/validation/validation_metrics.csv",
        "bot-1234/validation_artifacts/post_fine_tuning_validation/validation/validation_metrics.csv",
    ],
)
def test_both_layouts_are_found_by_listing(service, validation_path: str) -> None:
    metrics, objects, _ = service
    folder = validation_path.split("/")[0]
    objects.put_bytes(OUT + f"{folder}/training_artifacts/step_wise_training_metrics.csv", training_csv())
    objects.put_bytes(OUT + validation_path, validation_csv([2.0, 1.5, 1.2, 1.1]))
    run = metrics.load("custom:bot")
    assert run.state is MetricsState.READY and run.notes == ()
    assert list(run.training.frame.columns) == ["step", "epoch", "loss", "perplexity"]
    assert len(run.training.frame) == 40 and len(run.validation) == 1
    archive = zipfile.ZipFile(io.BytesIO(metrics.metrics_zip("custom:bot")))
    assert sorted(archive.namelist()) == sorted(
        [f"{folder}/training_artifacts/step_wise_training_metrics.csv", validation_path]
    )


def test_one_validation_file_per_validator(service) -> None:
    metrics, objects, _ = service
    base = OUT + "model-customization-job-x/"
    objects.put_bytes(base + "training_artifacts/step_wise_training_metrics.csv", training_csv())
    for i in range(2):
        objects.put_bytes(
            base + f"validation_artifacts/post_fine_tuning_validation/validation{i}/validation_metrics.csv",
            validation_csv([2.0 + i, 1.5, 1.2, 1.1]),
        )
    run = metrics.load("custom:bot")
    assert len(run.validation) == 2
    assert [c.name for c in curves(run, "loss", "step", 0.5)] == ["training", "validation 1", "validation 2"]


def test_a_known_best_epoch_and_over_fitting_point() -> None:
    train = parse_metrics_csv(training_csv(epochs=6), "training")
    val = parse_metrics_csv(validation_csv([2.0, 1.4, 1.1, 1.15, 1.3, 1.5]), "validation")
    summary = summarize(RunMetrics("m", MetricsState.READY, "", train, (val,)))
    assert summary.best_epoch == 3 and summary.min_validation_loss == 1.1  # epochs count from 1, as the chart's
    assert summary.overfitting_from_epoch == 4
    assert "over-fitting" in summary.overfitting_note and "epoch 3 was the best" in summary.overfitting_note
    run = RunMetrics("m", MetricsState.READY, "", train, (val,))
    [validation] = [c for c in curves(run, "loss", "epoch", 0.0) if c.name.startswith("validation")]
    lowest = min(range(len(validation.raw)), key=lambda k: validation.raw[k])
    assert validation.x[lowest] == pytest.approx(summary.best_epoch)  # the card says what the chart shows
    assert summary.epochs == 6 and summary.steps == 60
    assert summary.final_training_loss == pytest.approx(float(train.frame["loss"].iloc[-1]))
    healthy = parse_metrics_csv(validation_csv([2.0, 1.4, 1.1, 1.05, 1.0, 0.99]), "validation")
    assert summarize(RunMetrics("m", MetricsState.READY, "", train, (healthy,))).overfitting_from_epoch is None
    no_val = summarize(RunMetrics("m", MetricsState.READY, "", train, ()))
    assert no_val.best_epoch == 6 and "no validation data" in no_val.best_epoch_basis


def test_a_rising_validation_loss_with_a_rising_training_loss_is_not_over_fitting() -> None:
    rows = ["step_number,epoch_number,training_loss,perplexity"] + [f"{s},{s // 10},{1 + s / 100},1" for s in range(40)]
    train = parse_metrics_csv("\n".join(rows).encode(), "training")
    val = parse_metrics_csv(validation_csv([1.0, 1.2, 1.4, 1.6]), "validation")
    assert summarize(RunMetrics("m", MetricsState.READY, "", train, (val,))).overfitting_from_epoch is None


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"", "the file is empty"),
        (b"step_number,epoch_number,perplexity\n1,0,2\n", "missing column(s) training_loss"),
        (b"epoch,loss\n", "missing column(s) step_number, training_loss"),
    ],
)
def test_unusable_files_are_refused_with_the_reason(data: bytes, says: str) -> None:
    with pytest.raises(InvalidRequest, match=says.replace("(", r"\(").replace(")", r"\)")):
        parse_metrics_csv(data, "training")


def test_repairable_files_are_repaired_and_the_repair_is_said() -> None:
    data = (
        b"step_number,epoch_number,training_loss,perplexity\n"
        b"2,0,1.5,4.4\n0,0,2.0,7.3\n1,0,nan,1\n3,0,inf,1\n2,0,1.4,4.0\n4,1,1.2,3.3\n"
    )
    table = parse_metrics_csv(data, "training", "s3://x/metrics.csv")
    assert table.frame["step"].tolist() == [0, 2, 4]
    assert table.frame["loss"].tolist() == [2.0, 1.4, 1.2]
    text = " ".join(table.notes)
    assert "2 row(s) with a missing, NaN or infinite step or loss were left out (lines 4, 5)" in text
    assert "not in order; sorted" in text and "1 repeated step(s); the last value of each is kept" in text
    header_only = parse_metrics_csv(b"step_number,epoch_number,training_loss,perplexity\n", "training")
    assert header_only.frame.empty and "a header but no rows" in header_only.notes[0]
    no_ppl = parse_metrics_csv(b"step_number,epoch_number,training_loss\n0,0,1.0\n", "training")
    assert no_ppl.frame["perplexity"].iloc[0] == pytest.approx(math.e) and "computed as exp(loss)" in no_ppl.notes[0]


def test_states_before_and_without_metrics(service) -> None:
    metrics, objects, store = service
    store.customs["custom:bot"] = model(JobStatus.IN_PROGRESS)
    run = metrics.load("custom:bot")
    assert run.state is MetricsState.NOT_YET and "the job is InProgress" in run.message
    store.customs["custom:bot"] = model(JobStatus.FAILED)
    assert metrics.load("custom:bot").state is MetricsState.NEVER
    store.customs["custom:bot"] = model(JobStatus.COMPLETED)
    missing = metrics.load("custom:bot")
    assert missing.state is MetricsState.MISSING and "no step_wise_training_metrics.csv" in missing.message
    with pytest.raises(InvalidRequest, match="no metrics yet"):
        metrics.metrics_zip("custom:bot")
    objects.put_bytes(OUT + "j/training_artifacts/step_wise_training_metrics.csv", b"")
    broken = metrics.load("custom:bot")
    assert broken.state is MetricsState.MISSING and "the file is empty" in broken.message


def test_downsampling_a_million_steps_keeps_extremes_and_ends() -> None:
    rng = np.random.default_rng(7)
    x = np.arange(1_000_000, dtype=float)
    y = np.exp(-x / 200_000) + rng.normal(0, 0.05, x.size)
    y[123_456] = -5.0  # a spike down
    y[654_321] = 9.0  # a spike up
    keep = downsample(x, y, 5_000)
    assert len(keep) <= 5_000
    assert {0, 999_999, 123_456, 654_321} <= set(keep.tolist())
    assert np.all(np.diff(keep) > 0)
    small = downsample(x[:100], y[:100], 5_000)
    assert small.tolist() == list(range(100))


def test_ema_smoothing() -> None:
    values = np.array([1.0, 0.0, 0.0, 0.0])
    assert ema(values, 0).tolist() == values.tolist()
    smooth = ema(values, 0.5)
    assert smooth[0] == 1.0 and smooth[1] == pytest.approx(1 / 3) and smooth[-1] < smooth[1]
    with pytest.raises(InvalidRequest, match="out of range"):
        ema(values, 1.0)


def test_curves_epochs_axis_boundaries_and_export() -> None:
    train = parse_metrics_csv(training_csv(epochs=3), "training")
    val = parse_metrics_csv(validation_csv([2.0, 1.5, 1.2]), "validation")
    run = RunMetrics("m", MetricsState.READY, "", train, (val,))
    assert epoch_boundaries(run) == [10, 20]
    t, v = curves(run, "loss", "epoch", 0.6)
    assert t.x[0] == pytest.approx(0.1) and t.x[-1] == pytest.approx(3.0) and v.x.tolist() == [1.0, 2.0, 3.0]
    assert t.raw[0] == t.smooth[0] and t.smooth[-1] != t.raw[-1]
    frame = export_frame(run, 0.6)
    assert list(frame.columns) == [
        "series",
        "step_number",
        "epoch_number",
        "loss",
        "perplexity",
        "loss_smoothed",
        "perplexity_smoothed",
    ]
    assert len(frame) == 33 and (frame["series"] == "validation").sum() == 3


def test_data_downloads_open_only_when_asked(service) -> None:
    metrics, objects, _ = service
    objects.put_bytes("s3://studio-out/runs/data/train.jsonl", b'{"prompt":"a","completion":"b"}\n')
    name, opener = metrics.data_opener("custom:bot", "training")
    assert name == "train.jsonl"
    with opener() as stream:
        assert stream.read() == b'{"prompt":"a","completion":"b"}\n'
    assert metrics.data_opener("custom:bot", "validation") is None
