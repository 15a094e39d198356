"""Reinforcement fine-tuning records: the OpenAI chat-completion format (rft-prepare-data.html). Each line
holds "messages" (system, user and optionally assistant turns; text only) and "reference_answer" (any JSON
the grader understands), and may hold "id", "tools" and more fields for the grader. Checked the careful way
only (at most 20,000 records)."""

from __future__ import annotations

from typing import Any

from services.datasets.conversation import Counted
from services.datasets.report import _Collector, _tokens, _type_name
from services.datasets.specs import Family

ROLES = ("system", "user", "assistant")


def _text(content: object, n: int, i: int, out: _Collector) -> str | None:
    """A message's text: a string, or a list of {"type": "text", "text": ...} parts; None after reporting."""
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        out.add(
            n, "types", f"messages[{i}].content must be a string or a list of text parts, got {_type_name(content)}"
        )
        return None
    texts = []
    for part in content:
        if not isinstance(part, dict) or part.get("type") != "text" or not isinstance(part.get("text"), str):
            kind = part.get("type") if isinstance(part, dict) else _type_name(part)
            out.add(n, "media", f"messages[{i}] holds a {kind!r} part; reinforcement fine-tuning takes text only")
            return None
        texts.append(part["text"])
    return "".join(texts)


def check_openai_chat(rec: dict[str, Any], n: int, out: _Collector, fam: Family) -> Counted | None:
    if "messages" not in rec:
        if {"prompt", "completion"} <= rec.keys():
            out.add(
                n,
                "format",
                "this is a prompt/completion record; reinforcement fine-tuning takes messages and a reference_answer",
            )
        else:
            out.add(n, "keys", "missing key 'messages'")
        return None
    if "reference_answer" not in rec or rec["reference_answer"] is None:
        out.add(n, "keys", "missing 'reference_answer': the grader scores each answer against it")
        return None
    messages = rec["messages"]
    if not isinstance(messages, list) or not messages:
        out.add(n, "types", "'messages' must be a non-empty list")
        return None
    ins = outs = 0
    roles = []
    for i, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("role") not in ROLES:
            role = message.get("role") if isinstance(message, dict) else None
            out.add(n, "roles", f"messages[{i}].role must be system, user or assistant, got {role!r}")
            return None
        if message["role"] == "system" and i != 0:
            out.add(n, "roles", f"messages[{i}]: a system message may only come first")
            return None
        text = _text(message.get("content"), n, i, out)
        if text is None:
            return None
        roles.append(message["role"])
        if message["role"] == "assistant":
            outs += _tokens(text, fam.chars_per_token)
        else:
            ins += _tokens(text, fam.chars_per_token)
    if "user" not in roles:
        out.add(n, "roles", "no user message: the model needs a prompt to answer")
        return None
    if "id" in rec and not isinstance(rec["id"], str):
        out.add(n, "types", f"'id' must be a string, got {_type_name(rec['id'])}")
        return None
    return ins, outs, len(messages)
