"""Moving a way to serve from one custom model to another: after Bedrock serves another model behind an endpoint
(services/serving/endpoints.py), the model it left loses its throughput or deployment (and stays enabled only if
another way still serves it) and the one it serves gains it, each write with its audit event. The endpoint's ARN
and name do not change; a throughput's cost interval closes on the model it left and opens on the new one."""

from __future__ import annotations

from services.customization.base import ServiceBase
from services.customization.common import _clear_deployment, _clear_throughput, _still_enabled
from services.domain.custom import CustomModel, ThroughputStatus
from services.domain.endpoints import EndpointKind
from services.domain.identity import Actor


class ServingMoves(ServiceBase):
    def move(
        self,
        kind: EndpointKind,
        arn: str,
        current_id: str,
        candidate_id: str,
        *,
        actor: Actor,
        action: str,
        endpoint: str,
    ) -> tuple[CustomModel, CustomModel]:
        """Have Bedrock serve ``candidate_id`` behind ``arn`` (UpdateProvisionedModelThroughput's desiredModelId or
        UpdateCustomModelDeployment's modelArn), then record it: (the model left, the model now served)."""
        source = self.get(current_id)
        candidate = self.get(candidate_id)
        assert candidate.custom_model_arn
        backend = self._backend(source.region)
        if kind is EndpointKind.THROUGHPUT:
            backend.update_throughput(arn, candidate.custom_model_arn)
        else:
            backend.update_deployment(arn, candidate.custom_model_arn)
        now = self._clock()
        throughput = kind is EndpointKind.THROUGHPUT
        if throughput:
            gained: dict[str, object] = {
                "throughput_name": source.throughput_name, "throughput_arn": source.throughput_arn,
                "throughput_status": ThroughputStatus.UPDATING, "model_units": source.model_units,
                "throughput_commitment": source.throughput_commitment,
                "throughput_since": now, "throughput_failure": None,
            }  # fmt: skip
        else:
            gained = {
                "deployment_name": source.deployment_name, "deployment_arn": source.deployment_arn,
                "deployment_status": source.deployment_status, "deployment_since": now, "deployment_failure": None,
            }  # fmt: skip

        def leave(model: CustomModel) -> CustomModel:
            ended = None
            if throughput and model.throughput_since is not None and model.model_units:
                ended = (model.model_units, model.throughput_since, now, model.throughput_commitment)
            losing = "throughput" if throughput else "deployment"
            changes = (_clear_throughput() if throughput else _clear_deployment()) | {
                "enabled": _still_enabled(model, losing=losing)
            }
            detail = f"{endpoint} now serves {candidate.name}"
            return self._update(model, changes, actor=actor, action=action, detail=detail, closed_throughput=ended)

        def take(model: CustomModel) -> CustomModel:
            detail = f"{endpoint} now serves it (was {source.name})"
            return self._update(model, gained, actor=actor, action=action, detail=detail)

        gave_up = "The model kept changing meanwhile; reload the page: Bedrock serves the new model."
        return self._rewritten(current_id, leave, gave_up), self._rewritten(candidate_id, take, gave_up)
