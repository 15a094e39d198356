"""What Check data warns of (the data passes, but a person would want to know): records repeated within
a file, validation records that are exact copies of training records (they make validation loss say
nothing about new questions), and records whose prompt or user turn is empty. Each with its lines.

A second, light pass over the first MAX_HASHED lines of each file (the same lines the duplicate count
covers): a hash per line, and a JSON read only of lines that may hold an empty text."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import BinaryIO

import orjson

from services.datasets.report import MAX_HASHED, group_problems

SHOWN_LINES = 12
MAYBE_EMPTY = re.compile(rb'"(?:prompt|text|content|input)"\s*:\s*"(?:\s|\\[nrt])*"')  # a text of nothing but blanks


def _lines(numbers: list[int]) -> str:
    shown = group_problems([f"line {n}: x" for n in numbers[:SHOWN_LINES]])[0].rsplit(":", 1)[0]
    return shown + (f" and {len(numbers) - SHOWN_LINES:,} more" if len(numbers) > SHOWN_LINES else "")


def _read(stream: BinaryIO) -> Iterable[tuple[int, bytes]]:
    for number, line in enumerate(stream, 1):
        if number > MAX_HASHED:
            return
        line = line.strip()
        if line:
            yield number, line


def _empty_text(line: bytes) -> bool:
    """A prompt, or a user turn, with no text (a cheap look first; JSON only when it may be so)."""
    if MAYBE_EMPTY.search(line) is None:
        return False
    try:
        record = orjson.loads(line)
    except orjson.JSONDecodeError:
        return False
    if not isinstance(record, dict):
        return False
    prompt = record.get("prompt")
    if isinstance(prompt, str) and not prompt.strip():
        return True
    for message in record.get("messages") or ():
        if isinstance(message, dict) and message.get("role") == "user":
            content = message.get("content")
            texts = (
                [content]
                if isinstance(content, str)
                else [b.get("text") for b in content or () if isinstance(b, dict) and "text" in b]
            )
            if texts and all(isinstance(t, str) and not t.strip() for t in texts):
                return True
    return False


def data_warnings(training: BinaryIO, validation: BinaryIO | None) -> list[str]:
    """The warnings for a training file (and its validation file), in words, with their lines."""
    warnings: list[str] = []
    seen: dict[int, int] = {}
    for label, stream in (("Training Data", training), ("Validation Data", validation)):
        if stream is None:
            continue
        repeats, copies, empty = [], [], []
        own: dict[int, int] = {}
        for number, line in _read(stream):
            key = hash(line)
            if key in own:
                repeats.append(number)
            else:
                own[key] = number
            if label == "Validation Data" and key in seen:
                copies.append(number)
            if _empty_text(line):
                empty.append(number)
        if repeats:
            warnings.append(
                f"{label}: {len(repeats):,} record(s) repeat an earlier record of the file ({_lines(repeats)}): "
                "a repeated example weighs more in training."
            )
        if copies:
            warnings.append(
                f"{label}: {len(copies):,} record(s) are exact copies of training records ({_lines(copies)}): "
                "validation loss on them says nothing about questions the model has not seen."
            )
        if empty:
            warnings.append(
                f"{label}: {len(empty):,} record(s) have an empty prompt or user turn ({_lines(empty)}): "
                "the model learns to answer nothing asked."
            )
        if label == "Training Data":
            seen = own
    return warnings
