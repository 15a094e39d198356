"""What a data check reports: the kinds of data, each problem with its line, the whole report."""

from __future__ import annotations

import math
import re
from collections import Counter
from enum import StrEnum
from typing import Any

import orjson
from pydantic import BaseModel, ConfigDict

from services.datasets.specs import DataFormat, Family

CHARS_PER_TOKEN = 6  # the Bedrock guide's rule of thumb; a family's RecordRules may say otherwise


def token_method(family: Family) -> str:
    """How tokens are counted for ``family``'s limits and prices, in words."""
    if family.data_format is DataFormat.IMAGE_CAPTION:
        return NO_TOKENS
    cpt = family.chars_per_token
    why = (
        "AWS's rule of thumb for Bedrock customization data"
        if cpt == CHARS_PER_TOKEN
        else f"as AWS's validator for {family.label} counts"
    )
    media = "; images count 1,601 tokens each" if family.rules.image_formats else ""
    return f"estimated as characters ÷ {cpt}, rounded up per text ({why}){media}"


NO_TOKENS = "not applicable: image models are billed per image"
IMAGE_TOKENS = 1601  # the smallest image cost in AWS's formula (bedrock-facts §3)
MAX_LISTED = 20
MAX_PROBLEMS = 1000  # past this, the rest of the file is counted, not checked: the error path stays fast
MAX_HASHED = 50_000  # duplicates are looked for among the first this many lines (more than any family takes)
NEAR_LIMIT = 0.9  # a record with at least this share of its family's token limit is "near the limit"
SAMPLES = 3
BOM = b"\xef\xbb\xbf"
ROLES = ("user", "assistant")
HISTOGRAM_BINS = 20


class DatasetKind(StrEnum):
    TRAINING = "training"
    VALIDATION = "validation"


class DatasetIssue(BaseModel):
    model_config = ConfigDict(frozen=True)

    line: int | None
    kind: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


class Bin(BaseModel):
    model_config = ConfigDict(frozen=True)

    low: int  # tokens, inclusive
    high: int  # tokens, inclusive
    records: int


