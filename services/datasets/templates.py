"""A template per family: example records in the family's format, and its rules in words, each with
the page that states it. The New Model form shows them and offers the records as a download; the
examples pass the family's own checks (a test makes sure)."""

from __future__ import annotations

from typing import Any

import orjson
from pydantic import BaseModel, ConfigDict

from services.datasets.report import token_method
from services.datasets.specs import DataFormat, Family


class Rule(BaseModel):
    model_config = ConfigDict(frozen=True)

    text: str
    source: str


_QA = (
    ("What is the capital of Mars?", "Mars has no capital. Perhaps it will one day."),
    ("How many moons does Mars have?", "Two: Phobos and Deimos."),
    ("Which planet is the largest?", "Jupiter."),
)
SYSTEM = "You are a concise, friendly assistant."


def example_records(family: Family) -> list[dict[str, Any]]:
    """A few records in exactly the form ``family`` takes."""
    if family.data_format is DataFormat.PROMPT_COMPLETION:
        return [{"prompt": q, "completion": a} for q, a in _QA]
    if family.data_format is DataFormat.OPENAI_CHAT:
        return [
            {"id": f"sample-{i}", "messages": [{"role": "system", "content": SYSTEM}, {"role": "user", "content": q}],
             "reference_answer": {"answer": a}}
            for i, (q, a) in enumerate(_QA, 1)
        ]  # fmt: skip
    if family.data_format is DataFormat.INPUT_TEXT:
        return [{"input": f"{q} {a}"} for q, a in _QA]
    if family.data_format is DataFormat.IMAGE_CAPTION:
        return [
            {"image-ref": f"s3://amzn-s3-demo-bucket/images/{name}.png", "caption": caption}
            for name, caption in (("cat", "A tabby cat asleep on a red sofa"), ("dog", "A dog running on a beach"))
        ]
    rules = family.rules
    records = []
    for n, (q, a) in enumerate(_QA):
        if rules.content == "string":
            record: dict[str, Any] = {
                "system": SYSTEM,
                "messages": [{"role": "user", "content": q}, {"role": "assistant", "content": a}],
            }
        else:
            answer = [] if rules.answer_optional and n % 2 else [{"role": "assistant", "content": [{"text": a}]}]
            record = {
                "schemaVersion": rules.schema_version or "bedrock-conversation-2024",
                "system": [{"text": SYSTEM}],
                "messages": [{"role": "user", "content": [{"text": q}]}, *answer],  # prompts: the answer optional
            }
        records.append(record)
    if rules.image_formats:
        fmt = rules.image_formats[0]
        records.append(
            {
                "schemaVersion": rules.schema_version or "bedrock-conversation-2024",
                "messages": [
                    {
                        "role": "user",
                        "content": [
                            {"text": "What is in this picture?"},
                            {
                                "image": {
                                    "format": fmt,
                                    "source": {"s3Location": {"uri": f"s3://amzn-s3-demo-bucket/images/cat.{fmt}"}},
                                }
                            },
                        ],
                    },
                    {"role": "assistant", "content": [{"text": "A tabby cat asleep on a red sofa."}]},
                ],
            }
        )
    return records


def template_jsonl(family: Family) -> bytes:
    return b"".join(orjson.dumps(record) + b"\n" for record in example_records(family))


