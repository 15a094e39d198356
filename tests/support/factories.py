"""What tests make over and over: the usual base model, training data, uploads, and a custom model
in any state (``custom_model``), made through the service the way a user makes one."""

from __future__ import annotations

import io
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import orjson

from services.customization import Upload

LLAMA_MODEL_ID = "meta.llama3-1-8b-instruct-v1:0:128k"  # fine-tunable, in every World and the snapshot
LLAMA = f"bedrock:{LLAMA_MODEL_ID}"
NOVA_MICRO = "bedrock:amazon.nova-micro-v1:0:128k"  # fine-tunable in us-east-1, deployable on demand


def jsonl(n: int = 120, start: int = 0, *, prompt: str = "Q{i}?", completion: str = "A{i}.") -> bytes:
    """``n`` prompt/completion records numbered from ``start`` (``{i}`` in the texts is the number)."""
    return b"".join(
        orjson.dumps({"prompt": prompt.format(i=i), "completion": completion.format(i=i)}) + b"\n"
        for i in range(start, start + n)
    )


def nova_jsonl(n: int = 120) -> bytes:
    record = {
        "schemaVersion": "bedrock-conversation-2024",
        "system": [{"text": "Be brief."}],
        "messages": [
            {"role": "user", "content": [{"text": "Hi?"}]},
            {"role": "assistant", "content": [{"text": "Hello."}]},
        ],
    }
    return b"".join(orjson.dumps(record) + b"\n" for _ in range(n))


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


class State(StrEnum):
    """Where ``custom_model`` leaves a model. Each state is reached from the one before it the way a
    user would: create, then the job's time passes (completed), throughput or an on-demand deployment
    is asked for (provisioning, deploying), its time passes (in-service, deployed), an admin enables
    it (enabled). A stopped model is stopped while training."""

    TRAINING = "training"
    STOPPED = "stopped"
    COMPLETED = "completed"
    PROVISIONING = "provisioning"
    IN_SERVICE = "in-service"
    ENABLED = "enabled"
    DEPLOYING = "deploying"
    DEPLOYED = "deployed"


_AFTER = {  # the states each state passes through
    State.TRAINING: (),
    State.STOPPED: (),
    State.COMPLETED: (State.COMPLETED,),
    State.PROVISIONING: (State.COMPLETED, State.PROVISIONING),
    State.IN_SERVICE: (State.COMPLETED, State.PROVISIONING, State.IN_SERVICE),
    State.ENABLED: (State.COMPLETED, State.PROVISIONING, State.IN_SERVICE, State.ENABLED),
    State.DEPLOYING: (State.COMPLETED, State.DEPLOYING),
    State.DEPLOYED: (State.COMPLETED, State.DEPLOYING, State.DEPLOYED),
}


@dataclass
class Served:
    """What ``custom_model`` needs of a World, for services built by ``build_services`` on the embedded
    backend (the bundled catalog: Nova, every region) and a fake clock."""

    services: Any
    clock: Any

    def __post_init__(self) -> None:
        from services.adapters.local_bedrock import STOP_SECONDS

        self.catalog, self.customization = self.services.catalog, self.services.customization
        self.job_seconds = self.services.settings.sim_job_seconds
        self.throughput_seconds = self.services.settings.sim_throughput_seconds
        self.stop_seconds = STOP_SECONDS


