"""Endpoints: the throughputs and on-demand deployments of custom models as things of their own, with a name, a
kind, a region, the ARN callers keep, the model they serve now and their history. Create one for a model (or find
the ones made as a model's throughput or deployment: they are endpoints too), promote another custom model of the
same base behind the same ARN (Bedrock's UpdateCustomModelDeployment / UpdateProvisionedModelThroughput), roll
back to the one before, delete it. The custom model records stay the one truth of what serves what (their lights
and the gateway read them); this service moves a way to serve between them through the customization service,
which owns them, and keeps each endpoint's history."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import datetime

from services.customization import CustomizationService
from services.domain.actions import Action, role_refusal
from services.domain.custom import CustomModel
from services.domain.endpoints import Endpoint, EndpointEvent, EndpointKind, promote_problem
from services.domain.errors import ConcurrentUpdate, Forbidden, InvalidRequest, ModelNotFound, TransitionNotAllowed
from services.domain.generations import ENDPOINTS, Generations, Kept
from services.domain.identity import Actor
from services.ports import EndpointStore

NAME = re.compile(r"([0-9a-zA-Z][_-]?){1,63}")  # botocore: a deployment's and a throughput's name


class EndpointService:
    def __init__(
        self, store: EndpointStore, customization: CustomizationService, clock: Callable[[], datetime]
    ) -> None:
        self._store = store
        self._custom = customization
        self._clock = clock
        self._kept = Kept(lambda: {e.id: e for e in store.list_endpoints()})  # the gateway's read of endpoints

    def _now(self) -> datetime:
        return self._clock()

    # ---- reading ----------------------------------------------------------------------------------
    def endpoints(self) -> list[tuple[Endpoint, CustomModel | None]]:
        """Every live endpoint and the model it serves now (None: it serves none at the moment)."""
        models = self._custom.list()
        self._register(models)
        return [(e, self._current(e, models)) for e in self._store.list_endpoints() if e.deleted_at is None]

    def get(self, endpoint_id: str) -> tuple[Endpoint, CustomModel | None]:
        models = self._custom.list()
        self._register(models)
        endpoint = self._store.get_endpoint(endpoint_id)
        if endpoint is None:
            raise ModelNotFound(f"No endpoint with id {endpoint_id!r}.")
        return endpoint, self._current(endpoint, models)

    def serving_model(self, endpoint_id: str, generations: Generations) -> str:
        """The custom model an endpoint serves now (the gateway calls it, under the same rules as by its own id),
        from memory as of ``generations``."""
        endpoint = self._kept.at(generations[ENDPOINTS]).get(endpoint_id)
        if endpoint is None or endpoint.deleted_at is not None:
            raise ModelNotFound(f"No endpoint with id {endpoint_id!r}.")
        current = self._current(endpoint, self._custom.list_at(generations))
        if current is None:
            raise ModelNotFound(f"Endpoint {endpoint.name} serves no model now.")
        return current.id

    def candidates(self, endpoint_id: str) -> list[CustomModel]:
        """The custom models that could be promoted behind the endpoint now (the same base and region, completed,
        free to take this way to serve), newest first."""
        endpoint, current = self.get(endpoint_id)
        found = [m for m in self._custom.list() if promote_problem(endpoint, current, m) is None]
        return sorted(found, key=lambda m: m.created_at, reverse=True)

    @staticmethod
    def _current(endpoint: Endpoint, models: list[CustomModel]) -> CustomModel | None:
        return next((m for m in models if endpoint.serves(m)), None) if endpoint.deleted_at is None else None

    def _register(self, models: list[CustomModel]) -> None:
        """A model's throughput or deployment made before endpoints, or through the model's own page, is an
        endpoint too: recorded once, with its creation as the first event."""
        known = self._store.list_endpoints()
        for model in models:
            for kind, name, arn, since in (
                (EndpointKind.THROUGHPUT, model.throughput_name, model.throughput_arn, model.throughput_since),
                (EndpointKind.ON_DEMAND, model.deployment_name, model.deployment_arn, model.deployment_since),
            ):
                if name is None or any(e.kind is kind and e.deleted_at is None and e.serves(model) for e in known):
                    continue
                at = since or model.updated_at
                endpoint = Endpoint(
                    id=_endpoint_id(model.region, kind, name),
                    name=name, kind=kind, region=model.region, arn=arn, created_by=model.created_by or "",
                    created_at=at, updated_at=at,
                    history=(EndpointEvent(at=at, action="create", model_id=model.id, model_name=model.name,
                                           actor_id=model.created_by or ""),),
                )  # fmt: skip
                if self._store.get_endpoint(endpoint.id) is None:
                    self._store.insert_endpoint(endpoint)
                    known.append(endpoint)

    # ---- changes ------------------------------------------------------------------------------------
    def create(
        self,
        kind: EndpointKind,
        model_id: str,
        *,
        actor: Actor,
        name: str | None = None,
        model_units: int = 1,
        commitment: str | None = None,
    ) -> tuple[Endpoint, CustomModel | None]:
        """A new endpoint serving ``model_id``: its throughput or on-demand deployment (the model's rules)."""
        if name is not None and not NAME.fullmatch(name):
            raise InvalidRequest(
                f"Name: {name[:80]!r} is not a Bedrock name: 1-63 letters and digits, each optionally followed by "
                "one '-' or '_'."
            )
        if name is not None and any(e.name == name and e.deleted_at is None for e in self._store.list_endpoints()):
            raise InvalidRequest(f"Name: an endpoint named {name!r} exists.")
        if kind is EndpointKind.THROUGHPUT:
            model = self._custom.provision_throughput(
                model_id, model_units, actor=actor, name=name, commitment=commitment
            )
        else:
            model = self._custom.deploy(model_id, actor=actor, name=name)
        self._register([model])
        found = next(e for e in self._store.list_endpoints() if e.deleted_at is None and e.serves(model))
        return found, model

    def promote(
        self, endpoint_id: str, model_id: str, *, actor: Actor, action: str = "promote"
    ) -> tuple[Endpoint, CustomModel]:
        """Serve ``model_id`` behind the endpoint (the same ARN): another completed custom model of the same base
        in the same region, free to take this way to serve; by whoever may change both models (owners, admins)."""
        endpoint, current = self.get(endpoint_id)
        candidate = self._custom.refresh(model_id)
        problem = promote_problem(endpoint, current, candidate)
        if problem:
            raise TransitionNotAllowed(problem)
        assert current is not None and candidate.custom_model_arn and endpoint.arn
        losing = Action.REMOVE_THROUGHPUT if endpoint.kind is EndpointKind.THROUGHPUT else Action.REMOVE_DEPLOYMENT
        refused = role_refusal(losing, self._custom.subject(current), actor)  # it stops serving the current model
        if refused:  # (a term that runs does not stop a promotion: the throughput goes on, serving another model)
            raise Forbidden(refused)
        gaining = Action.PROVISION if endpoint.kind is EndpointKind.THROUGHPUT else Action.DEPLOY
        refused = role_refusal(gaining, self._custom.subject(candidate), actor)
        if refused:
            raise Forbidden(refused)
        _, taken = self._custom.serving.move(
            endpoint.kind, endpoint.arn, current.id, candidate.id, actor=actor, action=action, endpoint=endpoint.name
        )
        event = EndpointEvent(
            at=self._now(), action=action, model_id=candidate.id, model_name=candidate.name, actor_id=actor.id,
            detail=f"was {current.name}",
        )  # fmt: skip
        return self._append(endpoint_id, event), taken

    def rollback(self, endpoint_id: str, *, actor: Actor) -> tuple[Endpoint, CustomModel]:
        """Serve again the model served before the current one."""
        endpoint, current = self.get(endpoint_id)
        previous = endpoint.previous_model(current.id if current else None)
        if previous is None:
            raise TransitionNotAllowed(f"Endpoint {endpoint.name} has served no other model to roll back to.")
        try:
            self._custom.get(previous)
        except ModelNotFound:
            raise TransitionNotAllowed(
                f"Endpoint {endpoint.name} served {previous} before, which was deleted; promote another model."
            ) from None
        return self.promote(endpoint_id, previous, actor=actor, action="rollback")

    def delete(self, endpoint_id: str, *, actor: Actor) -> Endpoint:
        """Remove the throughput or deployment (the model it serves turns RED unless another way serves it)."""
        endpoint, current = self.get(endpoint_id)
        if endpoint.deleted_at is not None:
            raise TransitionNotAllowed(f"Endpoint {endpoint.name} was deleted already.")
        if current is not None:
            if endpoint.kind is EndpointKind.THROUGHPUT:
                self._custom.remove_throughput(current.id, actor=actor)
            else:
                self._custom.remove_deployment(current.id, actor=actor)
        event = EndpointEvent(
            at=self._now(), action="delete", model_id=current.id if current else "", actor_id=actor.id,
            model_name=current.name if current else "",
        )  # fmt: skip
        return self._append(endpoint_id, event, deleted=True)

    def _append(self, endpoint_id: str, event: EndpointEvent, *, deleted: bool = False) -> Endpoint:
        for _ in range(5):
            found = self._store.get_endpoint(endpoint_id)
            assert found is not None
            changes: dict[str, object] = {"history": (*found.history, event), "updated_at": event.at}
            if deleted:
                changes["deleted_at"] = event.at
            try:
                return self._store.update_endpoint(endpoint_id, found.version, **changes)
            except ConcurrentUpdate:
                continue
        raise ConcurrentUpdate("The endpoint kept changing meanwhile; reload the page.")


def _endpoint_id(region: str, kind: EndpointKind, name: str) -> str:
    """Stable across replicas: the same throughput or deployment is the same endpoint."""
    return "endpoint:" + hashlib.sha256(f"{region}/{kind}/{name}".encode()).hexdigest()[:16]
