"""Whole-file diagnoses: when a file is not JSON Lines of the family's format at all (gzip, UTF-16, a
JSON array, pretty-printed JSON, CSV or TSV, the other family's records), one clear message says so,
and what to do, before the first lines' problems. Decided from the first bytes of the file."""

from __future__ import annotations

import json
from typing import Any, BinaryIO

from services.datasets.specs import DataFormat, Family

HEAD_BYTES = 64 * 1024


class Prefixed:
    """A stream whose first bytes were read ahead (to diagnose them) and are given back first."""

    def __init__(self, head: bytes, rest: BinaryIO) -> None:
        self._head = head
        self._rest = rest

    def read(self, n: int = -1) -> bytes:
        if not self._head:
            return self._rest.read(n)
        if n < 0:
            data, self._head = self._head + self._rest.read(), b""
            return data
        data, self._head = self._head[:n], self._head[n:]
        return data


def diagnose(head: bytes, family: Family) -> str | None:
    """What is wrong with the file as a whole, or None when it looks like JSON Lines of its family."""
    if head.startswith(b"\x1f\x8b"):
        return "the file is gzip-compressed: decompress it first (Bedrock reads plain JSON Lines, UTF-8)"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or head[:1000].count(b"\x00") > 10:
        return "the file is UTF-16 (or another wide encoding): save it as UTF-8, one JSON object per line"
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if text.startswith(b"["):
        return (
            "the file is one JSON array, not JSON Lines: write each record as one JSON object on its own line, "
            "without the enclosing [ ] and commas"
        )
    first = text.split(b"\n", 1)[0].strip()
    later = [line.strip() for line in text.split(b"\n")[1:20]]
    if first == b"{" or (first.startswith(b"{") and not first.endswith(b"}") and b"}" in later):
        return "the records are pretty-printed over several lines: each record must be one JSON object on one line"
    if first and not first.startswith(b"{"):
        for sep, name in ((b"\t", "TSV"), (b",", "CSV")):
            if sep in first:
                header = first.decode("utf-8", "replace")[:80]
                return (
                    f"this looks like {name} (first line: {header!r}), not JSON Lines: write each row as one JSON "
                    'object on its own line, e.g. {"prompt": "…", "completion": "…"}'
                )
    return _other_format(text, family)


def _other_format(text: bytes, family: Family) -> str | None:
    """Records of the other family's format: say so once, with one of them converted."""
    for raw in text.split(b"\n")[:20]:
        try:
            record = json.loads(raw)
        except ValueError:
            continue
        if not isinstance(record, dict):
            return None
        if family.data_format is DataFormat.CONVERSATION and {"prompt", "completion"} <= record.keys():
            converted = json.dumps(_to_conversation(_shortened(record)), ensure_ascii=False)
            return (
                f"this looks like prompt/completion records; {family.label} needs the conversation format "
                f"(bedrock-conversation-2024). One of your records, converted: {converted}"
            )
        if family.data_format is DataFormat.PROMPT_COMPLETION and "messages" in record:
            pair = _to_prompt_completion(record)
            if pair is None:
                return None
            return (
                f"this looks like conversation records; {family.label} needs prompt/completion records. "
                f"One of your records, converted: {json.dumps(_shortened(pair), ensure_ascii=False)}"
            )
        return None
    return None


SHOWN_CHARS = 120  # of each text in the example record: cut at a word, and said so


def _shortened(record: dict[str, Any]) -> dict[str, Any]:
    """The record with each long text cut at a word boundary, marked "…", so the example stays valid
    JSON and readable (the whole-file conversion keeps every character)."""

    def cut(value: Any) -> Any:
        if not isinstance(value, str) or len(value) <= SHOWN_CHARS:
            return value
        head = value[:SHOWN_CHARS]
        return (head.rsplit(" ", 1)[0] if " " in head else head) + " …"

    return {k: cut(v) for k, v in record.items()}


def conversion(family: Family) -> Any:
    """The record conversion into ``family``'s format, or None when there is none (a record of the
    other format converts into exactly one record: prompt/completion <-> a two-turn conversation)."""
    if family.data_format is DataFormat.CONVERSATION:
        return lambda r: (
            _to_conversation(r) if isinstance(r.get("prompt"), str) and isinstance(r.get("completion"), str) else None
        )
    if family.data_format is DataFormat.PROMPT_COMPLETION:
        return _to_prompt_completion
    return None


def _pair_to_conversation(record: dict[str, Any]) -> dict[str, Any] | None:
    if isinstance(record.get("prompt"), str) and isinstance(record.get("completion"), str):
        return _to_conversation(record)
    return None


def convert_file(stream: BinaryIO, family: Family, out: BinaryIO) -> int | None:
    """Every record of the file converted into ``family``'s format, written line by line to ``out``; how
    many records, or None when a line has no unambiguous conversion (then use what ``out`` holds for
    nothing). Blank lines are kept out."""
    convert = conversion(family)
    if convert is None:
        return None
    written = 0
    for raw in iter(stream.readline, b""):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw)
        except ValueError:
            return None
        converted = convert(record) if isinstance(record, dict) else None
        if converted is None or (family.data_format is DataFormat.PROMPT_COMPLETION and len(record["messages"]) != 2):
            return None
        out.write(json.dumps(converted, ensure_ascii=False).encode() + b"\n")
        written += 1
    return written or None


def _to_conversation(record: dict[str, Any]) -> dict[str, Any]:
    return {
        "schemaVersion": "bedrock-conversation-2024",
        "messages": [
            {"role": "user", "content": [{"text": str(record["prompt"])}]},
            {"role": "assistant", "content": [{"text": str(record["completion"])}]},
        ],
    }


def _to_prompt_completion(record: dict[str, Any]) -> dict[str, str] | None:
    def text(message: Any) -> str | None:
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, str):
            return content
        if isinstance(content, list):
            return " ".join(str(b.get("text", "")) for b in content if isinstance(b, dict)).strip() or None
        return None

    messages = record.get("messages")
    if not isinstance(messages, list) or len(messages) < 2:
        return None
    prompt, completion = text(messages[0]), text(messages[1])
    if prompt is None or completion is None:
        return None
    return {"prompt": prompt, "completion": completion}
