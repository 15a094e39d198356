"""Training and validation data checks, streamed record by record (memory stays flat).

Every check Bedrock would make before it starts paying for compute: one JSON object per
line, the record format of the base model's family, per-record token limits, record counts
and file sizes. Problems are reported with line numbers: the first 20, plus counts by kind.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from itertools import repeat
from operator import itemgetter
from typing import Any, BinaryIO

import msgspec
import re2  # type: ignore[import-untyped]

try:
    from services.datasets import _scan  # compiled by build_scan.py (make does it)
except ImportError:  # not compiled: the Python fast path alone, slower, with the same answers
    _scan = None  # type: ignore[assignment]

from services.datasets.diagnosis import HEAD_BYTES, Prefixed, diagnose
from services.datasets.fast import Accept, _repeated_keys, acceptor, scan_spec, variants
from services.datasets.records import _BLANK, _precise
from services.datasets.report import (
    MAX_LISTED,
    MAX_PROBLEMS,
    NO_TOKENS,
    SAMPLES,
    DatasetIssue,
    DatasetKind,
    DatasetReport,
    _Collector,
    token_method,
)
from services.datasets.specs import Family
from services.datasets.tally import Tally

__all__ = [
    "MAX_LISTED",
    "NO_TOKENS",
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


def _suspect_lines(chunk: bytes, words: Any) -> set[int]:
    """Indexes (within the chunk) of lines that may hold a reserved word: one RE2 pass (linear time,
    a DFA: no per-word search, no lowercased copy) for the words in the JSON-escaped form the bytes
    hold, and for any backslash-u escape (a word could be spelled that way)."""
    hits: set[int] = set()
    last = line = 0
    for match in words.finditer(chunk):
        start = match.start()
        line += chunk.count(b"\n", last, start)
        last = start
        hits.add(line)
    return hits


def _reserved_pattern(family: Family) -> Any:
    """RE2 pattern of the family's reserved words as JSON holds them (None when it has none)."""
    rules = family.rules
    if not rules.reserved:
        return None
    forms = [re.escape(json.dumps(word)[1:-1].encode()) for word in rules.reserved]
    flags = b"(?i)" if rules.reserved_any_case else b""
    return re2.compile(flags + b"|".join([*forms, re.escape(b"\\u")]))


def validate_stream(
    stream: BinaryIO, family: Family, kind: DatasetKind, size_bytes: int | None = None
) -> DatasetReport:
    """Check a JSONL dataset read from a binary stream (a file, an S3 body, an upload)."""
    out = _Collector()
    tally = Tally(family)
    if kind is DatasetKind.VALIDATION and not family.validation_supported:
        out.add(None, "format", f"{family.label} does not take a validation dataset")
    max_bytes = family.max_training_bytes if kind is DatasetKind.TRAINING else family.max_validation_bytes
    if size_bytes is not None and max_bytes is not None and size_bytes > max_bytes:
        out.add(
            None,
            "limits",
            f"the file has {size_bytes:,} bytes; {family.label} takes at most {max_bytes:,} for {kind.value} data",
        )
        return _report(kind, family, size_bytes, 0, out, tally)
    head = stream.read(HEAD_BYTES)
    whole = diagnose(head, family)
    if whole:
        out.add(None, "file", whole)  # one clear message first, then the first lines' problems
    records, seen_bytes, lines_read = _check_lines(Prefixed(head, stream), family, out, tally)
    size = size_bytes if size_bytes is not None else seen_bytes
    if out.total >= MAX_PROBLEMS or "limits" in out.counts:
        return _report(kind, family, size, records, out, tally)
    if lines_read == 0:
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
    return _report(kind, family, size, records, out, tally)


