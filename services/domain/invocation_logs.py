"""Bedrock's model invocation logs as a distillation's data (``trainingDataConfig.invocationLogsConfig``): where
they are, which logged calls to use (request-metadata filters, botocore's shapes and limits), and whether the
logged answers train the student (``usePromptResponse``) or only the prompts, which the teacher answers again.
One function reads a request's source (``parse_invocation_logs``), so the form, the API, Check data and the
simulation agree; ``matches`` says whether a logged call's requestMetadata passes the filter.

A logged call (AWS's ModelInvocationLog, one JSON object per line): ``modelId``, ``input.inputBodyJson`` (the
request: Converse ``messages`` or a model's own body), ``output.outputBodyJson`` and ``requestMetadata`` (the
key-value pairs the caller attached). https://docs.aws.amazon.com/bedrock/latest/userguide/distillation-data-prep-option-2.html
https://docs.aws.amazon.com/bedrock/latest/userguide/model-invocation-logging.html"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

OPTION_2_URL = "https://docs.aws.amazon.com/bedrock/latest/userguide/distillation-data-prep-option-2.html"
LOGGING_URL = "https://docs.aws.amazon.com/bedrock/latest/userguide/model-invocation-logging.html"
# botocore: InvocationLogSource.s3Uri (1-1024), RequestMetadataMap keys 1-256 and values 0-256 in this alphabet,
# exactly one pair per map; andAll / orAll lists of 1-16 such base filters
LOG_URI = re.compile(r"s3://[a-z0-9][-.a-z0-9]{1,61}[a-z0-9](?:/[-!_*'().a-z0-9A-Z]+(?:/[-!_*'().a-z0-9A-Z]+)*)?/?")
META_KEY = re.compile(r"[a-zA-Z0-9\s._:/=+$@-]{1,256}")
META_VALUE = re.compile(r"[a-zA-Z0-9\s._:/=+$@-]{0,256}")
MAX_FILTERS = 16
FILTER_KINDS = {"Equals": "equals", "NotEquals": "notEquals", "AndAll": "andAll", "OrAll": "orAll"}
MIN_PROMPTS = 100  # "at least 100 prompt-response pairs" (OPTION_2_URL)
MAX_PROMPTS = 15_000  # "a maximum of 15K prompts or prompt-response pairs" (OPTION_2_URL)


@dataclass(frozen=True)
class InvocationLogs:
    """A distillation's data taken from invocation logs: the S3 prefix, the filter (Bedrock's shape, or None:
    every logged call) and whether the logged answers are used."""

    s3_uri: str
    filters: dict[str, Any] | None = None
    use_prompt_response: bool = False

    def bedrock(self) -> dict[str, Any]:
        """Bedrock's invocationLogsConfig."""
        config: dict[str, Any] = {
            "usePromptResponse": self.use_prompt_response,
            "invocationLogSource": {"s3Uri": self.s3_uri},
        }
        if self.filters:
            config["requestMetadataFilters"] = self.filters
        return config

    def api(self) -> dict[str, Any]:
        """As the API says it (TrainingDataSource.InvocationLogs)."""
        out: dict[str, Any] = {"S3Uri": self.s3_uri, "UsePromptResponse": self.use_prompt_response}
        if self.filters:
            out["Filters"] = _api_filters(self.filters)
        return out

    def matches(self, metadata: Any) -> bool:
        return matches(self.filters, metadata)


def logs_of(config: Mapping[str, Any] | None) -> InvocationLogs | None:
    """The invocation logs a recorded invocationLogsConfig names (None: none)."""
    source = ((config or {}).get("invocationLogSource") or {}).get("s3Uri")
    if not isinstance(source, str):
        return None
    return InvocationLogs(
        s3_uri=source,
        filters=(config or {}).get("requestMetadataFilters") or None,
        use_prompt_response=bool((config or {}).get("usePromptResponse")),
    )


