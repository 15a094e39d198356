"""Training and validation data checks, streamed record by record (memory stays flat).

Every check Bedrock would make before it starts paying for compute: one JSON object per
line, the record format of the base model's family, per-record token limits, record counts
and file sizes. Problems are reported with line numbers: the first 20, plus counts by kind.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from operator import itemgetter
from typing import Any, BinaryIO

import msgspec

from services.customization_specs import Family
from services.dataset_diagnosis import HEAD_BYTES, Prefixed, diagnose
from services.dataset_fast import _FAST, _repeated_keys
from services.dataset_records import _BLANK, _precise
from services.dataset_report import (
    MAX_HASHED,
    MAX_LISTED,
    MAX_PROBLEMS,
    NEAR_LIMIT,
    NO_TOKENS,
    SAMPLES,
    TOKEN_METHOD,
    DatasetIssue,
    DatasetKind,
    DatasetReport,
    DatasetStats,
    Distribution,
    _Collector,
    sample_turns,
    token_method,
)

__all__ = [
    "MAX_LISTED",
    "NO_TOKENS",
    "TOKEN_METHOD",
    "DatasetIssue",
    "DatasetKind",
    "DatasetReport",
    "check_record_totals",
    "validate_stream",
]


CHUNK_BYTES = 4 * 1024 * 1024
MAX_LINE_BYTES = 64 * 1024 * 1024


class _LineTooLong(Exception):
    pass


def _chunks(stream: BinaryIO) -> Iterator[bytes]:
    """Blocks of whole lines (each ends with a newline, but maybe the last): memory stays flat."""
    rest = b""
    while True:
        block = stream.read(CHUNK_BYTES)
        if not block:
            if rest:
                yield rest
            return
        if rest:
            block = rest + block
        cut = block.rfind(b"\n")
        if cut < 0:
            if len(block) > MAX_LINE_BYTES:
                raise _LineTooLong
            rest = block
            continue
        yield block[: cut + 1]
        rest = block[cut + 1 :]


def _count_lines(stream: BinaryIO) -> int:
    """Newlines left in ``stream``, counted in C (the rest of a file no longer checked)."""
    lines = 0
    while block := stream.read(CHUNK_BYTES):
        lines += block.count(b"\n")
    return lines


def _suspect_lines(chunk: bytes, words: tuple[bytes, ...], any_case: bool) -> set[int]:
    """Indexes (within the chunk) of lines that may hold a reserved word: one C search per word, in
    the JSON-escaped form the bytes hold (lowercased when case does not matter), and every line with
    a backslash-u escape (a word could be spelled that way)."""
    hay = chunk.lower() if any_case else chunk
    hits: set[int] = set()
    for word in (*words, b"\\u"):
        pos = hay.find(word)
        while pos >= 0:
            hits.add(hay.count(b"\n", 0, pos))
            pos = hay.find(word, hay.find(b"\n", pos) + 1 or len(hay))
    return hits


def _search_forms(family: Family) -> tuple[bytes, ...]:
    rules = family.rules
    forms = (json.dumps(word)[1:-1].encode() for word in rules.reserved)
    return tuple(form.lower() if rules.reserved_any_case else form for form in forms)


class _Tally:
    """What the accepted records hold: token distributions, messages, duplicates, samples."""

    def __init__(self, limit: int | None) -> None:
        self.ins: Counter[int] = Counter()
        self.outs: Counter[int] = Counter()
        self.turns: Counter[int] = Counter()
        self.limit = limit
        self.near = int(limit * NEAR_LIMIT) if limit else 1 << 62
        self.near_limit = 0
        self.seen: set[int] = set()
        self.hashed = 0
        self.duplicates = 0
        self.samples: list[bytes] = []

    def add(self, kept: list[Any]) -> None:
        """Counted records: (input tokens, output tokens, …, messages); tallied in C."""
        self.ins.update(map(itemgetter(0), kept))
        self.outs.update(map(itemgetter(1), kept))
        self.turns.update(map(itemgetter(-1), kept))

    def lines(self, lines: list[bytes], chunk: bytes) -> None:
        """Duplicate lines among the first MAX_HASHED (hashed in C; memory stays bounded)."""
        if self.hashed >= MAX_HASHED:
            return
        lines = lines[: MAX_HASHED - self.hashed]
        if b"\n\n" in chunk or chunk.startswith(b"\n"):  # blank lines are no duplicates (they are reported)
            lines = [line for line in lines if line.strip()]
        before = len(self.seen)
        self.seen.update(map(hash, lines))
        self.hashed += len(lines)
        self.duplicates += len(lines) - (len(self.seen) - before)

    def stats(self, over_limit: int) -> DatasetStats:
        return DatasetStats(
            input_tokens=Distribution.of(self.ins),
            output_tokens=Distribution.of(self.outs),
            turns=dict(sorted(self.turns.items())),
            token_limit=self.limit,
            near_limit=self.near_limit,
            over_limit=over_limit,
            duplicates=self.duplicates,
            duplicates_checked=self.hashed,
            samples=tuple(t for t in (sample_turns(raw) for raw in self.samples) if t),
        )


def validate_stream(
    stream: BinaryIO, family: Family, kind: DatasetKind, size_bytes: int | None = None
) -> DatasetReport:
    """Check a JSONL dataset read from a binary stream (a file, an S3 body, an upload)."""
    out = _Collector()
    struct, make_fast = _FAST[family.data_format]
    fast = make_fast(family)
    decode = msgspec.json.Decoder(struct).decode
    decode_errors = (msgspec.ValidationError, msgspec.DecodeError, UnicodeDecodeError)
    reserved = _search_forms(family)
    any_case = family.rules.reserved_any_case
    records = tokens = max_tokens = seen_bytes = n = 0
    huge = 1 << 62
    limit_total = family.max_tokens_per_record or huge
    limit_in = family.max_input_tokens or huge
    limit_out = family.max_output_tokens or huge
    tally = _Tally(family.max_tokens_per_record)
    near = tally.near
    near_limit = 0
    want_samples = SAMPLES
    if kind is DatasetKind.VALIDATION and not family.validation_supported:
        out.add(None, "format", f"{family.label} does not take a validation dataset")
    max_bytes = family.max_training_bytes if kind is DatasetKind.TRAINING else family.max_validation_bytes
    if size_bytes is not None and max_bytes is not None and size_bytes > max_bytes:
        out.add(
            None,
            "limits",
            f"the file has {size_bytes:,} bytes; {family.label} takes at most {max_bytes:,} for {kind.value} data",
        )
        return _report(kind, family, size_bytes, 0, 0, 0, out, tally)
    head = stream.read(HEAD_BYTES)
    whole = diagnose(head, family)
    if whole:
        out.add(None, "file", whole)  # one clear message first, then the first lines' problems
    stream = Prefixed(head, stream)  # type: ignore[assignment]
    try:
        for chunk in _chunks(stream):
            seen_bytes += len(chunk)
            lines = chunk.split(b"\n")
            if chunk.endswith(b"\n"):
                lines.pop()  # the empty piece after the last newline is not a line
            suspects = _suspect_lines(chunk, reserved, any_case) if reserved else None
            escaped = b"\\" in chunk  # then quotes may be escaped: count colons instead
            expected = 0
            kept: list[Any] = []  # what the fast or careful check counted of each accepted record
            for i, raw in enumerate(lines, n + 1):
                counted: Any = None
                if suspects is None or i - n - 1 not in suspects:
                    try:  # noqa: SIM105 - try/except is cheaper than contextlib.suppress here
                        counted = fast(decode(raw), escaped)
                    except decode_errors:
                        pass
                if counted is not None:
                    expected += counted[2]
                else:
                    expected += raw.count(b":" if escaped else b'"')
                    counted = _precise(raw, i, out, family)
                    if out.total >= MAX_PROBLEMS:
                        unchecked = len(lines) - (i - n) + _count_lines(stream)
                        if unchecked:
                            out.add(
                                None,
                                "unchecked",
                                f"stopped checking after {MAX_PROBLEMS:,} problems: about {unchecked:,} more line(s) "
                                f"after line {i:,} were not checked; fix these first",
                            )
                        records += counted is not _BLANK
                        tally.near_limit = near_limit
                        return _report(kind, family, size_bytes or seen_bytes, records, tokens, max_tokens, out, tally)
                    if counted is _BLANK:
                        continue
                records += 1
                if counted is None:
                    continue
                t_in, t_out = counted[0], counted[1]
                total = t_in + t_out
                if total > limit_total:
                    out.add(
                        i,
                        "tokens",
                        f"~{total:,} tokens; {family.label} takes at most {limit_total:,} per record",
                    )
                elif t_in > limit_in:
                    out.add(i, "tokens", f"input has ~{t_in:,} tokens; {family.label} takes at most {limit_in:,}")
                elif t_out > limit_out:
                    out.add(
                        i,
                        "tokens",
                        f"output has ~{t_out:,} tokens; {family.label} takes at most {limit_out:,}",
                    )
                else:
                    tokens += total
                    if total > max_tokens:
                        max_tokens = total
                    if total >= near:
                        near_limit += 1
                    kept.append(counted)
                    if want_samples:
                        tally.samples.append(raw)
                        want_samples -= 1
            if chunk.count(b":" if escaped else b'"') != expected:  # a repeated key somewhere (or an escape)
                for removed in _repeated_keys(
                    lines, n, suspects, decode, fast, out, (limit_total, limit_in, limit_out)
                ):
                    tokens -= removed[0] + removed[1]
                    same = (removed[0], removed[1], removed[3])
                    kept.pop(next(j for j, k in enumerate(kept) if (k[0], k[1], k[-1]) == same))
            tally.add(kept)
            tally.lines(lines, chunk)
            n += len(lines)
    except _LineTooLong:
        out.add(n + 1, "limits", f"a line longer than {MAX_LINE_BYTES // (1024 * 1024)} MB: is this JSON Lines?")
        tally.near_limit = near_limit
        return _report(kind, family, size_bytes or seen_bytes, records, tokens, max_tokens, out, tally)
    tally.near_limit = near_limit
    size = size_bytes if size_bytes is not None else seen_bytes
    if n == 0:
        out.add(None, "empty", "the file is empty (0 bytes)")
    elif records == 0:
        out.add(None, "empty", "the file holds no records")
    max_records = family.max_training_records if kind is DatasetKind.TRAINING else family.max_validation_records
    if max_records is not None and records > max_records:
        out.add(
            None,
            "records",
            f"{records:,} records; {family.label} takes at most {max_records:,} {kind.value} records",
        )
    rules = family.rules
    if not rules.images_with_video and "video" in out.media and "image" in out.media:
        out.add(
            None,
            "media",
            f"the dataset mixes images (first on line {out.media['image']:,}) and video (first on line "
            f"{out.media['video']:,}); {family.label} takes text with images or text with video, not both "
            f"({rules.source('images_with_video')})",
        )
    return _report(kind, family, size, records, tokens, max_tokens, out, tally)


def _report(
    kind: DatasetKind,
    family: Family,
    size: int,
    records: int,
    tokens: int,
    max_tokens: int,
    out: _Collector,
    tally: _Tally,
) -> DatasetReport:
    return DatasetReport(
        kind=kind,
        data_format=family.data_format,
        size_bytes=size,
        records=records,
        tokens=tokens,
        max_record_tokens=max_tokens,
        token_method=token_method(family),
        issues=tuple(out.issues),
        issue_counts=dict(out.counts),
        stats=tally.stats(out.counts.get("tokens", 0)),
    )


def check_record_totals(training: DatasetReport, validation: DatasetReport | None, family: Family) -> list[str]:
    """Limits that span both datasets (minimum records, training + validation total)."""
    problems = []
    total = training.records + (validation.records if validation else 0)
    if family.min_records is not None and total < family.min_records:
        problems.append(
            f"{total:,} records in all; {family.label} needs at least {family.min_records:,} "
            "(training and validation together)"
        )
    if family.max_total_records is not None and total > family.max_total_records:
        problems.append(
            f"{total:,} records in all; {family.label} takes at most {family.max_total_records:,} "
            "(training and validation together)"
        )
    return problems
