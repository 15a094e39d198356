"""The fast path: records decoded straight into typed structs in C (msgspec). It only ever
accepts what the careful checks (dataset_records.py) accept; a test proves it."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any, Literal, Protocol

import msgspec

from services.datasets.records import _first_duplicate
from services.datasets.report import _Collector
from services.datasets.specs import DataFormat, Family, RecordRules


# ---- fast path: typed decoding in C (msgspec); anything it does not accept goes to the checks
# above, which decide and say what is wrong. The fast path only ever accepts what they accept.
# The types hold as much of a family's rules as they can (roles, forms, counts, the schema version),
# and no union of a string with a list: msgspec decodes such a union at ~1.3x the cost of the plain
# type. A family that takes either form gets one decoder per form; the reader keeps the one that
# accepted the last record, so a file written in one form pays for one decoder.
class _Text(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    text: str


Blocks = Annotated[list[_Text], msgspec.Meta(min_length=1)]
Role = Literal["user", "assistant"]


def _conversation_struct(rules: RecordRules, content: str, system: str) -> type[msgspec.Struct]:
    """The struct of a plain text record in one content form and one system form."""
    content_type: Any = str if content == "string" else Blocks
    if system == "string":
        system_type: Any = str | None
    elif rules.system_blocks is not None:
        n = rules.system_blocks
        system_type = Annotated[list[_Text], msgspec.Meta(min_length=n, max_length=n)] | None
    else:
        system_type = list[_Text] | None
    version: Any = str | None if rules.schema_version is None else Literal[rules.schema_version]
    message = msgspec.defstruct(
        "_Message", [("role", Role), ("content", content_type)], forbid_unknown_fields=True, gc=False
    )
    fields: list[Any] = [("messages", Annotated[list[message], msgspec.Meta(min_length=2)])]  # type: ignore[valid-type]
    fields.append(("schemaVersion", version) if rules.schema_version is not None else ("schemaVersion", version, None))
    fields.append(("system", system_type, None))
    return msgspec.defstruct("_Conversation", fields, forbid_unknown_fields=True, gc=False)


def _forms(form: str) -> tuple[str, ...]:
    return ("blocks", "string") if form == "either" else (form,)


class _PromptCompletion(msgspec.Struct, forbid_unknown_fields=True):
    prompt: str
    completion: str


class _InputText(msgspec.Struct, forbid_unknown_fields=True):
    input: str


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
Expect = tuple[int, int, int, int]  # input tokens, output tokens, quotes (or, asked for, colons), messages
Fast = Callable[[Any, bool], "Expect | None"]


class Accept(Protocol):
    """A raw line decoded and checked by each form's (decode, fast) pair from ``start`` on."""

    def __call__(self, raw: bytes, colons: bool, start: int = 0) -> Expect | None: ...


def _fast_prompt_completion(fam: Family) -> Fast:
    cpt = fam.chars_per_token
    up = cpt - 1

    def fast(rec: _PromptCompletion, colons: bool) -> Expect | None:
        completion = rec.completion
        if not completion.strip():
            return None
        prompt = rec.prompt
        c = 2 + prompt.count(":") + completion.count(":") if colons else 8
        return (len(prompt) + up) // cpt, (len(completion) + up) // cpt, c, 2

    return fast


def _fast_input_text(fam: Family) -> Fast:
    cpt = fam.chars_per_token
    up = cpt - 1

    def fast(rec: _InputText, colons: bool) -> Expect | None:
        text = rec.input
        if not text.strip():
            return None
        return (len(text) + up) // cpt, 0, 1 + text.count(":") if colons else 4, 1

    return fast


def _fast_conversation(fam: Family, content: str, system: str) -> Fast:
    """The common case only: text in one content form and one system form, the types having checked
    roles, forms, counts and the schema version; anything else (media, tools, reasoning, a rule
    broken) goes to the careful check. Per record: the turns' order, tokens and the strings."""
    rules = fam.rules
    cpt = rules.chars_per_token
    up = cpt - 1
    non_empty = rules.non_empty_text
    most = 2 * rules.max_user_turns if rules.max_user_turns is not None else None
    strings_per_message = 4 if content == "string" else 3  # "role", its value, "content" (+ the string)

    def fast(rec: Any, colons: bool) -> Expect | None:
        messages = rec.messages
        n = len(messages)
        if n % 2 or (most is not None and n > most):
            return None  # the last message is the user's, or more turns than the family takes
        t_in = t_out = c = 0
        strings = 1 + strings_per_message * n
        version = rec.schemaVersion
        if version is not None:
            strings += 2
            if colons:
                c += 1 + version.count(":")
        sys_ = rec.system
        if sys_ is not None:
            if system == "string":
                strings += 2
                t_in += (len(sys_) + up) // cpt
                if colons:
                    c += 1 + sys_.count(":")
            else:
                strings += 1 + 2 * len(sys_)
                c += colons
                for block in sys_:
                    t_in += (len(block.text) + up) // cpt
                    if colons:
                        c += 1 + block.text.count(":")
        user = True
        for msg in messages:
            if msg.role != ("user" if user else "assistant"):
                return None  # user first, then turn about
            body = msg.content
            if content == "string":
                if non_empty and not body:
                    return None
                k = (len(body) + up) // cpt
                if colons:
                    c += body.count(":")
            else:
                k = chars = 0
                strings += 2 * len(body)
                for block in body:
                    text = block.text
                    chars += len(text)
                    k += (len(text) + up) // cpt
                    if colons:
                        c += 1 + text.count(":")
                if non_empty and not chars:
                    return None
            if user:
                t_in += k
            else:
                t_out += k
            user = not user
        if colons:
            c += 1 + 2 * n
        return t_in, t_out, c if colons else 2 * strings, n

    return fast