def custom_model(
    world: Any,
    state: State | str = State.COMPLETED,
    *,
    name: str = "support-bot",
    base: str = LLAMA,
    data: bytes | None = None,
    validation: bytes | None = None,
    owner: Any = None,
    **request: Any,
) -> Any:
    """A custom model of ``base`` (enabled first if it is not) in ``state``, made through the World's
    (or ``Served``'s)
    services on its clock: the clock moves just past the local control plane's job or throughput time
    (so other models in flight move on too). ``request`` is more of NewCustomModel (hyperparameters,
    description)."""
    from services.customization import NewCustomModel
    from services.domain.models import Status
    from tests.support.fakes import ADMIN

    state, owner = State(state), owner or ADMIN
    if world.catalog.get_model(base).status is not Status.GREEN:
        world.catalog.enable(base, actor=ADMIN)
    model = world.customization.create(
        NewCustomModel(name=name, base_model_id=base, **request),
        upload(data if data is not None else jsonl()),
        upload(validation, "validation.jsonl") if validation is not None else None,
        actor=owner,
    )
    if state is State.STOPPED:
        world.customization.stop(model.id, actor=owner)
        world.clock.advance(seconds=world.stop_seconds + 1)
        return world.customization.refresh(model.id)
    for step in _AFTER[state]:
        if step is State.COMPLETED:
            world.clock.advance(seconds=world.job_seconds + 1)
        elif step is State.PROVISIONING:
            world.customization.provision_throughput(model.id, actor=owner)
        elif step is State.DEPLOYING:
            world.customization.deploy(model.id, actor=owner)
        elif step is State.ENABLED:
            world.catalog.enable(model.id, actor=ADMIN)
        else:  # in service, deployed
            world.clock.advance(seconds=world.throughput_seconds + 1)
        world.customization.refresh(model.id)
    return world.customization.get(model.id)


def trained_and_served(
    world: Any, name: str = "coder", validation: bytes | None = None, base: str = "", owner: Any = None
) -> Any:
    """A custom model of Titan Text Lite trained on 120 "item {i} has code C{i}" records, with
    ``validation`` data, its job completed and its throughput InService: YELLOW, ready to try (by
    ``owner``, who made it: the local admin unless told)."""
    training = jsonl(120, prompt="What is the code for item {i}?", completion="Item {i} has code C{i}.")
    return custom_model(
        world,
        State.IN_SERVICE,
        name=name,
        base=base or "bedrock:amazon.titan-text-lite-v1:0:4k",
        data=training,
        validation=validation,
        owner=owner,
    )


NOVA_2_LITE = "bedrock:amazon.nova-2-lite-v1:0:256k"  # reinforcement fine-tuning (us-east-1)


def rft_jsonl(n: int = 120) -> bytes:
    """``n`` reinforcement fine-tuning records: a sum to work out, and its answer for the grader."""
    return b"".join(
        orjson.dumps(
            {
                "messages": [
                    {"role": "system", "content": "Answer with the number only."},
                    {"role": "user", "content": f"What is {i} plus {i + 7}?"},
                ],
                "reference_answer": {"answer": str(2 * i + 7)},
            }
        )
        + b"\n"
        for i in range(n)
    )


NOVA_PRO = "bedrock:amazon.nova-pro-v1:0"  # a distillation teacher (on demand, us-east-1)


def distill_jsonl(n: int = 120, golden: int = 10, *, turns: int = 1) -> bytes:
    """``n`` distillation prompts (bedrock-conversation-2024): questions about item ``i`` for the teacher to
    answer, the first ``golden`` with the answer wanted (a golden example); ``turns`` user turns each."""
    lines = []
    for i in range(n):
        messages: list[dict[str, object]] = []
        for t in range(turns):
            if t:
                messages.append({"role": "assistant", "content": [{"text": f"Noted, part {t}."}]})
            messages.append({"role": "user", "content": [{"text": f"Which shelf holds parcel {i}, part {t}?"}]})
        if i < golden:
            messages.append({"role": "assistant", "content": [{"text": f"Parcel {i} is on shelf S{i}."}]})
        record = {"schemaVersion": "bedrock-conversation-2024", "system": [{"text": "Be brief."}], "messages": messages}
        lines.append(orjson.dumps(record) + b"\n")
    return b"".join(lines)


def local_services(data_dir: Any, *enabled: str, **settings: Any) -> tuple[Any, Any]:
    """The embedded backend as `make run` builds it, on a clock the test moves: the catalog filled as the server
    starts it, ``enabled`` enabled by the local admin; (services, clock)."""
    from services.bootstrap import build_services
    from services.domain.identity import LOCAL_ADMIN
    from services.settings import load_settings
    from tests.support.fakes import FakeClock

    clock = FakeClock()
    services = build_services(load_settings(data_dir=data_dir, **settings), clock=clock)
    services.start(background=False)
    for model_id in enabled:
        services.catalog.enable(model_id, actor=LOCAL_ADMIN)
    return services, clock
