"""Checks of a request: the form's fields, the hyperparameters per base model, the data."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, BinaryIO

from services.catalog.service import to_view
from services.customization.base import Collaborators, ServiceBase
from services.customization.common import (
    HP_KEY_PATTERN,
    MAX_DESCRIPTION,
    MAX_HP_PROBLEMS,
    MAX_HYPERPARAMETERS,
    NAME_PATTERN,
    NAME_TAKEN,
    DataCheck,
    DataInput,
    NewCustomModel,
)
from services.customization.lineage import further_problems
from services.customization.methods import FINE_TUNING, Method, MethodContext, method_for, method_problem
from services.customization.offers import Offers
from services.datasets.invocation_logs import LogScan, logs_report, scan_logs
from services.datasets.specs import Family
from services.datasets.validate import DatasetKind, DatasetReport, check_record_totals, validate_stream
from services.datasets.warnings import data_warnings
from services.domain.custom import CustomModel
from services.domain.errors import (
    InvalidRequest,
    ObjectStoreError,
)
from services.domain.invocation_logs import InvocationLogs, parse_invocation_logs
from services.domain.models import (
    Lifecycle,
    ModelRecord,
    ModelType,
    Provider,
    Status,
)
from services.domain.s3uri import user_uri
from services.domain.text import text_problem
from services.domain.uploads import Upload


class Checks(ServiceBase):
    """What the New Model form offers, and every check of a request before anything is created."""

    def __init__(self, parts: Collaborators) -> None:
        super().__init__(parts)
        self.offers = Offers(parts)  # what the form offers, which the checks ask too
        self.base_model_choices = self.offers.base_model_choices
        self.teacher_choices = self.offers.teacher_choices
        self.further_choices = self.offers.further_choices
        self.foundation_of = self.offers.foundation_of
        self.family_of = self.offers.family_of
        self.regions_for = self.offers.regions_for
        self.job_region = self.offers.job_region

    @property
    def max_model_units(self) -> int:
        return self._config.max_model_units

    # ---- checks ---------------------------------------------------------------------------
    def check_request(self, request: NewCustomModel) -> tuple[ModelRecord | None, dict[str, str], list[str]]:
        """Every problem with the form's fields (not the data), and the normalised hyperparameters."""
        problems: list[str] = []
        name = request.name.strip()
        if not name:
            problems.append("Model Name: required.")
        elif len(name) > 63 or not NAME_PATTERN.fullmatch(name):
            problems.append(
                f"Model Name: {name!r} is not a Bedrock model name: 1-63 letters and digits, each optionally "
                "followed by one '-' or '_' (e.g. support-bot_v2)."
            )
        elif self._store.name_taken(name):
            problems.append(f"{NAME_TAKEN} by another model: {name!r} (names are unique, ignoring case).")
        described = text_problem("Description", request.description, max_chars=MAX_DESCRIPTION, multiline=True)
        if described:
            problems.append(described)
        refused = method_problem(request.customization_type)
        if refused:
            problems.append(refused)
        method = method_for(request.customization_type) or FINE_TUNING
        base = self._catalog.get_model(request.base_model_id)
        hyper: dict[str, str] = {}
        parent = self.parent_of(request)
        if parent is not None:  # tuned further: the rules of the foundation model at the root of its lineage
            base, found = further_problems(request, parent, method, self._catalog)
            problems += found
        if base is None:
            problems.append(f"Base Model: no model with id {request.base_model_id!r}.")
        else:
            view = to_view(base)
            if base.model_type is not ModelType.BASE or base.provider is not Provider.BEDROCK:
                problems.append(f"Base Model: {base.name} is not an Amazon Bedrock base model.")
            elif not method.sold_for(base):
                problems.append(f"Base Model: {base.name} ({base.model_id}) does not offer {method.label.lower()}.")
            elif base.lifecycle is Lifecycle.LEGACY:
                problems.append(
                    f"Base Model: {base.name} is LEGACY at Bedrock: a model it makes could never get "
                    "throughput (Bedrock refuses new throughput for Legacy models). Choose its successor."
                )
            elif view.status is not Status.GREEN and parent is None:  # tuned further: the parent's weights
                problems.append(
                    f"Base Model: {base.name} is {view.status.value}; only enabled (GREEN) models may be used."
                )
            _, region_problem = self.job_region(base, request.region) if parent is None else (None, None)
            if region_problem:
                problems.append(region_problem)
            hyper, hp_problems = self.check_hyperparameters(base, request.hyperparameters, method)
            problems += hp_problems
            problems += self.method_config(request, base, hyper)[1]
        problems += self.logs_of(request)[1]
        if base is not None and not problems:  # access before cost: what Bedrock says of this account's access
            region = parent.region if parent is not None else self.job_region(base, request.region)[0]
            called = {} if parent is not None else {"Base Model": base.model_id.removeprefix("bedrock:")}
            called |= {f"Customization Config, {k}": v for k, v in method.models_called(request.options).items()}
            problems += self.offers.access_problems(region, called) if region else []
        return base, hyper, problems

    def parent_of(self, request: NewCustomModel) -> CustomModel | None:
        """The custom model a request tunes further (its BaseModelId is a custom model's), or None."""
        if not request.base_model_id.startswith("custom:"):
            return None
        return self._store.get_custom(request.base_model_id)

    @staticmethod
    def logs_of(request: NewCustomModel) -> tuple[InvocationLogs | None, list[str]]:
        """The invocation logs a request takes its data from (None: a file), or what is wrong with them."""
        if request.invocation_logs is None:
            return None, []
        method = method_for(request.customization_type) or FINE_TUNING
        if not method.takes_logs:
            return None, [f"Training Data Source: {method.label.lower()} takes a training file, not invocation logs."]
        return parse_invocation_logs(request.invocation_logs)

    @staticmethod
    def teaching(request: NewCustomModel, records: int) -> dict[str, Any]:
        """What the request's method adds to its cost estimate (a distillation's teacher; none when the logged
        answers train the student, as the teacher is not called then)."""
        if (request.invocation_logs or {}).get("UsePromptResponse") is True:
            return {}
        return (method_for(request.customization_type) or FINE_TUNING).estimate_terms(request.options, records)

    def method_config(
        self, request: NewCustomModel, base: ModelRecord, hyper: dict[str, str]
    ) -> tuple[dict[str, Any] | None, list[str]]:
        """The request's own method fields as Bedrock's customizationConfig, or what is wrong with them."""
        method = method_for(request.customization_type) or FINE_TUNING
        context = MethodContext(simulated=self._config.simulated, model=self._catalog.get_model, base=base)
        return method.configure(request.options, hyper, self.family_of(base, method), context)

    def check_hyperparameters(
        self, base: ModelRecord, values: dict[str, str], method: Method = FINE_TUNING
    ) -> tuple[dict[str, str], list[str]]:
        family = self.family_of(base, method)
        problems: list[str] = []
        out: dict[str, str] = {}
        if len(values) > MAX_HYPERPARAMETERS:
            return out, [f"Hyperparameters: {len(values):,} given; at most {MAX_HYPERPARAMETERS}."]
        if family is None:  # a base model we have no table for: free pairs, checked for shape only
            for key, value in values.items():
                if not HP_KEY_PATTERN.fullmatch(key):
                    problems.append(f"Hyperparameter name {key[:64]!r}: 1-64 letters, digits, '_', '.', '-' only.")
                elif not str(value).strip() or text_problem(key, str(value), max_chars=256):
                    problems.append(f"Hyperparameter {key}: needs a value of 1-256 printable characters.")
                else:
                    out[key] = str(value).strip()
            return out, problems
        known = {h.name for h in family.hyperparameters}
        unknown = [key for key in values if key not in known]
        for key in unknown[:MAX_HP_PROBLEMS]:
            problems.append(
                f"Hyperparameter {key[:64]!r} is not one {family.label} takes (it takes {', '.join(sorted(known))})."
            )
        if len(unknown) > MAX_HP_PROBLEMS:
            problems.append(
                f"… and {len(unknown) - MAX_HP_PROBLEMS:,} more hyperparameters {family.label} does not take."
            )
        for hp in family.hyperparameters:
            raw = values.get(hp.name)
            if raw is None or not str(raw).strip():
                if hp.optional:
                    continue  # not sent: Bedrock's own default
                if hp.default is None:
                    problems.append(f"Hyperparameter {hp.name}: required for {family.label} ({hp.range_text()}).")
                else:
                    out[hp.name] = hp.format(hp.default)
                continue
            if hp.allows_auto and str(raw).strip().lower() == "auto":
                out[hp.name] = "auto"
                continue
            try:
                out[hp.name] = hp.normalized(str(raw))
            except ValueError as exc:
                problems.append(f"Hyperparameter {exc}")
        return out, problems

    def check_whole(
        self, request: NewCustomModel, training: DataInput | None, validation: DataInput | None
    ) -> tuple[ModelRecord | None, dict[str, str], DataCheck]:
        """The whole request as Create checks it, in one format: the form's fields (name, description,
        base model, region, hyperparameters), then the data. Check data and Create both ask this."""
        base, hyper, problems = self.check_request(request)
        return base, hyper, self.with_data(request, base, hyper, problems, training, validation)

    def with_data(
        self,
        request: NewCustomModel,
        base: ModelRecord | None,
        hyper: dict[str, str],
        problems: list[str],
        training: DataInput | None,
        validation: DataInput | None,
    ) -> DataCheck:
        """The data checked after the form's fields (``problems``, from ``check_request``), all in one."""
        logs, _ = self.logs_of(request)
        if request.invocation_logs is not None and (training is not None or logs is None):
            extra = ["Training Data: give invocation logs or a training file, not both."] if training else []
            return DataCheck(problems=(*problems, *extra))
        check = (
            self.check_data(
                base.id,  # the foundation model (at the root of the lineage when tuned further)
                logs or training,
                validation,
                hyper,
                check_hyperparameters=False,
                method=method_for(request.customization_type) or FINE_TUNING,
                teacher=(request.options or {}).get("TeacherModelId"),
            )
            if base is not None
            else DataCheck()
        )
        return check.model_copy(update={"problems": (*problems, *check.problems)})

    def check_data(
        self,
        base_model_id: str,
        training: DataInput | InvocationLogs | None,
        validation: DataInput | None = None,
        hyperparameters: Mapping[str, str] | None = None,
        *,
        check_hyperparameters: bool = True,
        method: Method = FINE_TUNING,
        teacher: str | None = None,
    ) -> DataCheck:
        """The whole request in one step: the hyperparameters (unless the caller already checked them),
        then the data streamed through Bedrock's checks for the base model's family, with the limits
        the hyperparameters set (Titan's per-record limit depends on the batch size), then the record
        counts of both datasets together."""
        base = self._catalog.get_model(base_model_id)
        if base is None:
            return DataCheck(problems=(f"Base Model: no model with id {base_model_id!r}.",))
        hyper = dict(hyperparameters or {})
        hp_problems: list[str] = []
        if check_hyperparameters:
            hyper, hp_problems = self.check_hyperparameters(base, hyper, method)
        epochs = method.epochs(hyper)
        family = self.family_of(base, method)
        if family is not None:
            family = family.for_request(base.model_id, hyper)
        if training is None:
            return DataCheck(problems=("Training Data: upload a .jsonl file or give an s3:// URI.",))
        if family is None:
            return DataCheck(
                problems=(
                    f"Training Data: Model Studio has no data rules for {base.model_id}; "
                    "it cannot check the data, so it will not create a job that might be rejected.",
                )
            )
        problems: list[str] = list(hp_problems)
        if isinstance(training, InvocationLogs):
            return self._check_logs(training, family, teacher, problems, epochs)
        reports: dict[DatasetKind, DatasetReport] = {}
        for kind, source in ((DatasetKind.TRAINING, training), (DatasetKind.VALIDATION, validation)):
            if source is None:
                continue
            label = "Training Data" if kind is DatasetKind.TRAINING else "Validation Data"
            try:
                report = self._validate(source, family, kind)
            except (InvalidRequest, ObjectStoreError) as exc:
                problems.append(f"{label}: {exc}")
                continue
            reports[kind] = report
            for issue in report.issues:
                problems.append(f"{label}, {issue}")
            if report.issue_total > len(report.issues):
                problems.append(
                    f"{label}: … and {report.issue_total - len(report.issues):,} more not listed; "
                    f"in all {report.problems_in_words()}."
                )
        if DatasetKind.TRAINING in reports and all(r.ok for r in reports.values()):
            problems += check_record_totals(reports[DatasetKind.TRAINING], reports.get(DatasetKind.VALIDATION), family)
        warnings: list[str] = []
        if training is not None and DatasetKind.TRAINING in reports and all(r.ok for r in reports.values()):
            with self.opened(training) as train_stream:
                if validation is not None and DatasetKind.VALIDATION in reports:
                    with self.opened(validation) as valid_stream:
                        warnings = data_warnings(train_stream, valid_stream)
                else:
                    warnings = data_warnings(train_stream, None)
        return DataCheck(
            training=reports.get(DatasetKind.TRAINING),
            validation=reports.get(DatasetKind.VALIDATION),
            problems=tuple(problems),
            warnings=tuple(warnings),
            epochs=epochs,
        )

    def scan_logs(self, logs: InvocationLogs, teacher: str | None, keep_pairs: int = 0) -> LogScan:
        """The logged calls under the logs' prefix counted as Bedrock takes them; the prefix through the one
        rule for a user's URI first (an allowed bucket)."""
        user_uri(logs.s3_uri, self._config.allowed_buckets)
        return scan_logs(self._objects.list(logs.s3_uri), self._objects.open, logs, teacher, keep_pairs=keep_pairs)

    def _check_logs(
        self, logs: InvocationLogs, family: Family, teacher: str | None, problems: list[str], epochs: int
    ) -> DataCheck:
        """Invocation logs as the training data: the calls the filter picks that Bedrock can use, counted
        against the student's limits (100 to 15,000 prompts)."""
        try:
            scan = self.scan_logs(logs, teacher if logs.use_prompt_response else None)
        except (InvalidRequest, ObjectStoreError) as exc:
            return DataCheck(problems=(*problems, f"Training Data Source, InvocationLogs: {exc}"))
        report = logs_report(scan, family)
        problems += [f"Training Data Source, InvocationLogs: {p}" for p in check_record_totals(report, None, family)]
        if scan.files == 0:
            problems.append(
                f"Training Data Source, InvocationLogs: no log files under {logs.s3_uri} "
                "(is invocation logging on, and delivering to this bucket?)."
            )
        return DataCheck(training=report, problems=tuple(problems), warnings=(scan.in_words(logs),), epochs=epochs)

    @contextmanager
    def opened(self, source: DataInput) -> Iterator[BinaryIO]:
        """A data source read: an upload, or an S3 URI through the one rule for a user's URI first."""
        if isinstance(source, Upload):
            with source.reading() as stream:
                yield stream
            return
        user_uri(source, self._config.allowed_buckets)
        with self._objects.open(source) as stream:
            yield stream

    def _validate(self, source: DataInput, family: Family, kind: DatasetKind) -> DatasetReport:
        if isinstance(source, Upload):
            if not source.name.lower().endswith(".jsonl"):
                raise InvalidRequest(f"{source.name!r} is not a .jsonl file.")
            with source.reading() as stream:
                return validate_stream(stream, family, kind, source.size)
        user_uri(source, self._config.allowed_buckets)
        size = self._objects.size(source)
        if size is None:
            raise InvalidRequest(f"{source} does not exist (or is not readable by Model Studio).")
        with self._objects.open(source) as stream:
            return validate_stream(stream, family, kind, size)

    # ---- create ---------------------------------------------------------------------------