def parse_invocation_logs(value: object) -> tuple[InvocationLogs | None, list[str]]:
    """The API's TrainingDataSource.InvocationLogs ({"S3Uri", "Filters", "UsePromptResponse"}), or every problem
    with it in the form's words."""
    where = "Training Data Source, InvocationLogs"
    if not isinstance(value, Mapping):
        return None, [f"{where}: an object with S3Uri, and optionally Filters and UsePromptResponse."]
    unknown = sorted(str(k)[:40] for k in value if k not in ("S3Uri", "Filters", "UsePromptResponse"))
    if unknown:
        return None, [f"{where}: unknown field(s) {', '.join(unknown)}; it takes S3Uri, Filters, UsePromptResponse."]
    problems: list[str] = []
    uri = value.get("S3Uri")
    if not isinstance(uri, str) or not 1 <= len(uri) <= 1024 or not LOG_URI.fullmatch(uri):
        problems.append(
            f"{where}.S3Uri: {str(uri)[:80]!r} is not an s3:// location Bedrock takes for invocation logs "
            "(lower-case bucket, a folder of letters, digits and -!_*'()., e.g. s3://my-logs/AWSLogs/)."
        )
    use = value.get("UsePromptResponse", False)
    if not isinstance(use, bool):
        problems.append(f"{where}.UsePromptResponse: true or false.")
    filters, filter_problems = _filters(value.get("Filters"), f"{where}.Filters")
    problems += filter_problems
    if problems:
        return None, problems
    return InvocationLogs(s3_uri=str(uri), filters=filters, use_prompt_response=bool(use)), []


def _filters(value: object, where: str) -> tuple[dict[str, Any] | None, list[str]]:
    """Bedrock's requestMetadataFilters from the API's {"Equals"|"NotEquals": {k: v}} or {"AndAll"|"OrAll":
    [{"Equals"|"NotEquals": {k: v}}, …]} (exactly one kind)."""
    if value is None or value == {}:
        return None, []
    kinds = [k for k in value if k in FILTER_KINDS] if isinstance(value, Mapping) and len(value) == 1 else []
    if not kinds:
        return None, [f"{where}: exactly one of Equals, NotEquals, AndAll or OrAll."]
    kind = kinds[0]
    body = value[kind]  # type: ignore[index]
    if kind in ("Equals", "NotEquals"):
        pair, problem = _pair(body, f"{where}.{kind}")
        return ({FILTER_KINDS[kind]: pair}, []) if pair else (None, [problem])
    if not isinstance(body, list) or not 1 <= len(body) <= MAX_FILTERS:
        return None, [f"{where}.{kind}: a list of 1 to {MAX_FILTERS} Equals / NotEquals filters."]
    out, problems = [], []
    for i, item in enumerate(body):
        inner = [k for k in item if k in ("Equals", "NotEquals")] if isinstance(item, Mapping) else []
        if len(inner) != 1 or len(item) != 1:
            problems.append(f"{where}.{kind}[{i}]: exactly one of Equals or NotEquals.")
            continue
        pair, problem = _pair(item[inner[0]], f"{where}.{kind}[{i}].{inner[0]}")
        if pair:
            out.append({FILTER_KINDS[inner[0]]: pair})
        else:
            problems.append(problem)
    return (None, problems) if problems else ({FILTER_KINDS[kind]: out}, [])


def _pair(value: object, where: str) -> tuple[dict[str, str] | None, str]:
    if not isinstance(value, Mapping) or len(value) != 1:
        return None, f'{where}: one metadata key and its value, e.g. {{"use-case": "support"}}.'
    key, text = next(iter(value.items()))
    if not isinstance(key, str) or not META_KEY.fullmatch(key):
        return None, f"{where}: the key {str(key)[:40]!r} must be 1-256 letters, digits, spaces or ._:/=+$@-."
    if not isinstance(text, str) or not META_VALUE.fullmatch(text):
        return None, f"{where}: the value {str(text)[:40]!r} must be 0-256 letters, digits, spaces or ._:/=+$@-."
    return {key: text}, ""


def _api_filters(filters: Mapping[str, Any]) -> dict[str, Any]:
    back = {v: k for k, v in FILTER_KINDS.items()}
    kind, body = next(iter(filters.items()))
    if isinstance(body, list):
        return {back[kind]: [{back[k]: v for k, v in item.items()} for item in body]}
    return {back[kind]: body}


def _one(base: Mapping[str, Any], metadata: Mapping[str, Any]) -> bool:
    if "equals" in base:
        ((key, value),) = base["equals"].items()
        return bool(metadata.get(key) == value)
    ((key, value),) = base["notEquals"].items()
    return bool(metadata.get(key) != value)


def matches(filters: Mapping[str, Any] | None, metadata: Any) -> bool:
    """Whether a logged call's requestMetadata passes Bedrock's requestMetadataFilters (None: every call)."""
    if not filters:
        return True
    meta = metadata if isinstance(metadata, Mapping) else {}
    if "andAll" in filters:
        return all(_one(f, meta) for f in filters["andAll"])
    if "orAll" in filters:
        return any(_one(f, meta) for f in filters["orAll"])
    return _one(filters, meta)
