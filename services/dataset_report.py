"""What a data check reports: the kinds of data, each problem with its line, the whole report."""

from __future__ import annotations

from collections import Counter
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict

from services.customization_specs import DataFormat

CHARS_PER_TOKEN = 6
TOKEN_METHOD = (
    f"estimated as characters ÷ {CHARS_PER_TOKEN}, rounded up per text "
    "(AWS's rule of thumb for Bedrock customization data); images count 1,601 tokens each"
)
NO_TOKENS = "not applicable: image models are billed per image"
IMAGE_TOKENS = 1601  # the smallest image cost in AWS's formula (bedrock-facts §3)
MAX_LISTED = 20
MAX_PROBLEMS = 1000  # past this, the rest of the file is counted, not checked: the error path stays fast
BOM = b"\xef\xbb\xbf"
IMAGE_FORMATS = frozenset({"gif", "jpeg", "png", "webp"})
ROLES = ("user", "assistant")


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

    @property
    def ok(self) -> bool:
        return not self.issue_counts

    @property
    def issue_total(self) -> int:
        return sum(self.issue_counts.values())

    def summary(self) -> str:
        head = f"{self.kind.value.capitalize()} data: {self.records:,} records, ~{self.tokens:,} tokens"
        if self.ok:
            return head + "."
        counts = ", ".join(f"{n:,} {kind}" for kind, n in sorted(self.issue_counts.items()))
        return f"{head}; {self.issue_total:,} problem(s): {counts}."


class _Collector:
    def __init__(self) -> None:
        self.issues: list[DatasetIssue] = []
        self.counts: Counter[str] = Counter()

        self.total = 0

    def add(self, line: int | None, kind: str, message: str) -> None:
        self.counts[kind] += 1
        self.total += 1
        if len(self.issues) < MAX_LISTED or kind == "unchecked":  # "where checking stopped" is always said
            self.issues.append(DatasetIssue(line=line, kind=kind, message=message))


def _type_name(value: Any) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number"
    )


def _tokens(text: str) -> int:
    return (len(text) + CHARS_PER_TOKEN - 1) // CHARS_PER_TOKEN
