"""A model's lineage: tuning a completed custom model further (Bedrock's baseModelIdentifier is then the custom
model's ARN, in its own region, by supervised fine-tuning), and the chain from the foundation model to a model
that the pages and the API show. The foundation model at the root keeps deciding the data rules, hyperparameters,
prices and serving of every model of the lineage."""

from __future__ import annotations

from collections.abc import Callable

from services.customization.common import NewCustomModel
from services.customization.methods import FINE_TUNING, Method
from services.domain.actions import Action, custom_subject, decide
from services.domain.custom import CustomModel
from services.domain.models import ModelRecord
from services.ports import CatalogStore

FURTHER_URL = "https://docs.aws.amazon.com/bedrock/latest/userguide/custom-model-fine-tuning.html"
MAX_DEPTH = 50  # a lineage longer than this is cut (and a cycle cannot loop)


def further_problems(
    request: NewCustomModel, parent: CustomModel, method: Method, catalog: CatalogStore
) -> tuple[ModelRecord | None, list[str]]:
    """The foundation model at the root of ``parent``'s lineage, and why ``parent`` cannot be tuned further
    by this request: its job has not completed, another method, another region."""
    problems: list[str] = []
    decision = decide(Action.TUNE_FURTHER, custom_subject(parent))
    if not decision:
        problems.append(f"Base Model: {decision.reason}")
    if method is not FINE_TUNING:
        problems.append(
            f"Base Model: {parent.name} is a custom model; Bedrock tunes a custom model further by supervised "
            f'fine-tuning ("You can further fine tune an existing custom model", {FURTHER_URL}); '
            f"{method.label.lower()} starts from a base model."
        )
    if request.region and request.region != parent.region:
        problems.append(
            f"Region: {parent.name} lives in {parent.region}; a model is tuned further in its own region, "
            f"not {request.region}."
        )
    root = catalog.get_model(parent.base_model_id)
    if root is None:
        problems.append(f"Base Model: {parent.name}'s base model {parent.base_model_id} is not in the catalog.")
    return root, problems


def lineage(model: CustomModel, get: Callable[[str], CustomModel | None]) -> list[tuple[str, str]]:
    """(id, name) from the foundation model to ``model``: its base, each custom model it was tuned further from
    (a deleted one as "deleted"), then itself."""
    chain: list[tuple[str, str]] = [(model.id, model.name)]
    parent_id, seen = model.parent_model_id, {model.id}
    while parent_id and parent_id not in seen and len(chain) < MAX_DEPTH:
        seen.add(parent_id)
        parent = get(parent_id)
        if parent is None:
            chain.append((parent_id, "deleted"))
            break
        chain.append((parent.id, parent.name))
        parent_id = parent.parent_model_id
    chain.append((model.base_model_id, model.base_model_name))
    return chain[::-1]
