"""Which outside systems Model Studio talks to, chosen by the settings: the embedded local backend
(the snapshot, a control plane on disk, the simulation) or real AWS and OpenAI (boto3 clients per
region, the OpenAI SDK, CloudWatch, the Price List). Only the composition root (bootstrap) asks."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.adapters.local_catalog import BUNDLED_SNAPSHOT, LocalBedrockCatalog, LocalOpenAICatalog
from services.costs.idle import InvocationSource
from services.domain.calls import ChatRequest, Reply, Target
from services.domain.models import Provider
from services.notices.dispatch import Dispatcher
from services.notices.subscriptions import Subscriptions
from services.ports import (
    BatchInference,
    CatalogSource,
    CustomizationBackend,
    GraderRunner,
    InferenceBackend,
    NoticeStore,
    ObjectStore,
    PriceListSource,
)
from services.settings import Settings

Sources = Mapping[Provider, CatalogSource | None]
Backends = Mapping[str, CustomizationBackend]


@dataclass(frozen=True)
class Outside:
    """The adapters of one mode: where models are listed, data kept, jobs run, models answer."""

    sources: Sources
    objects: ObjectStore
    backend: Backends
    models: Mapping[Provider, InferenceBackend]
    price_list: PriceListSource | None = None
    invocations: InvocationSource | None = None  # None: the calls Model Studio counted (local mode)
    graders: GraderRunner | None = None  # runs RFT graders for Test grader (and the simulation's rewards)
    profiles: Callable[[str], Mapping[str, Sequence[str]] | None] | None = None  # ListInferenceProfiles (aws)
    batch: Mapping[str, BatchInference] | None = None  # Bedrock batch inference per region (evaluations)


def outside_systems(
    settings: Settings, *, objects: ObjectStore | None, session: Any | None, clock: Callable[[], datetime]
) -> Outside:
    """The local backend, or AWS and OpenAI (``session``: the boto3 session every aws adapter uses)."""
    if settings.backend == "local":
        sources, local_objects, backend = _local(settings, objects, clock)
        answers = _local_inference(settings, local_objects, backend)
        models = {Provider.BEDROCK: answers, Provider.OPENAI: answers}
        batch = _local_batch(settings, local_objects, answers, clock)
        return Outside(sources, local_objects, backend, models, graders=_graders(settings, None), batch=batch)
    import boto3

    session = session or boto3.Session()
    sources, aws_objects, backend, prices = _aws(settings, session)
    return Outside(
        sources,
        objects if objects is not None else aws_objects,
        backend,
        _aws_inference(settings, session),
        prices,
        _cloudwatch(settings, session),
        _graders(settings, session),
        _profiles(settings, session),
        _aws_batch(settings, session),
    )


def _profiles(settings: Settings, session: Any) -> Callable[[str], Mapping[str, Sequence[str]] | None]:
    """The system-defined inference profiles Bedrock lists in each region (cached: ListInferenceProfiles)."""
    from services.adapters.bedrock_catalog import BedrockProfiles

    config = _aws_config(settings)
    clients = {r: session.client("bedrock", region_name=r, config=config) for r in settings.aws_regions}
    return BedrockProfiles(lambda region: clients[region]).listed


def _graders(settings: Settings, session: Any | None) -> GraderRunner:
    """Built-in and loopback graders; with a boto3 session (aws mode), Lambda graders too."""
    from services.adapters.graders import GraderClient

    if session is None:
        return GraderClient(timeout_seconds=settings.provider_timeout_seconds)
    config = _aws_config(settings)
    clients = {r: session.client("lambda", region_name=r, config=config) for r in settings.aws_regions}
    return GraderClient(lambda region: clients[region], timeout_seconds=settings.provider_timeout_seconds)


def _aws_config(settings: Settings) -> Any:
    from botocore.config import Config

    return Config(
        connect_timeout=settings.provider_timeout_seconds,
        read_timeout=settings.provider_timeout_seconds,
        retries={"mode": "adaptive", "max_attempts": 4},
    )


def _openai(settings: Settings, api_key: str) -> Any:
    """An OpenAI SDK client for OpenAI itself (or the compatible endpoint set)."""
    import openai

    return openai.OpenAI(
        api_key=api_key, base_url=settings.openai_base_url, timeout=settings.provider_timeout_seconds, max_retries=2
    )


def _aws_inference(settings: Settings, session: Any) -> dict[Provider, InferenceBackend]:
    """Bedrock Runtime per region (a base model is called in the jobs' region), OpenAI with a key."""

    from services.adapters.bedrock_runtime import BedrockRuntime
    from services.adapters.openai_chat import OpenAIChat

    config = _aws_config(settings)
    runtimes = {r: session.client("bedrock-runtime", region_name=r, config=config) for r in settings.aws_regions}
    backends: dict[Provider, InferenceBackend] = {
        Provider.BEDROCK: BedrockRuntime(lambda region: runtimes[region or settings.job_region])
    }
    if settings.openai_api_key is not None:
        backends[Provider.OPENAI] = OpenAIChat(
            settings.openai_base_url, settings.openai_api_key.get_secret_value(),
            timeout=settings.provider_timeout_seconds, retries=2,
        )  # fmt: skip
    return backends


def _local_batch(
    settings: Settings, objects: ObjectStore, answers: InferenceBackend, clock: Callable[[], datetime]
) -> Mapping[str, BatchInference]:
    """The simulation's batch jobs: each record answered as the simulation answers a call."""
    from services.adapters.local_batch import LocalBatch

    def answer(model_id: str, request: ChatRequest) -> Reply:
        return answers.chat(Target(model_id, model_id, Provider.BEDROCK, model_id), request)

    return {
        region: LocalBatch(
            settings.data_dir / "local-bedrock",
            objects,
            answer,
            region=region,
            seconds=settings.sim_throughput_seconds,
            clock=lambda: clock().timestamp(),
        )
        for region in settings.aws_regions
    }


def _aws_batch(settings: Settings, session: Any) -> Mapping[str, BatchInference]:
    from services.adapters.bedrock_batch import BedrockBatch

    config = _aws_config(settings)
    return {r: BedrockBatch(session.client("bedrock", region_name=r, config=config)) for r in settings.aws_regions}


def _local_inference(settings: Settings, objects: ObjectStore, backend: Backends | None = None) -> InferenceBackend:
    """The simulation, or a local OpenAI-compatible server (STUDIO_LOCAL_INFERENCE_URL) for real answers. The
    simulation logs its Bedrock calls where the local control plane's invocation logging says (``backend``)."""
    if settings.local_inference_url is None:
        from services.adapters.local_inference import LocalInference

        def logging(region: str | None) -> str | None:
            plane = (backend or {}).get(region or settings.aws_regions[0])
            return plane.logging_destination() if plane is not None else None

        return LocalInference(objects, delay_seconds=settings.sim_inference_seconds, logging=logging)
    from services.adapters.openai_chat import OpenAIChat

    return OpenAIChat(
        settings.local_inference_url, "local", settings.local_inference_model, timeout=settings.provider_timeout_seconds
    )


def _aws(settings: Settings, session: Any) -> tuple[Sources, ObjectStore, Backends, PriceListSource]:

    from services.adapters.aws_price_list import AwsPriceList
    from services.adapters.bedrock_catalog import BedrockCatalog
    from services.adapters.bedrock_customization import BedrockCustomization
    from services.adapters.object_store import S3ObjectStore
    from services.adapters.openai_catalog import OpenAICatalog

    config = _aws_config(settings)
    bedrock = BedrockCatalog({r: session.client("bedrock", region_name=r, config=config) for r in settings.aws_regions})
    openai_source: CatalogSource | None = None
    if settings.openai_api_key is not None:
        openai_source = OpenAICatalog(_openai(settings, settings.openai_api_key.get_secret_value()))
    objects = S3ObjectStore(session.client("s3", region_name=settings.job_region, config=config))
    backend = {  # one client per region: a job and everything about it is addressed in its region
        r: BedrockCustomization(session.client("bedrock", region_name=r, config=config)) for r in settings.aws_regions
    }
    prices = AwsPriceList(session.client("pricing", region_name="us-east-1", config=config))  # the API's home
    return {Provider.BEDROCK: bedrock, Provider.OPENAI: openai_source}, objects, backend, prices


def _local(
    settings: Settings, objects: ObjectStore | None, clock: Callable[[], datetime]
) -> tuple[Sources, ObjectStore, Backends]:
    from services.adapters.local_bedrock import LocalBedrock
    from services.adapters.object_store import LocalObjectStore

    if objects is None:
        local = LocalObjectStore(settings.data_dir)
        local.clean_stale_uploads()  # what a process killed mid-upload left behind
        objects = local
    backend: Backends = {  # one control plane per region, sharing its state (names are unique)
        region: LocalBedrock(
            settings.data_dir / "local-bedrock",
            objects,
            region=region,
            job_seconds=settings.sim_job_seconds,
            throughput_seconds=settings.sim_throughput_seconds,
            clock=lambda: clock().timestamp(),  # the simulation runs on the services' clock
        )
        for region in settings.aws_regions
    }
    return snapshot_sources(settings), objects, backend


def snapshot_sources(settings: Settings) -> Sources:
    snapshot = settings.catalog_snapshot or BUNDLED_SNAPSHOT
    return {
        Provider.BEDROCK: LocalBedrockCatalog(snapshot, settings.aws_regions),
        Provider.OPENAI: LocalOpenAICatalog(snapshot),
    }


def _cloudwatch(settings: Settings, session: Any) -> InvocationSource:
    from services.adapters.cloudwatch import CloudWatchInvocations

    config = _aws_config(settings)
    clients = {r: session.client("cloudwatch", region_name=r, config=config) for r in settings.aws_regions}
    return CloudWatchInvocations(lambda region: clients.get(region) or clients[settings.job_region])


def dispatcher(settings: Settings, db: NoticeStore, subscriptions: Subscriptions) -> Dispatcher:
    """Notices to the webhooks and, with SMTP set, by e-mail to a model's owner and the admins."""
    from services.adapters.notify import EmailSender, WebhookSender

    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret is not None else None
    webhook = WebhookSender(secret, settings.public_url) if settings.webhook_urls else None
    email = EmailSender(settings.smtp_url, settings.notify_from, settings.public_url) if settings.smtp_url else None
    return Dispatcher(
        db,
        subscriptions,
        webhook=webhook,
        webhook_urls=settings.webhook_urls,
        email=email,
        retry_seconds=settings.notify_retry_seconds,
        attempts=settings.notify_attempts,
    )
