"""The careful per-record checks: slow, and precise about what is wrong and where. Every record
the fast path (dataset_fast.py) does not accept comes here."""

from __future__ import annotations

import json
from typing import Any

import orjson

from services.datasets.conversation import Counted, check_conversation
from services.datasets.openai_chat import check_openai_chat
from services.datasets.report import BOM, _Collector, _tokens, _type_name
from services.datasets.specs import DataFormat, Family

# ---- per-format record checks: return (input tokens, output tokens, messages) or None after reporting ----
_PC_KEYS = frozenset({"prompt", "completion"})


def _check_prompt_completion(rec: dict[str, Any], n: int, out: _Collector, fam: Family) -> Counted | None:
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
    cpt = fam.chars_per_token
    return _tokens(prompt, cpt), _tokens(completion, cpt), 2


def _check_input_text(rec: dict[str, Any], n: int, out: _Collector, fam: Family) -> Counted | None:
    if rec.keys() != {"input"}:
        if {"prompt", "completion"} <= rec.keys() or "messages" in rec:
            out.add(
                n, "format", 'this is a labelled record; continued pre-training takes unlabeled {"input": text} records'
            )
            return None
        extra = sorted(rec.keys() - {"input"})
        parts = (["missing key 'input'"] if "input" not in rec else []) + (
            [f"unexpected key(s) {', '.join(map(repr, extra))}"] if extra else []
        )
        out.add(n, "keys", "; ".join(parts) + ' (expected exactly "input")')
        return None
    text = rec["input"]
    if type(text) is not str:
        out.add(n, "types", f"'input' must be a string, got {_type_name(text)}")
        return None
    if not text.strip():
        out.add(n, "empty", "'input' is empty")
        return None
    return _tokens(text, fam.chars_per_token), 0, 1


_IMG_KEYS = frozenset({"image-ref", "caption"})


def _check_image_caption(rec: dict[str, Any], n: int, out: _Collector, fam: Family) -> Counted | None:
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
    return 0, 0, 1


_CHECKERS = {
    DataFormat.PROMPT_COMPLETION: _check_prompt_completion,
    DataFormat.CONVERSATION: check_conversation,
    DataFormat.IMAGE_CAPTION: _check_image_caption,
    DataFormat.INPUT_TEXT: _check_input_text,
    DataFormat.OPENAI_CHAT: check_openai_chat,
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


def _precise(raw: bytes, n: int, out: _Collector, fam: Family) -> Counted | object | None:
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


def text_of(content: object, sep: str = "") -> str:
    """The text of a record's content: a string, or the ``text`` of its content blocks joined by ``sep``
    (images, documents and tools carry none)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return sep.join(b["text"] for b in content if isinstance(b, dict) and isinstance(b.get("text"), str))
    return ""