def _fast_image_caption(fam: Family) -> Fast:
    low, high = fam.min_caption_chars, fam.max_caption_chars

    def fast(rec: _ImageCaption, colons: bool) -> Expect | None:
        if not rec.image_ref.startswith("s3://"):
            return None
        if high is not None and not low <= len(rec.caption) <= high:
            return None
        c = 2 + rec.image_ref.count(":") + rec.caption.count(":") if colons else 8
        return 0, 0, c, 1

    return fast


def _repeated_keys(
    lines: list[bytes],
    n: int,
    suspects: set[int] | None,
    accept: Accept,
    out: _Collector,
) -> list[tuple[int, Expect]]:
    """Report the lines of a chunk the fast path accepted although a key repeats in them; return
    them with what they had added to the counts (they are not records Bedrock takes)."""
    removed: list[tuple[int, Expect]] = []
    for i, raw in enumerate(lines, n + 1):
        if suspects is not None and i - n - 1 in suspects:
            continue
        counted, quotes = accept(raw, True), accept(raw, False)
        if counted is None or quotes is None or raw.count(b'"') == quotes[2] or raw.count(b":") == counted[2]:
            continue
        duplicate = _first_duplicate(raw)
        if duplicate is None:
            continue  # a colon written as an escape: no repeat
        out.add(i, "json", f"the key {duplicate[:64]!r} appears twice in one object; Bedrock refuses such records")
        removed.append((i, counted))
    return removed


def variants(fam: Family) -> list[tuple[Callable[[bytes], Any], Fast]]:
    """(decode, fast) pairs for the family's records, the likeliest form first."""
    fmt = fam.data_format
    if fmt is DataFormat.PROMPT_COMPLETION:
        return [(msgspec.json.Decoder(_PromptCompletion).decode, _fast_prompt_completion(fam))]
    if fmt is DataFormat.IMAGE_CAPTION:
        return [(msgspec.json.Decoder(_ImageCaption).decode, _fast_image_caption(fam))]
    if fmt is DataFormat.INPUT_TEXT:
        return [(msgspec.json.Decoder(_InputText).decode, _fast_input_text(fam))]
    if fmt is DataFormat.OPENAI_CHAT:
        return [(bytes, lambda rec, colons: None)]  # at most 20,000 records: every one the careful way
    rules = fam.rules
    pairs = [(c, s) for c in _forms(rules.content) for s in _forms(rules.system)]
    pairs.sort(key=lambda cs: cs[0] != cs[1])  # a system in the messages' form first
    return [
        (msgspec.json.Decoder(_conversation_struct(rules, c, s)).decode, _fast_conversation(fam, c, s))
        for c, s in pairs
    ]


_DECODE_ERRORS = (msgspec.ValidationError, msgspec.DecodeError, UnicodeDecodeError)


def acceptor(pairs: list[tuple[Callable[[bytes], Any], Fast]]) -> Accept:
    """One record through each (decode, fast) pair from ``start`` on until one accepts it. A pair
    that accepts after an earlier one refused moves to the front of ``pairs``: the file's form,
    likely, which the reader then tries first."""

    def accept(raw: bytes, colons: bool, start: int = 0) -> Expect | None:
        for k in range(start, len(pairs)):
            decode, fast = pairs[k]
            try:
                counted = fast(decode(raw), colons)
            except _DECODE_ERRORS:
                continue
            if counted is not None:
                if k:
                    pairs.insert(0, pairs.pop(k))
                return counted
        return None

    return accept


FORM_BITS = {"blocks": 1, "string": 2, "either": 3}
ScanSpec = tuple[int, int, bool, int, int, int, str | None, tuple[bytes, ...], bool]


def scan_spec(fam: Family) -> ScanSpec | None:
    """What the compiled scan (services/datasets/_scan.c) needs to take the records the Python fast path
    takes: (kind, characters per token, non-empty text, content forms, system forms, system blocks
    or -1, the schema version or None, the reserved words as JSON holds them, in any case). None: a
    format it does not scan (image captions)."""
    fmt = fam.data_format
    if fmt in (DataFormat.IMAGE_CAPTION, DataFormat.INPUT_TEXT, DataFormat.OPENAI_CHAT):
        return None  # the Python fast path takes these
    rules = fam.rules
    if rules.answer_optional or rules.max_user_turns is not None:
        return None  # prompts (distillation): at most 15,000 records, the Python fast path takes them
    words = tuple(json.dumps(word)[1:-1].encode() for word in rules.reserved)
    if fmt is DataFormat.PROMPT_COMPLETION:
        return (0, fam.chars_per_token, False, 0, 0, -1, None, words, rules.reserved_any_case)
    blocks = -1 if rules.system_blocks is None else rules.system_blocks
    return (
        1, rules.chars_per_token, rules.non_empty_text, FORM_BITS[rules.content], FORM_BITS[rules.system], blocks,
        rules.schema_version, words, rules.reserved_any_case,
    )  # fmt: skip