def rules_of(family: Family) -> list[Rule]:
    """What Model Studio checks for ``family``, in words, each with its source."""
    limits = family.limits_source
    out: list[Rule] = []

    def add(text: str, source: str) -> None:
        out.append(Rule(text=text, source=source))

    add(f"One JSON object per line, UTF-8, records in the {family.data_format.value} format.", limits)
    if family.min_records or family.max_total_records:
        low = f"at least {family.min_records:,}" if family.min_records else ""
        high = f"at most {family.max_total_records:,}" if family.max_total_records else ""
        add(f"Records (training and validation together): {' and '.join(p for p in (low, high) if p)}.", limits)
    if family.max_training_records:
        add(f"Training records: at most {family.max_training_records:,}.", limits)
    if family.max_validation_records:
        add(f"Validation records: at most {family.max_validation_records:,}.", limits)
    if not family.validation_supported:
        add("No validation dataset.", limits)
    for what, size in (("Training", family.max_training_bytes), ("Validation", family.max_validation_bytes)):
        if size:
            add(f"{what} file: at most {size / 1024**2:,.0f} MB.", limits)
    if family.max_tokens_per_record:
        add(f"Tokens per record (input + output): at most {family.max_tokens_per_record:,}.", limits)
    for prefix, low_batch, high_batch, limit in family.batch_token_limits:
        add(f"{prefix}: at most {limit:,} tokens per record at batch size {low_batch}–{high_batch}.", limits)
    if family.max_input_tokens:
        add(f"Input tokens: at most {family.max_input_tokens:,}; output: {family.max_output_tokens or 0:,}.", limits)
    if family.max_caption_chars:
        add(f"Captions: {family.min_caption_chars:,}–{family.max_caption_chars:,} characters.", limits)
    if family.data_format is not DataFormat.IMAGE_CAPTION:
        add(f"Tokens are {token_method(family)}.", family.rules.source("chars_per_token"))
    if family.data_format is DataFormat.CONVERSATION:
        _conversation_rules(family, add)
    return out


def _conversation_rules(family: Family, add: Any) -> None:
    rules = family.rules
    form = {"string": "a string", "blocks": "a list of content blocks", "either": "a string or a list of blocks"}
    if rules.answer_optional:
        add(
            "Prompts: roles alternate user, assistant, starting with user; the last turn may be the user's (the "
            "teacher answers it), or the assistant's answer you want (a golden example).",
            rules.source("answer_optional"),
        )
    else:
        add("Roles alternate user, assistant, starting with user and ending with the assistant.", rules.source(""))
    if rules.max_user_turns is not None:
        add(f"At most {rules.max_user_turns} user turn(s) per record (single-turn).", rules.source("max_user_turns"))
    add(f"A message's content is {form[rules.content]}; 'system' is {form[rules.system]}.", rules.source("content"))
    if rules.system_blocks is not None:
        add(f"'system' holds exactly {rules.system_blocks} block.", rules.source("system_blocks"))
    if rules.schema_version:
        add(f"'schemaVersion' is {rules.schema_version!r}.", rules.source("schema_version"))
    add(f"Content blocks: {', '.join(sorted(rules.blocks))}.", rules.source("blocks"))
    if rules.image_formats:
        most = f"; at most {rules.max_images} per record" if rules.max_images else ""
        add(f"Images ({', '.join(rules.image_formats)}) in user turns only{most}.", rules.source("image_formats"))
    if rules.video_formats:
        add(
            f"Video ({', '.join(rules.video_formats)}): at most {rules.max_videos} per record, never with images "
            "in one record or one dataset.",
            rules.source("video_formats"),
        )
    if rules.document_formats:
        add(
            f"Documents ({', '.join(rules.document_formats)}): at most {rules.max_documents} per record.",
            rules.source("document_formats"),
        )
    if rules.media_uri_pattern:
        add("Media URIs hold only letters, digits, '_', '-', '/' and '.'.", rules.source("media_uri_pattern"))
    if rules.non_empty_text:
        add("No turn of only empty text.", rules.source("non_empty_text"))
    if "reasoningContent" in rules.blocks:
        add("reasoningContent in assistant turns.", rules.source("blocks"))
    if rules.tool_config:
        add(
            "Tool use: 'toolConfig' lists the tools; every toolResult answers an earlier toolUse.",
            rules.source("tool_config"),
        )
    if rules.reserved:
        words = ", ".join(repr(w) for w in rules.reserved)
        case = " (in any case)" if rules.reserved_any_case else ""
        add(f"Reserved words{case}, refused anywhere in a text: {words}.", rules.source("reserved"))
