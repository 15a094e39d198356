"""OpenAI models through the official SDK (``client.models.list()``, GET /models).

OpenAI returns only ``id``, ``created`` and ``owned_by`` (and ``shutdown_date`` for
models being retired). Modalities and chat support are inferred from the id with the
rules below: data, easy to correct.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import openai

from services.domain.errors import ProviderDataError, ProviderUnavailable, summarize
from services.domain.models import Lifecycle, Provider, ProviderModel

T, IMG, A, E, V = "TEXT", "IMAGE", "AUDIO", "EMBEDDING", "VIDEO"

# (id prefix, input modalities, output modalities, chat). First match wins, so the more
# specific prefixes come first.
ID_RULES: tuple[tuple[str, tuple[str, ...], tuple[str, ...], bool], ...] = (
    ("text-embedding-", (T,), (E,), False),
    ("omni-moderation", (T, IMG), (T,), False),
    ("text-moderation", (T,), (T,), False),
    ("gpt-image", (T, IMG), (IMG,), False),
    ("dall-e", (T,), (IMG,), False),
    ("sora", (T, IMG), (V,), False),
    ("whisper", (A,), (T,), False),
    ("gpt-4o-transcribe", (A,), (T,), False),
    ("gpt-4o-mini-transcribe", (A,), (T,), False),
    ("gpt-4o-mini-tts", (T,), (A,), False),
    ("tts-", (T,), (A,), False),
    ("gpt-realtime", (T, A), (T, A), True),
    ("gpt-4o-realtime", (T, A), (T, A), True),
    ("gpt-4o-mini-realtime", (T, A), (T, A), True),
    ("gpt-audio", (T, A), (T, A), True),
    ("gpt-4o-audio", (T, A), (T, A), True),
    ("gpt-4o-mini-audio", (T, A), (T, A), True),
    ("gpt-3.5-turbo-instruct", (T,), (T,), False),
    ("gpt-3.5", (T,), (T,), True),
    ("gpt-4-turbo", (T, IMG), (T,), True),
    ("gpt-4-", (T,), (T,), True),
    ("gpt-4", (T, IMG), (T,), True),  # gpt-4o, gpt-4.1, ...
    ("gpt-5", (T, IMG), (T,), True),
    ("chatgpt-", (T, IMG), (T,), True),
    ("o1", (T, IMG), (T,), True),
    ("o3", (T, IMG), (T,), True),
    ("o4", (T, IMG), (T,), True),
    ("davinci-", (T,), (T,), False),
    ("babbage-", (T,), (T,), False),
    ("ft:", (T,), (T,), True),
)

# Base models OpenAI lets you fine-tune (OpenAI fine-tuning guide; not in bedrock-facts.md).
OPENAI_FINE_TUNABLE = frozenset(
    {
        "gpt-4.1-2025-04-14",
        "gpt-4.1-mini-2025-04-14",
        "gpt-4.1-nano-2025-04-14",
        "gpt-4o-2024-08-06",
        "gpt-4o-mini-2024-07-18",
        "gpt-3.5-turbo-0125",
        "gpt-3.5-turbo-1106",
        "davinci-002",
        "babbage-002",
    }
)

_OWNERS_MEANING_OPENAI = {"openai", "system", "openai-internal", "openai-dev"}


def _classify(model_id: str) -> tuple[tuple[str, ...], tuple[str, ...], bool]:
    for prefix, inputs, outputs, chat in ID_RULES:
        if model_id.startswith(prefix):
            return inputs, outputs, chat
    return (), (), False


def parse_openai_models(data: Any) -> list[ProviderModel]:
    """Turn the ``data`` list of GET /models into ProviderModels; any bad record fails all."""
    if not isinstance(data, list):
        raise ProviderDataError("OpenAI: the response has no 'data' list of models.")
    out = []
    for index, record in enumerate(data):
        where = f"OpenAI, model #{index + 1}"
        if not isinstance(record, Mapping):
            raise ProviderDataError(f"{where}: not an object.")
        missing = [k for k in ("id", "created", "owned_by") if record.get(k) in (None, "")]
        if missing:
            shown = f" ({record['id']})" if record.get("id") else ""
            raise ProviderDataError(f"{where}{shown}: missing field(s) {', '.join(missing)}.")
        model_id = str(record["id"])
        try:
            created = datetime.fromtimestamp(int(record["created"]), UTC)
        except (TypeError, ValueError, OverflowError, OSError):
            raise ProviderDataError(
                f"OpenAI, {model_id}: 'created' should be a Unix time, got {record['created']!r}."
            ) from None
        owner = str(record["owned_by"])
        inputs, outputs, chat = _classify(model_id)
        out.append(
            ProviderModel(
                provider=Provider.OPENAI,
                model_id=model_id,
                name=model_id,
                vendor="OpenAI" if owner in _OWNERS_MEANING_OPENAI else owner,
                input_modalities=inputs,
                output_modalities=outputs,
                customizations=("FINE_TUNING",) if model_id in OPENAI_FINE_TUNABLE else (),
                inference_types=("ON_DEMAND",),
                streaming=True if T in outputs and not model_id.startswith("text-") else None,
                chat=chat,
                lifecycle=Lifecycle.LEGACY if record.get("shutdown_date") else Lifecycle.ACTIVE,
                provider_created=created,
            )
        )
    return out


class OpenAICatalog:
    """CatalogSource over the official ``openai`` client."""

    provider = Provider.OPENAI

    def __init__(self, client: openai.OpenAI) -> None:
        self._client = client

    def fetch(self) -> list[ProviderModel]:
        try:
            page = self._client.models.list()
            records: Iterable[Any] = [m.to_dict(warnings=False) for m in page.data]
        except openai.AuthenticationError as exc:
            raise ProviderUnavailable(
                f"OpenAI refused the API key (HTTP 401): check STUDIO_OPENAI_API_KEY. {exc.message}"
            ) from exc
        except openai.APIStatusError as exc:
            raise ProviderUnavailable(f"OpenAI answered HTTP {exc.status_code}: {summarize(exc.message)}") from exc
        except openai.APITimeoutError as exc:
            raise ProviderUnavailable(f"OpenAI did not answer in time at {self._client.base_url}.") from exc
        except openai.APIConnectionError as exc:
            raise ProviderUnavailable(f"Cannot reach OpenAI at {self._client.base_url}: {summarize(str(exc))}") from exc
        except openai.OpenAIError as exc:  # e.g. a body that is not JSON
            raise ProviderDataError(f"OpenAI: unusable response ({summarize(str(exc))}).") from exc
        return parse_openai_models(list(records))
