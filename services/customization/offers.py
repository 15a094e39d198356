"""What the New Model form offers: the base models that offer a method, the teachers of a student, the custom
models one may tune further (and the foundation model whose rules they follow), the regions a job may run in."""

from __future__ import annotations

from services.catalog.service import display_order, to_view
from services.customization.base import ServiceBase
from services.customization.methods import FINE_TUNING, Method
from services.datasets.families import teacher_for
from services.datasets.specs import Family
from services.domain.actions import Action, custom_subject, decide
from services.domain.identity import Actor
from services.domain.models import ModelRecord, ModelType, ModelView, Provider, Status


class Offers(ServiceBase):
    def base_model_choices(self, method: Method = FINE_TUNING) -> list[ModelView]:
        """GREEN Bedrock base models that offer the method and are not LEGACY (DESIGN.md)."""
        views = [to_view(r) for r in self._catalog.list_models()]
        return sorted((v for v in views if v.status is Status.GREEN and method.offered_by(v.record)), key=display_order)

    def teacher_choices(self, student: ModelRecord) -> list[ModelView]:
        """Enabled models that may teach ``student`` in a distillation (AWS's pairs), as called on demand (the
        catalog's variant without a context window)."""
        views = [to_view(r) for r in self._catalog.list_models()]
        return sorted(
            (
                v
                for v in views
                if v.status is Status.GREEN
                and v.record.model_type is ModelType.BASE
                and v.record.provider is Provider.BEDROCK
                and v.record.label == v.record.name
                and (teacher := teacher_for(v.record.model_id)) is not None
                and teacher.teaches(student.model_id)
            ),
            key=display_order,
        )

    @staticmethod
    def family_of(base: ModelRecord | str, method: Method = FINE_TUNING) -> Family | None:
        return method.family(base)

    @property
    def max_model_units(self) -> int:
        return self._config.max_model_units

    def further_choices(self, actor: Actor) -> list[ModelView]:
        """Completed custom models ``actor`` may tune further (their own, or any enabled one; an admin's: all)."""
        out = []
        for custom in self._store.list_custom():
            if decide(Action.TUNE_FURTHER, custom_subject(custom), actor):
                record = self._catalog.get_model(custom.id)
                if record is not None:
                    out.append(to_view(record))
        return sorted(out, key=lambda v: v.record.name.lower())

    def foundation_of(self, base: ModelRecord) -> ModelRecord:
        """The foundation model whose rules a base follows: itself, or a custom model's (tuned further)."""
        custom = self._store.get_custom(base.id) if base.model_type is ModelType.CUSTOM else None
        root = self._catalog.get_model(custom.base_model_id) if custom is not None else None
        return root or base

    def regions_for(self, base: ModelRecord) -> list[str]:
        """The configured regions where ``base`` can be customized (all of them when the catalog
        does not say where it is offered); a custom model is tuned further in its own region."""
        custom = self._store.get_custom(base.id) if base.model_type is ModelType.CUSTOM else None
        if custom is not None:
            return [custom.region]
        configured = list(self._config.job_regions)
        return [r for r in configured if r in base.regions] if base.regions else configured

    def job_region(self, base: ModelRecord, requested: str | None) -> tuple[str | None, str | None]:
        """The region a job on ``base`` runs in, or why there is none: a job, its custom model, its
        throughput and its prices all live in one region where the base model can be customized."""
        allowed = self.regions_for(base)
        if base.model_type is ModelType.CUSTOM and allowed:  # tuned further: where the custom model lives
            if requested and requested not in allowed:
                return (
                    None,
                    f"Region: {base.name} lives in {allowed[0]}; it is tuned further there, not in {requested}.",
                )
            return allowed[0], None
        configured = ", ".join(self._config.job_regions)
        if requested:
            if requested in allowed:
                return requested, None
            where = ", ".join(allowed) or "none of the configured regions"
            return None, (
                f"Region: {base.name} can be customized in {where} (configured: {configured}), not in {requested}."
            )
        if not allowed:
            return None, (
                f"Base Model: {base.name} can be customized only in {', '.join(base.regions)}, and none of them "
                f"is configured (STUDIO_AWS_REGIONS: {configured})."
            )
        return (self._config.region if self._config.region in allowed else allowed[0]), None

    def access_problems(self, region: str, models: dict[str, str]) -> list[str]:
        """What Bedrock says about this account's access to each model a job would use in ``region`` (field ->
        model id: the base model, a teacher), asked before anything is uploaded or paid for."""
        backend = self._backend(region)
        said = ((field, backend.model_access(model_id)) for field, model_id in models.items())
        return [f"{field}: {problem}" for field, problem in said if problem]
