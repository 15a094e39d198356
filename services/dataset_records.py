"""The careful per-record checks: slow, and precise about what is wrong and where. Every record
the fast path (dataset_fast.py) does not accept comes here."""

from __future__ import annotations

import json
from typing import Any

import orjson

from services.customization_specs import DataFormat, Family
from services.dataset_report import BOM, IMAGE_FORMATS, IMAGE_TOKENS, ROLES, _Collector, _tokens, _type_name

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
