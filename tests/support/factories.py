"""What tests make over and over: the usual base model, training data, uploads."""

from __future__ import annotations

import io
from typing import Any

import orjson

from services.customization import Upload

LLAMA_MODEL_ID = "meta.llama3-1-8b-instruct-v1:0:128k"  # fine-tunable, in every World and the snapshot
LLAMA = f"bedrock:{LLAMA_MODEL_ID}"


def jsonl(n: int = 120, start: int = 0, *, prompt: str = "Q{i}?", completion: str = "A{i}.") -> bytes:
    """``n`` prompt/completion records numbered from ``start`` (``{i}`` in the texts is the number)."""
    return b"".join(
        orjson.dumps({"prompt": prompt.format(i=i), "completion": completion.format(i=i)}) + b"\n"
        for i in range(start, start + n)
    )


def upload(data: bytes, name: str = "train.jsonl") -> Upload:
    return Upload(name, io.BytesIO(data), len(data))


def lite_world(root: Any, monkeypatch: Any, **settings: Any) -> Any:
    """A World on a SQLite store (so notices reach the outbox), with the on-demand variants, the
    catalog synced and Titan Text Lite enabled: where trained_and_served models come from."""
    from tests.support.fakes import ADMIN, World

    monkeypatch.setenv("STUDIO_TEST_WORLD_DATABASE_URL", "sqlite")
    world = World(root, on_demand=True, **settings)
    world.catalog.sync(actor=ADMIN)
    world.catalog.enable("bedrock:amazon.titan-text-lite-v1:0:4k", actor=ADMIN)
    return world


def trained_and_served(
    world: Any, name: str = "coder", validation: bytes | None = None, base: str = "", owner: Any = None
) -> Any:
    """A custom model of Titan Text Lite trained on 120 "item {i} has code C{i}" records, with
    ``validation`` data, its job completed and its throughput InService: YELLOW, ready to try (by
    ``owner``, who made it: the local admin unless told)."""
    from services.customization import NewCustomModel
    from tests.support.fakes import ADMIN

    owner = owner or ADMIN

    base = base or "bedrock:amazon.titan-text-lite-v1:0:4k"
    training = jsonl(120, prompt="What is the code for item {i}?", completion="Item {i} has code C{i}.")
    model = world.customization.create(
        NewCustomModel(name=name, base_model_id=base),
        upload(training),
        upload(validation, "validation.jsonl") if validation is not None else None,
        actor=owner,
    )
    world.clock.advance(seconds=61)
    world.customization.refresh(model.id)
    world.customization.provision_throughput(model.id, actor=owner)
    world.clock.advance(seconds=11)
    world.customization.refresh(model.id)
    return world.customization.get(model.id)
