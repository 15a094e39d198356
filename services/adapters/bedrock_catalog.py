"""Bedrock base models from ListFoundationModels, in every configured region.

The parser is shared with the local backend, which serves a bundled snapshot of the
same response shape, so both go through one code path.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from services.domain.errors import ProviderDataError, ProviderUnavailable, summarize
from services.domain.models import Lifecycle, Provider, ProviderModel

# Bedrock's metadata has no "chat" flag. Text models whose id contains one of these
# markers accept the Converse/messages form. Easy to correct: it is only data.
CHAT_ID_MARKERS = (
    "claude",
    "instruct",
    "nova-micro",
    "nova-lite",
    "nova-pro",
    "nova-premier",
    "nova-2-lite",
    "command-r",
    "jamba",
    "mistral-large",
    "mistral-small",
    "pixtral",
    "deepseek",
    "chat",
)

_REQUIRED = ("modelId", "modelArn")


def _strings(record: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = record.get(key, [])
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ProviderDataError(f"{where}: field {key!r} should be a list of strings, got {value!r}.")
    return tuple(value)


def parse_foundation_models(region: str, response: Mapping[str, Any]) -> list[ProviderModel]:
    """Turn one region's ListFoundationModels response into ProviderModels.

    Any record missing a required field makes the whole response unusable: a partial
    list would make a sync think the missing models are gone."""
    summaries = response.get("modelSummaries")
    if not isinstance(summaries, list):
        raise ProviderDataError(f"Bedrock {region}: the response has no 'modelSummaries' list.")
    out = []
    for index, record in enumerate(summaries):
        where = f"Bedrock {region}, model #{index + 1}"
        if not isinstance(record, Mapping):
            raise ProviderDataError(f"{where}: not an object.")
        missing = [key for key in _REQUIRED if not record.get(key)]
        if missing:
            shown = record.get("modelId") or record.get("modelName") or "?"
            raise ProviderDataError(f"{where} ({shown}): missing field(s) {', '.join(missing)}.")
        model_id = str(record["modelId"])
        where = f"Bedrock {region}, {model_id}"
        lifecycle_raw = (record.get("modelLifecycle") or {}).get("status", "ACTIVE")
        try:
            lifecycle = Lifecycle(lifecycle_raw)
        except ValueError:
            raise ProviderDataError(f"{where}: unknown lifecycle status {lifecycle_raw!r}.") from None
        outputs = _strings(record, "outputModalities", where)
        streaming = record.get("responseStreamingSupported")
        out.append(
            ProviderModel(
                provider=Provider.BEDROCK,
                model_id=model_id,
                name=str(record.get("modelName") or model_id),
                vendor=str(record.get("providerName") or "Unknown"),
                arn=str(record["modelArn"]),
                input_modalities=_strings(record, "inputModalities", where),
                output_modalities=outputs,
                customizations=_strings(record, "customizationsSupported", where),
                inference_types=_strings(record, "inferenceTypesSupported", where),
                streaming=bool(streaming) if streaming is not None else None,
                chat="TEXT" in outputs and any(m in model_id.lower() for m in CHAT_ID_MARKERS),
                lifecycle=lifecycle,
                regions=(region,),
            )
        )
    return out


def merge_regions(per_region: Iterable[list[ProviderModel]]) -> list[ProviderModel]:
    """One record per model id, with every region it was seen in (ARN of the first region)."""
    merged: dict[str, ProviderModel] = {}
    for models in per_region:
        for model in models:
            old = merged.get(model.model_id)
            if old is None:
                merged[model.model_id] = model
            else:
                regions = tuple(sorted(set(old.regions) | set(model.regions)))
                merged[model.model_id] = old.model_copy(update={"regions": regions})
    return list(merged.values())


class BedrockCatalog:
    """CatalogSource over boto3 ``bedrock`` clients, one per region."""

    provider = Provider.BEDROCK

    def __init__(self, clients: Mapping[str, Any]) -> None:
        if not clients:
            raise ValueError("at least one region's client is needed")
        self._clients = dict(clients)

    def fetch(self) -> list[ProviderModel]:
        per_region = []
        for region, client in self._clients.items():
            try:
                response = client.list_foundation_models()
            except ClientError as exc:
                error = exc.response.get("Error", {})
                raise ProviderUnavailable(
                    f"ListFoundationModels in {region} failed: {error.get('Code', 'Error')}: "
                    f"{summarize(str(error.get('Message', str(exc))))}"
                ) from exc
            except BotoCoreError as exc:
                raise ProviderUnavailable(f"ListFoundationModels in {region} failed: {summarize(str(exc))}") from exc
            per_region.append(parse_foundation_models(region, response))
        return merge_regions(per_region)


class BedrockProfiles:
    """The system-defined cross-Region inference profiles Bedrock lists in a region (ListInferenceProfiles), as
    model id -> profile ids, kept for ``ttl_seconds`` (the gateway asks on every call to a profile-only model). A
    region whose listing fails gives None for a minute: the caller then takes the region's own geography."""

    def __init__(
        self,
        client_for: Callable[[str], Any],
        ttl_seconds: float = 900.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client_for = client_for
        self._ttl = ttl_seconds
        self._clock = clock
        self._cache: dict[str, tuple[float, dict[str, tuple[str, ...]] | None]] = {}
        self._lock = threading.Lock()

    def listed(self, region: str) -> dict[str, tuple[str, ...]] | None:
        with self._lock:
            found = self._cache.get(region)
            if found is not None and found[0] > self._clock():
                return found[1]
        try:
            listed: dict[str, tuple[str, ...]] | None = self._list(region)
            until = self._clock() + self._ttl
        except (ClientError, BotoCoreError):
            listed, until = None, self._clock() + 60.0
        with self._lock:
            self._cache[region] = (until, listed)
        return listed

    def _list(self, region: str) -> dict[str, tuple[str, ...]]:
        client = self._client_for(region)
        out: dict[str, list[str]] = {}
        token: str | None = None
        for _ in range(100):  # pages
            page = client.list_inference_profiles(
                typeEquals="SYSTEM_DEFINED", maxResults=1000, **({"nextToken": token} if token else {})
            )
            for profile in page.get("inferenceProfileSummaries", []):
                if profile.get("status", "ACTIVE") != "ACTIVE" or not profile.get("inferenceProfileId"):
                    continue
                for model in profile.get("models", []):
                    model_id = str(model.get("modelArn", "")).rsplit("/", 1)[-1]
                    if model_id and profile["inferenceProfileId"] not in out.setdefault(model_id, []):
                        out[model_id].append(profile["inferenceProfileId"])
            token = page.get("nextToken")
            if not token:
                break
        return {k: tuple(v) for k, v in out.items()}
