"""The fast path: records decoded straight into typed structs in C (msgspec). It only ever
accepts what the careful checks (dataset_records.py) accept; a test proves it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import msgspec

from services.customization_specs import DataFormat, Family
from services.dataset_records import _first_duplicate
from services.dataset_report import _Collector


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
Expect = tuple[int, int, int, int]  # input tokens, output tokens, quotes (or, asked for, colons), messages
Fast = Callable[[Any, bool], "Expect | None"]


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


def _fast_conversation(fam: Family) -> Fast:
    """The common case only (text blocks or strings, as the family's rules allow them); anything
    else (media, tools, reasoning, a rule broken) goes to the careful check."""
    rules = fam.rules
    cpt = rules.chars_per_token
    up = cpt - 1
    content_str, content_list = rules.content != "blocks", rules.content != "string"
    system_str, system_list = rules.system != "blocks", rules.system != "string"
    system_blocks = rules.system_blocks
    version_required = rules.schema_version
    non_empty = rules.non_empty_text

    def fast(rec: _Conversation, colons: bool) -> Expect | None:
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
        if version_required is not None and version != version_required:
            return None
        system = rec.system
        if system is not None:
            strings += 1
            c += colons
            if isinstance(system, str):
                if not system_str:
                    return None
                strings += 1
                t_in += (len(system) + up) // cpt
                if colons:
                    c += system.count(":")
            else:
                if not system_list or (system_blocks is not None and len(system) != system_blocks):
                    return None
                strings += 2 * len(system)
                for block in system:
                    t_in += (len(block.text) + up) // cpt
                    if colons:
                        c += 1 + block.text.count(":")
        user = True
        for msg in messages:
            if msg.role != ("user" if user else "assistant"):
                return None
            content = msg.content
            if isinstance(content, str):
                if not content_str or (non_empty and not content):
                    return None
                k = (len(content) + up) // cpt
                strings += 1
                if colons:
                    c += content.count(":")
            else:
                if not content_list:
                    return None
                k = 0
                chars = 0
                strings += 2 * len(content)
                for block in content:
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
        if not user:  # the next turn would be the assistant's: the last message was the user's
            return None
        return t_in, t_out, c if colons else 2 * strings, len(messages)

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
    decode: Any,
    fast: Fast,
    out: _Collector,
) -> list[tuple[int, Expect]]:
    """Report the lines of a chunk the fast path accepted although a key repeats in them; return
    them with what they had added to the counts (they are not records Bedrock takes)."""
    removed: list[tuple[int, Expect]] = []
    for i, raw in enumerate(lines, n + 1):
        if suspects is not None and i - n - 1 in suspects:
            continue
        try:
            rec = decode(raw)
        except (msgspec.ValidationError, msgspec.DecodeError, UnicodeDecodeError):
            continue
        counted, quotes = fast(rec, True), fast(rec, False)
        if counted is None or quotes is None or raw.count(b'"') == quotes[2] or raw.count(b":") == counted[2]:
            continue
        duplicate = _first_duplicate(raw)
        if duplicate is None:
            continue  # a colon written as an escape: no repeat
        out.add(i, "json", f"the key {duplicate[:64]!r} appears twice in one object; Bedrock refuses such records")
        removed.append((i, counted))
    return removed


_FAST: dict[DataFormat, tuple[type[msgspec.Struct], Callable[[Family], Fast]]] = {
    DataFormat.PROMPT_COMPLETION: (_PromptCompletion, _fast_prompt_completion),
    DataFormat.CONVERSATION: (_Conversation, _fast_conversation),
    DataFormat.IMAGE_CAPTION: (_ImageCaption, _fast_image_caption),
}
