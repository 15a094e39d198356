"""Copies of a custom model in another region (CreateModelCopyJob, made in the target region), for the base models
and regions AWS lists (services/domain/copies.py): the copy is a custom model of its own in the target region,
followed like a job (GetModelCopyJob), priced there (its storage) and servable there. Its data, settings and
metrics are its source's; which model it copies is kept (``copied_from``)."""

from __future__ import annotations

import hashlib
import uuid

from services.customization.base import ServiceBase
from services.customization.common import _clear_deployment, _clear_throughput
from services.datasets.specs import ON_DEMAND_REGIONS
from services.domain.actions import Action, custom_subject, require
from services.domain.copies import copy_problem
from services.domain.custom import CustomModel, JobStatus
from services.domain.errors import InvalidRequest, ModelNotFound
from services.domain.identity import Actor
from services.domain.names import bedrock_name


class Copies(ServiceBase):
    def copy(self, model_id: str, region: str, *, actor: Actor) -> CustomModel:
        """A copy of a completed custom model in ``region``, by its owner or an admin; nothing is made when Bedrock
        refuses (the copy's record is rolled back)."""
        source = self.get(model_id)
        row = self._catalog.get_model(source.id)
        base = self._catalog.get_model(source.base_model_id)
        if row is None or base is None:
            raise ModelNotFound(f"{source.name}: its catalog row or base model is missing; sync the catalog.")
        require(Action.COPY, custom_subject(source, now=self._clock()), actor)
        problem = copy_problem(
            source.base_model_id, source.base_model_name, source.region, region, self._config.job_regions
        )
        if problem:
            raise InvalidRequest(problem)
        assert source.custom_model_arn
        name = self._free_name(source.name, region)
        now = self._clock()
        token = hashlib.sha256(f"copy/{source.id}/{region}/{name}".encode()).hexdigest()[:32]
        copy = source.model_copy(
            update={
                "id": f"custom:{uuid.uuid4().hex[:16]}", "name": name, "region": region,
                "description": f"A copy of {source.name} ({source.region})", "copied_from": source.id,
                "job_name": f"{name}-copy", "client_token": token, "job_arn": None,
                "job_status": JobStatus.SUBMITTING, "job_stage": None, "custom_model_arn": None,
                "job_end_time": None, "deployable": source.deployable and region in ON_DEMAND_REGIONS,
                "created_by": actor.id, "created_at": now, "updated_at": now, "version": 1, "enabled": False,
                "failure_message": None,
            }
            | _clear_throughput()
            | _clear_deployment()  # a copy starts unserved
        )  # fmt: skip
        return self._made_at_bedrock(
            copy,
            base,
            actor,
            "copy",
            f"from {source.name} in {source.region}",
            f"CreateModelCopyJob in {region}",
            lambda: self._backend(region).create_copy_job(source.custom_model_arn or "", name, token),
        )

    def _free_name(self, name: str, region: str) -> str:
        stem = bedrock_name(f"{name}-{region}", "")[:63].rstrip("-_")
        found, n = stem, 2
        while self._store.name_taken(found):
            suffix = f"-{n}"
            found, n = stem[: 63 - len(suffix)] + suffix, n + 1
        return found