def _check_lines(stream: Any, family: Family, out: _Collector, tally: Tally) -> tuple[int, int, int]:
    """Every line through the fast path, or the careful checks when it does not accept it:
    (records, bytes read, lines read). The compiled scan (services/datasets/_scan.c) takes a chunk's common
    records in one call, with their counts and statistics; the lines it leaves go through one decode
    and one check each in Python, then the careful checks. Without the compiled scan every line
    takes the Python way."""
    pairs = variants(family)  # one (decode, fast) per form the family takes, the likeliest first
    other_forms = len(pairs) > 1  # tried before the careful checks
    accept = acceptor(pairs)
    decode_errors = (msgspec.ValidationError, msgspec.DecodeError, UnicodeDecodeError)
    reserved = _reserved_pattern(family)
    spec = scan_spec(family) if _scan is not None else None
    records = seen_bytes = n = 0
    want_samples = SAMPLES
    try:
        for chunk in _chunks(stream):
            seen_bytes += len(chunk)
            decode, fast = pairs[0]  # the form that accepted a record last
            lines = chunk.split(b"\n")
            if chunk.endswith(b"\n"):
                lines.pop()  # the empty piece after the last newline is not a line
            escaped = b"\\" in chunk  # then quotes may be escaped: count colons instead
            suspects: set[int] | None = None  # lines that may hold a reserved word (the scan finds its own)
            if spec is not None and _scan is not None:
                ins, outs, totals, turns, _, most_in, most_out, most_total, todo = _scan.scan(
                    lines, spec, escaped, None
                )
            else:
                ins, outs, totals, turns, most_in, most_out, most_total = [], [], [], [], 0, 0, 0
                todo = list(range(len(lines)))
                suspects = _suspect_lines(chunk, reserved) if reserved is not None else None
            also: list[tuple[int, Any]] = []  # (index, counted) of the others the fast path accepted
            careful: list[tuple[int, Any]] = []  # (line, counted) of records the careful checks accepted
            for k, j in enumerate(todo):
                i, raw = n + 1 + j, lines[j]
                if suspects is not None:
                    suspect = j in suspects
                else:
                    suspect = reserved is not None and reserved.search(raw) is not None
                if not suspect:
                    try:
                        counted = fast(decode(raw), escaped)
                    except decode_errors:
                        counted = None
                    if counted is None and other_forms:
                        counted = accept(raw, escaped, 1)  # the other forms: the one that accepts goes first
                        decode, fast = pairs[0]
                    if counted is not None:
                        also.append((j, counted))
                        continue
                checked = _precise(raw, i, out, family)
                if out.total >= MAX_PROBLEMS:
                    unchecked = len(lines) - (i - n) + _count_lines(stream)
                    if unchecked:
                        out.add(
                            None,
                            "unchecked",
                            f"stopped checking after {MAX_PROBLEMS:,} problems: about {unchecked:,} more line(s) "
                            f"after line {i:,} were not checked; fix these first",
                        )
                    # the scan's records before this line (j lines, k of them left to Python), and ours
                    records += (j - k) + len(also) + len(careful) + (checked is not _BLANK)
                    return records, seen_bytes, i
                if checked is _BLANK:
                    continue
                if checked is None:
                    records += 1
                    continue
                careful.append((i, checked))
            records += len(ins) + len(also) + len(careful)
            if want_samples:
                accepted = [*_taken(len(lines), todo), *(j for j, _ in also), *(line - n - 1 for line, _ in careful)]
                good = sorted(accepted)[:want_samples]
                tally.samples += [lines[j] for j in good]
                want_samples -= len(good)
            limit_total, limit_in, limit_out = tally.limits
            within = most_in <= limit_in and most_out <= limit_out and most_total <= limit_total
            if not also and not careful and within:  # the common chunk: every record the scan's, within limits
                tally.add_columns(ins, outs, totals, turns)
                tally.lines(lines, chunk)
                n += len(lines)
                continue
            kept = _in_line_order(len(lines), list(zip(ins, outs, repeat(0, len(ins)), turns, strict=True)), todo, also)
            repeated: list[tuple[int, Any]] = []
            mark = b":" if escaped else b'"'
            # a repeated key hides only in a record the Python fast path accepted (the scan refuses them)
            if also and sum(lines[j].count(mark) for j, _ in also) != sum(c[2] for _, c in also):
                if suspects is None and reserved is not None:
                    suspects = _suspect_lines(chunk, reserved)
                repeated = _repeated_keys(lines, n, suspects, accept, out)
            for _, removed in repeated:  # not records Bedrock takes: out of the tallies
                same = (removed[0], removed[1], removed[3])
                kept.pop(next(j for j, k in enumerate(kept) if (k[0], k[1], k[-1]) == same))
            if careful or not tally.within(kept):
                if suspects is None and reserved is not None:
                    suspects = _suspect_lines(chunk, reserved)
                skip = {line - n - 1 for line, _ in repeated} | (suspects or set())
                kept = _limits(lines, n, skip, accept, escaped, kept, careful, out, tally)
            tally.add(kept)
            tally.lines(lines, chunk)
            n += len(lines)
    except _LineTooLong:
        out.add(n + 1, "limits", f"a line longer than {MAX_LINE_BYTES // (1024 * 1024)} MB: is this JSON Lines?")
    return records, seen_bytes, n


def _in_line_order(size: int, scanned: list[Any], left: Sequence[int], also: list[tuple[int, Any]]) -> list[Any]:
    """The scan's counts and the Python fast path's, in the order of their lines."""
    if not also:
        return scanned
    merged = [*zip(_taken(size, left), scanned, strict=True), *also]
    merged.sort(key=itemgetter(0))
    return [counted for _, counted in merged]


def _taken(size: int, left: Sequence[int]) -> list[int]:
    """The indexes of the lines the compiled scan took: all but those it left."""
    gone = set(left)
    return [j for j in range(size) if j not in gone]


def _limits(
    lines: list[bytes],
    n: int,
    skip: set[int],
    accept: Accept,
    escaped: bool,
    kept: list[Any],
    careful: list[tuple[int, Any]],
    out: _Collector,
    tally: Tally,
) -> list[Any]:
    """The chunk's records within the family's token limits; the others reported with their lines
    (rare: the fast path's lines are found again to know them)."""
    where: list[tuple[int, Any]] = list(careful)
    if not tally.within(kept):
        fast_lines = []
        for i, raw in enumerate(lines, n + 1):
            if i - n - 1 in skip:
                continue
            if accept(raw, escaped) is not None:
                fast_lines.append(i)
        where += zip(fast_lines, kept, strict=False)
    else:
        where += ((0, counted) for counted in kept)
    within = []
    for line, counted in sorted(where, key=itemgetter(0)):
        why = tally.over(counted)
        if why is None:
            within.append(counted)
        else:
            out.add(line, "tokens", why)
    return within


def _report(kind: DatasetKind, family: Family, size: int, records: int, out: _Collector, tally: Tally) -> DatasetReport:
    return DatasetReport(
        kind=kind,
        data_format=family.data_format,
        size_bytes=size,
        records=records,
        tokens=tally.tokens,
        max_record_tokens=tally.max_tokens,
        token_method=token_method(family),
        issues=tuple(sorted(out.issues, key=lambda i: (i.line is not None, i.line or 0))),
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
