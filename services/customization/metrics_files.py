"""A run's metrics files: where they are under the job's output (listed, never guessed), reading and parsing
them as the job writes them, the zip of the CSVs, and the data downloads. The parsing and summaries are in
services/customization/metrics.py."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from typing import BinaryIO

from services.customization.metrics import (
    TRAINING_FILE,
    VALIDATION_FILE,
    MetricsState,
    MetricsTable,
    RunMetrics,
    parse_metrics_csv,
)
from services.domain.custom import CustomModel, JobStatus
from services.domain.errors import InvalidRequest, ModelNotFound, ObjectStoreError
from services.ports import CustomModelStore, ObjectStore


class MetricsService:
    def __init__(self, store: CustomModelStore, objects: ObjectStore) -> None:
        self._store = store
        self._objects = objects

    def _model(self, model_id: str) -> CustomModel:
        model = self._store.get_custom(model_id)
        if model is None:
            raise ModelNotFound(f"No custom model with id {model_id!r}.")
        return model

    def find(self, model: CustomModel) -> tuple[str | None, list[str]]:
        """The training metrics file and every validation metrics file under the output."""
        files = [uri for uri, _ in self._objects.list(model.output_uri)]
        training = sorted(u for u in files if u.endswith("/" + TRAINING_FILE))
        validation = sorted(u for u in files if u.endswith("/" + VALIDATION_FILE))
        return (training[-1] if training else None), validation

    def load(self, model_id: str) -> RunMetrics:
        model = self._model(model_id)
        running = model.job_status in (JobStatus.SUBMITTING, JobStatus.IN_PROGRESS, JobStatus.STOPPING)
        not_yet = RunMetrics(
            model_id,
            MetricsState.NOT_YET,
            f"No metrics yet: the job is {model.job_status}. The loss curve appears here as the job writes it.",
        )
        if model.job_status is JobStatus.SUBMITTING:
            return not_yet
        if model.serves_itself:  # imported weights: trained elsewhere, no training here to chart
            return RunMetrics(model_id, MetricsState.NEVER, "No training metrics: the model was imported, not trained.")
        try:
            training_uri, validation_uris = self.find(model)
        except ObjectStoreError as exc:
            if running:
                return not_yet
            return RunMetrics(model_id, MetricsState.MISSING, f"The metrics could not be listed: {exc}")
        if running and training_uri is None:
            return not_yet
        if training_uri is None:
            if model.job_status in (JobStatus.FAILED, JobStatus.STOPPED):
                return RunMetrics(
                    model_id, MetricsState.NEVER, f"No metrics: the job {model.job_status.lower()} before writing any."
                )
            return RunMetrics(
                model_id,
                MetricsState.MISSING,
                f"The job completed but no {TRAINING_FILE} was found under {model.output_uri}.",
            )
        notes: list[str] = []
        training = self._parse(training_uri, "training", notes)
        validation = tuple(t for t in (self._parse(u, "validation", notes) for u in validation_uris) if t is not None)
        if training is None:
            return RunMetrics(model_id, MetricsState.MISSING, notes[-1], notes=tuple(notes))
        notes += list(training.notes) + [n for t in validation for n in t.notes]
        if running:
            notes.insert(0, f"The job is {model.job_status}: these are its metrics so far (live).")
        return RunMetrics(model_id, MetricsState.READY, "", training, validation, tuple(notes))

    def _parse(self, uri: str, kind: str, notes: list[str]) -> MetricsTable | None:
        try:
            with self._objects.open(uri) as stream:
                data = stream.read()
            return parse_metrics_csv(data, kind, uri)
        except (InvalidRequest, ObjectStoreError) as exc:
            notes.append(str(exc))
            return None

    def metrics_zip(self, model_id: str) -> bytes:
        """The metrics CSVs as Bedrock wrote them, in one zip (paths relative to the output)."""
        model = self._model(model_id)
        training, validation = self.find(model)
        if training is None:
            raise InvalidRequest(f"{model.name} has no metrics yet (job {model.job_status}).")
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for uri in [training, *validation]:
                with self._objects.open(uri) as stream:
                    archive.writestr(uri.removeprefix(model.output_uri).lstrip("/"), stream.read())
        return buffer.getvalue()

    def data_opener(self, model_id: str, which: str) -> tuple[str, Callable[[], BinaryIO]] | None:
        """(file name, a function that opens the stream) for the training or validation data;
        nothing is read until the download starts."""
        model = self._model(model_id)
        uri = model.training_uri if which == "training" else model.validation_uri
        if uri is None:
            return None
        return uri.rsplit("/", 1)[-1], lambda: self._objects.open(uri)