class Distribution(BaseModel):
    """Per-record token counts of a dataset: a histogram and a few quantiles."""

    model_config = ConfigDict(frozen=True)

    bins: tuple[Bin, ...] = ()
    mean: float = 0.0
    p50: int = 0
    p90: int = 0
    p99: int = 0
    max: int = 0

    @classmethod
    def of(cls, counts: Counter[int]) -> Distribution:
        total = sum(counts.values())
        if not total:
            return cls()
        values = sorted(counts)
        top = values[-1]
        width = max(1, math.ceil((top + 1) / HISTOGRAM_BINS))
        bins: Counter[int] = Counter()
        for value, n in counts.items():
            bins[value // width] += n
        quantiles: dict[float, int] = {}
        seen = 0
        wanted = [0.5, 0.9, 0.99]
        for value in values:
            seen += counts[value]
            while wanted and seen >= wanted[0] * total:
                quantiles[wanted.pop(0)] = value
        return cls(
            bins=tuple(Bin(low=i * width, high=(i + 1) * width - 1, records=bins[i]) for i in range(top // width + 1)),
            mean=round(sum(v * n for v, n in counts.items()) / total, 1),
            p50=quantiles.get(0.5, top),
            p90=quantiles.get(0.9, top),
            p99=quantiles.get(0.99, top),
            max=top,
        )


class Turn(BaseModel):
    model_config = ConfigDict(frozen=True)

    role: str  # system, user, assistant
    text: str  # media and tool blocks shown as [image png], [toolUse get_weather] …


class DatasetStats(BaseModel):
    """What the data holds, as Vertex AI's tuning-data statistics show it: only accepted records count."""

    model_config = ConfigDict(frozen=True)

    input_tokens: Distribution = Distribution()
    output_tokens: Distribution = Distribution()
    turns: dict[int, int] = {}  # messages per record -> records (conversation formats)
    token_limit: int | None = None  # tokens per record, as the family's rules and the hyperparameters set it
    near_limit: int = 0  # records at NEAR_LIMIT of the limit or more, but within it
    over_limit: int = 0  # records refused for their tokens
    duplicates: int = 0  # records identical to an earlier one (among the first MAX_HASHED)
    duplicates_checked: int = 0  # how many records were looked at for duplicates
    samples: tuple[tuple[Turn, ...], ...] = ()  # the first few accepted records, as chat turns


class DatasetReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: DatasetKind
    data_format: DataFormat
    size_bytes: int
    records: int
    tokens: int
    max_record_tokens: int
    token_method: str
    issues: tuple[DatasetIssue, ...]  # the first MAX_LISTED
    issue_counts: dict[str, int]
    stats: DatasetStats = DatasetStats()

    @property
    def ok(self) -> bool:
        return not self.issue_counts

    @property
    def issue_total(self) -> int:
        return sum(self.issue_counts.values())

    def summary_dict(self) -> dict[str, Any]:
        """What is kept with a custom model and returned by the API: all but the problems and samples."""
        return self.model_dump(mode="json", exclude={"issues": True, "stats": {"samples"}})

    def problems_in_words(self) -> str:
        """The problems counted by kind, in words: "2 problems: 21 lines are not valid JSON; 1 about the
        whole file" (the same count everywhere it is shown)."""
        return problems_in_words(self.issue_counts)

    def summary(self) -> str:
        head = f"{self.kind.value.capitalize()} data: {self.records:,} records, ~{self.tokens:,} tokens"
        if self.ok:
            return head + "."
        return f"{head}; {self.problems_in_words()}."


# What each kind of problem is, in words: (one, many). Kinds not here are said as "other problems".
_KIND_WORDS: dict[str, tuple[str, str]] = {
    "file": ("about the whole file", "about the whole file"),
    "json": ("line is not valid JSON", "lines are not valid JSON"),
    "blank": ("blank line", "blank lines"),
    "encoding": ("line is not UTF-8 text", "lines are not UTF-8 text"),
    "format": ("record is in the wrong format", "records are in the wrong format"),
    "keys": ("record has missing or unknown fields", "records have missing or unknown fields"),
    "types": ("record has a value of the wrong type", "records have values of the wrong type"),
    "empty": ("empty text", "empty texts"),
    "roles": ("record has its turns out of order", "records have their turns out of order"),
    "tools": ("tool-use problem", "tool-use problems"),
    "media": ("media problem", "media problems"),
    "tokens": ("record is over the token limit", "records are over the token limit"),
    "limits": ("size limit exceeded", "size limits exceeded"),
    "records": ("record count out of range", "record counts out of range"),
    "unchecked": ("part left unchecked", "parts left unchecked"),
}


def problems_in_words(counts: dict[str, int]) -> str:
    """ "22 problems: 21 lines are not valid JSON; 1 about the whole file" from counts by kind."""
    total = sum(counts.values())
    parts = []
    for kind, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        one, many = _KIND_WORDS.get(kind, ("other problem", "other problems"))
        parts.append(f"{n:,} {one if n == 1 else many}")
    return f"{total:,} problem{'' if total == 1 else 's'}: " + "; ".join(parts)


class _Collector:
    def __init__(self) -> None:
        self.issues: list[DatasetIssue] = []
        self.counts: Counter[str] = Counter()

        self.total = 0
        self.media: dict[str, int] = {}  # media kind -> first line holding it (dataset-wide rules)

    def saw_media(self, kind: str, line: int) -> None:
        self.media.setdefault(kind, line)

    def add(self, line: int | None, kind: str, message: str) -> None:
        self.counts[kind] += 1
        self.total += 1
        if len(self.issues) < MAX_LISTED or kind == "unchecked":  # "where checking stopped" is always said
            self.issues.append(DatasetIssue(line=line, kind=kind, message=message))


def _type_name(value: Any) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number"
    )


def _tokens(text: str, chars_per_token: int = CHARS_PER_TOKEN) -> int:
    return (len(text) + chars_per_token - 1) // chars_per_token


def sample_turns(raw: bytes) -> tuple[Turn, ...]:
    """One accepted record as chat turns (prompt/completion as a user and an assistant turn)."""
    try:
        record = orjson.loads(raw.removeprefix(BOM))
    except orjson.JSONDecodeError:
        return ()
    if not isinstance(record, dict):
        return ()
    if "prompt" in record:
        return (
            Turn(role="user", text=str(record["prompt"])[:2000]),
            Turn(role="assistant", text=str(record.get("completion", ""))[:2000]),
        )
    if "image-ref" in record:
        return (Turn(role="user", text=f"[image {record['image-ref']}] {record.get('caption', '')}"[:2000]),)
    turns: list[Turn] = []
    system = record.get("system")
    if system:
        turns.append(Turn(role="system", text=_shown(system)))
    for message in record.get("messages") or ():
        if isinstance(message, dict):
            turns.append(Turn(role=str(message.get("role")), text=_shown(message.get("content"))))
    return tuple(turns)


def _shown(content: Any) -> str:
    if isinstance(content, str):
        return content[:2000]
    parts = []
    for block in content if isinstance(content, list) else ():
        if not isinstance(block, dict) or not block:
            continue
        kind, value = next(iter(block.items()))
        if kind == "text":
            parts.append(str(value))
        elif kind in ("image", "video", "document") and isinstance(value, dict):
            parts.append(f"[{kind} {value.get('format', '')}]")
        elif kind == "toolUse" and isinstance(value, dict):
            parts.append(f"[toolUse {value.get('name', '')} {orjson.dumps(value.get('input')).decode()[:200]}]")
        elif kind == "toolResult":
            parts.append("[toolResult]")
        elif kind == "reasoningContent" and isinstance(value, dict):
            parts.append(f"[reasoning] {(value.get('reasoningText') or {}).get('text', '')}")
    return "\n".join(parts)[:2000]


_LINE_PROBLEM = re.compile(r"^(?P<label>.*?)(?:, )?line (?P<line>\d+): (?P<message>.*)$", re.S)


def _ranges(lines: list[int]) -> str:
    """1, 2, 3, 5 -> '1–3, 5'."""
    spans: list[list[int]] = []
    for line in sorted(set(lines)):
        if spans and line == spans[-1][1] + 1:
            spans[-1][1] = line
        else:
            spans.append([line, line])
    return ", ".join(f"{a:,}" if a == b else f"{a:,}–{b:,}" for a, b in spans)


def group_problems(problems: list[str]) -> list[str]:
    """The same problem on many lines said once, with its lines ("Training Data, lines 1–19: a
    prompt/completion record; …"), in the order first seen; other problems as they are."""
    groups: dict[tuple[str, str], list[int]] = {}
    order: list[tuple[str, str] | str] = []
    for problem in problems:
        found = _LINE_PROBLEM.match(problem)
        if found is None:
            order.append(problem)
            continue
        key = (found["label"], found["message"])
        if key not in groups:
            groups[key] = []
            order.append(key)
        groups[key].append(int(found["line"]))
    out = []
    for item in order:
        if isinstance(item, str):
            out.append(item)
            continue
        label, message = item
        lines = groups[item]
        where = f"line {lines[0]:,}" if len(lines) == 1 else f"lines {_ranges(lines)}"
        out.append(f"{label}, {where}: {message}" if label else f"{where}: {message}")
    return out
