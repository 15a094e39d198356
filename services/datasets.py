"""Training and validation data checks, streamed record by record (memory stays flat).

Every check Bedrock would make before it starts paying for compute: one JSON object per
line, the record format of the base model's family, per-record token limits, record counts
and file sizes. Problems are reported with line numbers: the first 20, plus counts by kind.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from enum import StrEnum
from typing import Annotated, Any, BinaryIO

import msgspec
import orjson
from pydantic import BaseModel, ConfigDict

from services.customization_specs import DataFormat, Family

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


# ---- per-format record checks: return (input tokens, output tokens) or None after reporting ----
_PC_KEYS = frozenset({"prompt", "completion"})


def _check_prompt_completion(rec: dict[str, Any], n: int, out: _Collector, fam: Family) -> tuple[int, int] | None:
    if rec.keys() != _PC_KEYS:
        if "messages" in rec:
            out.add(n, "format", f"this is a conversation record, but {fam.label} needs prompt/completion records")
            return None
        missing = sorted(_PC_KEYS - rec.keys())
        extra = sorted(rec.keys() - _PC_KEYS)
        parts = []
        if missing:
            parts.append("missing key(s) " + ", ".join(repr(k) for k in missing))
        if extra:
            parts.append("unexpected key(s) " + ", ".join(repr(k) for k in extra))
        out.add(n, "keys", "; ".join(parts) + ' (expected exactly "prompt" and "completion")')
        return None
    prompt, completion = rec["prompt"], rec["completion"]
    if type(prompt) is not str or type(completion) is not str:
        bad = "prompt" if type(prompt) is not str else "completion"
        out.add(n, "types", f"{bad!r} must be a string, got {_type_name(rec[bad])}")
        return None
    if not completion.strip():
        out.add(n, "empty", "'completion' is empty")
        return None
    return _tokens(prompt), _tokens(completion)


_CONV_KEYS = frozenset({"schemaVersion", "system", "messages"})


def _text_blocks(value: Any, n: int, where: str, out: _Collector, fam: Family) -> tuple[int, bool]:
    """Tokens of a content value (a string, or a list of text/image/video blocks)."""
    if type(value) is str:
        if _reserved(value, n, where, out, fam):
            return 0, False
        return _tokens(value), True
    if type(value) is not list or not value:
        out.add(n, "types", f"{where} must be a string or a non-empty list of content blocks")
        return 0, False
    tokens = 0
    for i, block in enumerate(value):
        if type(block) is not dict or len(block) != 1:
            out.add(n, "types", f"{where}[{i}] must be an object with one of 'text', 'image', 'video'")
            return 0, False
        if "text" in block:
            text = block["text"]
            if type(text) is not str:
                out.add(n, "types", f"{where}[{i}].text must be a string, got {_type_name(text)}")
                return 0, False
            if _reserved(text, n, where, out, fam):
                return 0, False
            tokens += _tokens(text)
        elif "image" in block or "video" in block:
            media = block.get("image") or block.get("video")
            if type(media) is not dict:
                out.add(n, "types", f"{where}[{i}] needs source.s3Location.uri as an s3:// URI")
                return 0, False
            uri = (media.get("source") or {}).get("s3Location", {}).get("uri")
            if type(uri) is not str or not uri.startswith("s3://"):
                out.add(n, "types", f"{where}[{i}] needs source.s3Location.uri as an s3:// URI")
                return 0, False
            if "image" in block and media.get("format") not in IMAGE_FORMATS:
                out.add(n, "types", f"{where}[{i}].image.format must be one of gif, jpeg, png, webp")
                return 0, False
            tokens += IMAGE_TOKENS
        else:
            out.add(n, "types", f"{where}[{i}] has unknown block {next(iter(block))!r}")
            return 0, False
    return tokens, True


def _reserved(text: str, n: int, where: str, out: _Collector, fam: Family) -> bool:
    for word in fam.reserved_keywords:
        if word in text:
            out.add(n, "reserved", f"{where} contains the reserved keyword {word!r}, which makes the job fail")
            return True
    return False


def _check_conversation(rec: dict[str, Any], n: int, out: _Collector, fam: Family) -> tuple[int, int] | None:
    if "messages" not in rec:
        if "prompt" in rec or "completion" in rec:
            out.add(n, "format", f"this is a prompt/completion record, but {fam.label} needs conversation records")
        else:
            out.add(n, "keys", "missing key 'messages'")
        return None
    extra = sorted(rec.keys() - _CONV_KEYS)
    if extra:
        out.add(n, "keys", "unexpected key(s) " + ", ".join(repr(k) for k in extra))
        return None
    schema = rec.get("schemaVersion")
    if schema is not None and type(schema) is not str:
        out.add(n, "types", "'schemaVersion' must be a string")
        return None
    tokens_in = 0
    if rec.get("system") is not None:
        system = rec["system"]
        if type(system) is str:
            if _reserved(system, n, "system", out, fam):
                return None
            tokens_in += _tokens(system)
        elif type(system) is list:
            for i, block in enumerate(system):
                if type(block) is not dict or type(block.get("text")) is not str or len(block) != 1:
                    out.add(n, "types", f"system[{i}] must be an object with one string 'text'")
                    return None
                if _reserved(block["text"], n, f"system[{i}]", out, fam):
                    return None
                tokens_in += _tokens(block["text"])
        else:
            out.add(n, "types", f"'system' must be a string or a list of text blocks, got {_type_name(system)}")
            return None
    messages = rec["messages"]
    if type(messages) is not list or len(messages) < 2:
        out.add(n, "types", "'messages' must be a list of at least a user and an assistant message")
        return None
    tokens_out = 0
    for i, msg in enumerate(messages):
        if type(msg) is not dict or msg.keys() != {"role", "content"}:
            out.add(n, "keys", f"messages[{i}] must have exactly 'role' and 'content'")
            return None
        role = msg["role"]
        expected = ROLES[i % 2]
        if role != expected:
            shown = repr(role) if type(role) is str else _type_name(role)
            out.add(
                n,
                "roles",
                f"messages[{i}] has role {shown}; roles must alternate user, assistant, starting with user",
            )
            return None
        tokens, ok = _text_blocks(msg["content"], n, f"messages[{i}].content", out, fam)
        if not ok:
            return None
        if role == "user":
            tokens_in += tokens
        else:
            tokens_out += tokens
    if messages[-1]["role"] != "assistant":
        out.add(n, "roles", "the last message must be from the assistant")
        return None
    return tokens_in, tokens_out


_IMG_KEYS = frozenset({"image-ref", "caption"})


def _check_image_caption(rec: dict[str, Any], n: int, out: _Collector, fam: Family) -> tuple[int, int] | None:
    if rec.keys() != _IMG_KEYS:
        missing = sorted(_IMG_KEYS - rec.keys())
        extra = sorted(rec.keys() - _IMG_KEYS)
        parts = [f"missing key(s) {', '.join(map(repr, missing))}"] if missing else []
        parts += [f"unexpected key(s) {', '.join(map(repr, extra))}"] if extra else []
        out.add(n, "keys", "; ".join(parts) + ' (expected exactly "image-ref" and "caption")')
        return None
    ref, caption = rec["image-ref"], rec["caption"]
    if type(ref) is not str or not ref.startswith("s3://"):
        out.add(n, "types", "'image-ref' must be an s3:// URI")
        return None
    if type(caption) is not str:
        out.add(n, "types", f"'caption' must be a string, got {_type_name(caption)}")
        return None
    if fam.max_caption_chars is not None and not fam.min_caption_chars <= len(caption) <= fam.max_caption_chars:
        out.add(
            n,
            "limits",
            f"caption has {len(caption):,} characters; {fam.label} takes "
            f"{fam.min_caption_chars:,}–{fam.max_caption_chars:,}",
        )
        return None
    return 0, 0


_CHECKERS = {
    DataFormat.PROMPT_COMPLETION: _check_prompt_completion,
    DataFormat.CONVERSATION: _check_conversation,
    DataFormat.IMAGE_CAPTION: _check_image_caption,
}


# ---- fast path: typed decoding in C (msgspec); anything it does not accept goes to the checks
# above, which decide and say what is wrong. The fast path only ever accepts what they accept.
class _Text(msgspec.Struct, forbid_unknown_fields=True):
    text: str


class _Message(msgspec.Struct, forbid_unknown_fields=True):
    role: str
    content: str | Annotated[list[_Text], msgspec.Meta(min_length=1)]


class _Conversation(msgspec.Struct, forbid_unknown_fields=True):
    messages: Annotated[list[_Message], msgspec.Meta(min_length=2)]
    schemaVersion: str | None = None  # noqa: N815 - Bedrock's key
    system: str | list[_Text] | None = None


class _PromptCompletion(msgspec.Struct, forbid_unknown_fields=True):
    prompt: str
    completion: str


class _ImageCaption(msgspec.Struct, forbid_unknown_fields=True):
    image_ref: str = msgspec.field(name="image-ref")
    caption: str


# Repeated keys: msgspec (like orjson) silently keeps the last of two equal keys; Bedrock refuses
# the record. The fast checks also return what the raw bytes of the record must hold, checked per
# chunk with one C count, so nothing is done per line unless a chunk disagrees:
# - strings: every key and every string value is one string, two quotes. In a chunk with no
#   backslash no quote can be escaped, so the chunk's quotes are exactly twice the strings.
# - colons (only asked for in chunks with escapes): one per key, plus those inside the strings.
# A repeated key adds a string and a colon that the decoded record does not have.
Expect = tuple[int, int, int]  # input tokens, output tokens, quotes (or, asked for, colons)


def _fast_prompt_completion(rec: _PromptCompletion, fam: Family, colons: bool) -> Expect | None:
    completion = rec.completion
    if not completion.strip():
        return None
    prompt = rec.prompt
    c = 2 + prompt.count(":") + completion.count(":") if colons else 8
    return (len(prompt) + 5) // 6, (len(completion) + 5) // 6, c


def _fast_conversation(rec: _Conversation, fam: Family, colons: bool) -> Expect | None:
    t_in = t_out = c = 0
    messages = rec.messages
    strings = 1 + 3 * len(messages)  # "messages"; "role", its value and "content" of each (+ content below)
    if colons:
        c = 1 + 2 * len(messages)
    version = rec.schemaVersion
    if version is not None:
        strings += 2
        if colons:
            c += 1 + version.count(":")
    system = rec.system
    if system is not None:
        strings += 1
        c += colons
        if isinstance(system, str):
            strings += 1
            t_in += (len(system) + 5) // 6
            if colons:
                c += system.count(":")
        else:
            strings += 2 * len(system)
            for block in system:
                t_in += (len(block.text) + 5) // 6
                if colons:
                    c += 1 + block.text.count(":")
    user = True
    for msg in messages:
        if msg.role != ("user" if user else "assistant"):
            return None
        content = msg.content
        if isinstance(content, str):
            k = (len(content) + 5) // 6
            strings += 1
            if colons:
                c += content.count(":")
        else:
            k = 0
            strings += 2 * len(content)
            for block in content:
                k += (len(block.text) + 5) // 6
                if colons:
                    c += 1 + block.text.count(":")
        if user:
            t_in += k
        else:
            t_out += k
        user = not user
    if not user:  # the next turn would be the assistant's: the last message was the user's
        return None
    return t_in, t_out, c if colons else 2 * strings


def _fast_image_caption(rec: _ImageCaption, fam: Family, colons: bool) -> Expect | None:
    if not rec.image_ref.startswith("s3://"):
        return None
    if fam.max_caption_chars is not None and not fam.min_caption_chars <= len(rec.caption) <= fam.max_caption_chars:
        return None
    c = 2 + rec.image_ref.count(":") + rec.caption.count(":") if colons else 8
    return 0, 0, c


def _repeated_keys(
    lines: list[bytes],
    n: int,
    suspects: set[int] | None,
    decode: Any,
    fast: Any,
    fam: Family,
    out: _Collector,
    limits: tuple[int, int, int],
) -> int:
    """Report the lines of a chunk the fast path accepted although a key repeats in them; return
    the tokens they had added (they are not records Bedrock takes)."""
    removed = 0
    for i, raw in enumerate(lines, n + 1):
        if suspects is not None and i - n - 1 in suspects:
            continue
        try:
            rec = decode(raw)
        except (msgspec.ValidationError, msgspec.DecodeError, UnicodeDecodeError):
            continue
        counted, quotes = fast(rec, fam, True), fast(rec, fam, False)
        if counted is None or quotes is None or raw.count(b'"') == quotes[2] or raw.count(b":") == counted[2]:
            continue
        duplicate = _first_duplicate(raw)
        if duplicate is None:
            continue  # a colon written as an escape: no repeat
        out.add(i, "json", f"the key {duplicate[:64]!r} appears twice in one object; Bedrock refuses such records")
        t_in, t_out = counted[0], counted[1]
        if t_in + t_out <= limits[0] and t_in <= limits[1] and t_out <= limits[2]:
            removed += t_in + t_out
    return removed


def _first_duplicate(raw: bytes) -> str | None:
    """The first key repeated within one JSON object of ``raw`` (exact, and slow: rare lines only)."""
    found: list[str] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        seen: set[str] = set()
        for key, _ in items:
            if key in seen and not found:
                found.append(key)
            seen.add(key)
        return dict(items)

    try:
        json.loads(raw, object_pairs_hook=pairs)
    except ValueError:
        return None
    return found[0] if found else None


_FAST: dict[DataFormat, tuple[type[msgspec.Struct], Any]] = {
    DataFormat.PROMPT_COMPLETION: (_PromptCompletion, _fast_prompt_completion),
    DataFormat.CONVERSATION: (_Conversation, _fast_conversation),
    DataFormat.IMAGE_CAPTION: (_ImageCaption, _fast_image_caption),
}
assert CHARS_PER_TOKEN == 6, "the fast path hard-codes (n + 5) // 6"

_BLANK = object()


def _precise(raw: bytes, n: int, out: _Collector, fam: Family) -> tuple[int, int] | object | None:
    """Decide one line the slow, careful way, reporting what is wrong. _BLANK for a blank line."""
    if n == 1 and raw.startswith(BOM):
        out.add(1, "encoding", "the file starts with a UTF-8 byte-order mark (BOM); save it without one")
        raw = raw[3:]
    if not raw.strip():
        out.add(n, "blank", "blank line; every line must hold one JSON record")
        return _BLANK
    try:
        rec = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as bad:
            out.add(n, "encoding", f"not UTF-8 text (invalid byte at column {bad.start + 1})")
        else:
            out.add(n, "json", f"not valid JSON ({exc})")
        return None
    if type(rec) is not dict:
        out.add(n, "types", f"a record must be a JSON object, got {_type_name(rec)}")
        return None
    duplicate = _first_duplicate(raw)
    if duplicate is not None:
        out.add(n, "json", f"the key {duplicate[:64]!r} appears twice in one object; Bedrock refuses such records")
        return None
    return _CHECKERS[fam.data_format](rec, n, out, fam)


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


def _suspect_lines(chunk: bytes, words: tuple[bytes, ...]) -> set[int]:
    """Indexes (within the chunk) of lines holding any of ``words``: one C search per word."""
    hits: set[int] = set()
    for word in words:
        pos = chunk.find(word)
        while pos >= 0:
            hits.add(chunk.count(b"\n", 0, pos))
            pos = chunk.find(word, chunk.find(b"\n", pos) + 1 or len(chunk))
    return hits


def validate_stream(
    stream: BinaryIO, family: Family, kind: DatasetKind, size_bytes: int | None = None
) -> DatasetReport:
    """Check a JSONL dataset read from a binary stream (a file, an S3 body, an upload)."""
    out = _Collector()
    struct, fast = _FAST[family.data_format]
    decode = msgspec.json.Decoder(struct).decode
    decode_errors = (msgspec.ValidationError, msgspec.DecodeError, UnicodeDecodeError)
    reserved = tuple(word.encode() for word in family.reserved_keywords)
    records = tokens = max_tokens = seen_bytes = n = 0
    huge = 1 << 62
    limit_total = family.max_tokens_per_record or huge
    limit_in = family.max_input_tokens or huge
    limit_out = family.max_output_tokens or huge
    if kind is DatasetKind.VALIDATION and not family.validation_supported:
        out.add(None, "format", f"{family.label} does not take a validation dataset")
    max_bytes = family.max_training_bytes if kind is DatasetKind.TRAINING else family.max_validation_bytes
    if size_bytes is not None and max_bytes is not None and size_bytes > max_bytes:
        out.add(
            None,
            "limits",
            f"the file has {size_bytes:,} bytes; {family.label} takes at most {max_bytes:,} for {kind.value} data",
        )
        return _report(kind, family, size_bytes, 0, 0, 0, out)
    try:
        for chunk in _chunks(stream):
            seen_bytes += len(chunk)
            lines = chunk.split(b"\n")
            if chunk.endswith(b"\n"):
                lines.pop()  # the empty piece after the last newline is not a line
            suspects = _suspect_lines(chunk, reserved) if reserved else None
            escaped = b"\\" in chunk  # then quotes may be escaped: count colons instead
            expected = 0
            for i, raw in enumerate(lines, n + 1):
                counted: Any = None
                if suspects is None or i - n - 1 not in suspects:
                    try:  # noqa: SIM105 - try/except is cheaper than contextlib.suppress here
                        counted = fast(decode(raw), family, escaped)
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
                        return _report(kind, family, size_bytes or seen_bytes, records, tokens, max_tokens, out)
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
            if chunk.count(b":" if escaped else b'"') != expected:  # a repeated key somewhere (or an escape)
                tokens -= _repeated_keys(
                    lines, n, suspects, decode, fast, family, out, (limit_total, limit_in, limit_out)
                )
            n += len(lines)
    except _LineTooLong:
        out.add(n + 1, "limits", f"a line longer than {MAX_LINE_BYTES // (1024 * 1024)} MB: is this JSON Lines?")
        return _report(kind, family, size_bytes or seen_bytes, records, tokens, max_tokens, out)
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
    return _report(kind, family, size, records, tokens, max_tokens, out)


def _report(
    kind: DatasetKind, family: Family, size: int, records: int, tokens: int, max_tokens: int, out: _Collector
) -> DatasetReport:
    return DatasetReport(
        kind=kind,
        data_format=family.data_format,
        size_bytes=size,
        records=records,
        tokens=tokens,
        max_record_tokens=max_tokens,
        token_method=NO_TOKENS if family.data_format is DataFormat.IMAGE_CAPTION else TOKEN_METHOD,
        issues=tuple(out.issues),
        issue_counts=dict(out.counts),
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
