"""The differential corpus: one generated file per rule and family, with one planted defect among
valid records (and valid controls: reasoning, documents, tool use, media), each refused or accepted
as the AWS user guide says, with the defect's 1-based line number. Where AWS's published validators
disagree with the guide, the guide wins, and the case says so."""

from __future__ import annotations

import gzip
import io
from pathlib import Path
from typing import Any

import orjson
import pytest

from services.datasets.families import FAMILIES, family_for
from services.datasets.specs import PREP, Family
from services.datasets.validate import DatasetKind, DatasetReport, validate_stream

T, V = DatasetKind.TRAINING, DatasetKind.VALIDATION
NOVA_LITE = "amazon.nova-lite-v1:0:300k"
NOVA_MICRO = "amazon.nova-micro-v1:0:128k"
NOVA2 = "amazon.nova-2-lite-v1:0:256k"
HAIKU = "anthropic.claude-3-haiku-20240307-v1:0:200k"
LLAMA_1B = "meta.llama3-2-1b-instruct-v1:0:128k"
LLAMA_11B = "meta.llama3-2-11b-instruct-v1:0:128k"
LLAMA33 = "meta.llama3-3-70b-instruct-v1:0:128k"
LLAMA31 = "meta.llama3-1-8b-instruct-v1:0:128k"
TITAN_EXPRESS = "amazon.titan-text-express-v1:0:8k"
TITAN_LITE = "amazon.titan-text-lite-v1:0:4k"
CPT_LITE = f"CONTINUED_PRE_TRAINING|{TITAN_LITE}"
RFT = f"REINFORCEMENT_FINE_TUNING|{NOVA2}"  # a case's model id with its method, when not fine-tuning
DISTILL_NOVA = f"DISTILLATION|{NOVA_MICRO}"
DISTILL_LLAMA = f"DISTILLATION|{LLAMA31}"


def prompt(*turns: str, answer: str | None = None, **extra: Any) -> dict[str, Any]:
    """A distillation prompt: user turns (an assistant's between them), and optionally the answer wanted."""
    messages: list[dict[str, Any]] = []
    for i, turn in enumerate(turns):
        if i:
            messages.append({"role": "assistant", "content": text(f"Noted {i}.")})
        messages.append({"role": "user", "content": text(turn)})
    if answer is not None:
        messages.append({"role": "assistant", "content": text(answer)})
    return {"schemaVersion": "bedrock-conversation-2024", "system": text("Be brief."), "messages": messages} | extra


PLANTED = 3  # the defect's line: two valid records before it, two after


def case_family(model_id: str) -> Family | None:
    """The family a case is for: "METHOD|model id", or a model id (fine-tuning)."""
    method, _, bare = model_id.rpartition("|")
    return family_for(bare, method or "FINE_TUNING")


def text(value: str) -> list[dict[str, Any]]:
    return [{"text": value}]


def s3(kind: str, fmt: str, key: str = "data/pic") -> dict[str, Any]:
    return {kind: {"format": fmt, "source": {"s3Location": {"uri": f"s3://bucket/{key}.{fmt}"}}}}


def blocks(user: list[Any] | str, assistant: list[Any] | str, **extra: Any) -> dict[str, Any]:
    """A bedrock-conversation-2024 record (the form Nova and Llama take)."""
    return {
        "schemaVersion": "bedrock-conversation-2024",
        "system": text("You are helpful."),
        "messages": [{"role": "user", "content": user}, {"role": "assistant", "content": assistant}],
    } | extra


def simple(user: str, assistant: str, system: str = "Be brief.") -> dict[str, Any]:
    """Claude 3 Haiku's simple form: strings."""
    return {
        "system": system,
        "messages": [{"role": "user", "content": user}, {"role": "assistant", "content": assistant}],
    }


def valid_for(family: Family, i: int) -> dict[str, Any]:
    if family.rules.answer_optional:  # distillation: prompts, the teacher answers
        return prompt(f"Question {i}?")
    if family.data_format.value == "openai-chat":
        return {
            "id": f"s-{i}",
            "messages": [{"role": "user", "content": f"Solve {i} + 1"}],
            "reference_answer": {"x": i + 1},
        }
    if family.data_format.value == "input-text":
        return {"input": f"Passage {i}: the domain's own words, as they are written."}
    if family.data_format.value == "prompt-completion":
        return {"prompt": f"Question {i}?", "completion": f"Answer {i}."}
    if family.rules.content == "string":
        return simple(f"Question {i}?", f"Answer {i}.")
    return blocks(text(f"Question {i}?"), text(f"Answer {i}."))


TOOLS = {
    "tools": [
        {
            "toolSpec": {
                "name": "get_weather",
                "description": "The weather in a city.",
                "inputSchema": {"json": {"type": "object", "properties": {"city": {"type": "string"}}}},
            }
        }
    ]
}


def tool_record(result_id: str = "t1", name: str = "get_weather", config: bool = True) -> dict[str, Any]:
    record: dict[str, Any] = {
        "schemaVersion": "bedrock-conversation-2024",
        "messages": [
            {"role": "user", "content": text("Weather in Paris?")},
            {
                "role": "assistant",
                "content": [{"toolUse": {"toolUseId": "t1", "name": name, "input": {"city": "Paris"}}}],
            },
            {"role": "user", "content": [{"toolResult": {"toolUseId": result_id, "content": [{"json": {"c": 21}}]}}]},
            {"role": "assistant", "content": text("21 °C in Paris.")},
        ],
    }
    return record | ({"toolConfig": TOOLS} if config else {})


REASONING = blocks(
    text("2 + 2?"), [{"reasoningContent": {"reasoningText": {"text": "Add the numbers."}}}, {"text": "4"}]
)

# (case, base model id, the planted record, the kind of problem or None when AWS accepts it, what the message says)
CASES: list[tuple[str, str, Any, str | None, str]] = [
    # ---- Nova (NOVA_PREP, NOVA2_PREP) ----
    ("nova content as a string", NOVA_LITE, blocks("Hi", text("Hello")), "types", "must be a list of content blocks"),
    (
        "nova system as a string",
        NOVA_LITE,
        blocks(text("Hi"), text("Hello"), system="Be kind."),
        "types",
        "system must be a list of content blocks",
    ),
    ("nova empty text in a turn", NOVA_LITE, blocks(text(""), text("Hello")), "empty", "only empty text"),
    (
        "nova image in the assistant turn",
        NOVA_LITE,
        blocks(text("Hi"), [s3("image", "png")]),
        "media",
        "assistant turn cannot hold 'image'",
    ),
    (
        "nova 11 images",
        NOVA_LITE,
        blocks([s3("image", "png", f"p{i}") for i in range(11)] + text("?"), text("Cats.")),
        "media",
        "11 images in one record",
    ),
    (
        "nova 10 images (control)",
        NOVA_LITE,
        blocks([s3("image", "png", f"p{i}") for i in range(10)] + text("?"), text("Cats.")),
        None,
        "",
    ),
    (
        "nova two videos",
        NOVA_LITE,
        blocks([s3("video", "mp4", "a"), s3("video", "mp4", "b")], text("Two clips.")),
        "media",
        "2 videos in one record",
    ),
    (
        "nova image with video",
        NOVA_LITE,
        blocks([s3("image", "png"), s3("video", "mp4")], text("Both.")),
        "media",
        "video with images",
    ),
    (
        "nova video format outside the list",
        NOVA_LITE,
        blocks([s3("video", "avi")], text("A clip.")),
        "media",
        "takes mov, mkv, mp4, webm",
    ),
    (
        "nova image format outside the list",
        NOVA_LITE,
        blocks([s3("image", "bmp")], text("A pic.")),
        "media",
        "takes png, jpeg, gif, webp",
    ),
    (
        "nova webp image (control)",
        NOVA_LITE,
        blocks([s3("image", "webp"), *text("What is it?")], text("A cat.")),
        None,
        "",
    ),
    ("nova 2 lite: webp image", NOVA2, blocks([s3("image", "webp")], text("A cat.")), "media", "takes png, jpeg, gif"),
    ("nova 2 lite: webm video", NOVA2, blocks([s3("video", "webm")], text("A clip.")), "media", "takes mov, mkv, mp4"),
    (
        "nova micro is text only",
        NOVA_MICRO,
        blocks([s3("image", "png")], text("A cat.")),
        "media",
        "Nova Micro is text-only",
    ),
    (
        "nova URI with a space",
        NOVA_LITE,
        blocks(
            [{"image": {"format": "png", "source": {"s3Location": {"uri": "s3://bucket/my pic.png"}}}}], text("A cat.")
        ),
        "media",
        "holds characters Bedrock refuses",
    ),
    (
        "nova URI with a plus",
        NOVA_LITE,
        blocks(
            [{"image": {"format": "png", "source": {"s3Location": {"uri": "s3://bucket/a+b.png"}}}}], text("A cat.")
        ),
        "media",
        "holds characters Bedrock refuses",
    ),
    ("nova reserved word, lower case", NOVA_LITE, blocks(text("user: hello"), text("Hi")), "reserved", "'User:'"),
    (
        "nova reserved word in the system prompt",
        NOVA_LITE,
        blocks(text("Hi"), text("Hello"), system=text("Bot: be kind")),
        "reserved",
        "'Bot:'",
    ),
    (
        "nova reserved word Thought: (AWS's validator lists it; a missing comma there drops it)",
        NOVA_LITE,
        blocks(text("Hi"), text("THOUGHT: easy")),
        "reserved",
        "'Thought:'",
    ),
    (
        "nova reserved word <unk> (AWS's validator)",
        NOVA_LITE,
        blocks(text("an <unk> token"), text("Hi")),
        "reserved",
        "'<unk>'",
    ),
    ("nova reserved word spelled with a unicode escape", NOVA_LITE, None, "reserved", "'[EOS]'"),
    ("nova reasoning is Nova 2 Lite's only", NOVA_LITE, REASONING, "media", "takes no 'reasoningContent' blocks"),
    ("nova 2 lite reasoning in the assistant turn (control)", NOVA2, REASONING, None, ""),
    (
        "nova 2 lite reasoning in a user turn",
        NOVA2,
        blocks([{"reasoningContent": {"reasoningText": {"text": "x"}}}, *text("?")], text("4")),
        "types",
        "a user turn cannot hold 'reasoningContent'",
    ),
    (
        "nova pdf document (control)",
        NOVA_LITE,
        blocks(
            [
                {
                    "document": {
                        "format": "pdf",
                        "name": "spec",
                        "source": {"s3Location": {"uri": "s3://bucket/spec.pdf"}},
                    }
                },
                *text("Summarise."),
            ],
            text("It specifies X."),
        ),
        None,
        "",
    ),
    (
        "nova two documents",
        NOVA_LITE,
        blocks([s3("document", "pdf", "a"), s3("document", "pdf", "b"), *text("Compare.")], text("Same.")),
        "media",
        "2 documents in one record",
    ),
    (
        "nova a docx document",
        NOVA_LITE,
        blocks([s3("document", "docx"), *text("Summarise.")], text("X.")),
        "media",
        "takes pdf",
    ),
    ("nova tool use with its result (control)", NOVA_LITE, tool_record(), None, ""),
    ("nova tool use without toolConfig", NOVA_LITE, tool_record(config=False), "tools", "needs a 'toolConfig'"),
    (
        "nova tool result for an unknown call",
        NOVA_LITE,
        tool_record(result_id="t9"),
        "tools",
        "which no earlier toolUse has",
    ),
    (
        "nova tool use of an unlisted tool",
        NOVA_LITE,
        tool_record(name="send_mail"),
        "tools",
        "which 'toolConfig' does not list",
    ),
    # ---- Claude 3 Haiku (HAIKU_VALIDATOR; PREP for the record limit) ----
    ("haiku reserved \\nHuman:", HAIKU, simple("Hi\nHuman: more", "Hello"), "reserved", "'\\nHuman:'"),
    (
        "haiku reserved \\nAssistant: in the system prompt",
        HAIKU,
        simple("Hi", "Hello", system="Rules\nAssistant: ok"),
        "reserved",
        "'\\nAssistant:'",
    ),
    ("haiku Human: without a newline (control)", HAIKU, simple("Human: please", "Hello"), None, ""),
    (
        "haiku 150,000-character reply (3 characters a token)",
        HAIKU,
        simple("Write a lot.", "x" * 150_000),
        "tokens",
        "~50,007 tokens; Anthropic Claude 3 Haiku takes at most 32,000",
    ),
    ("haiku 90,000-character reply (control)", HAIKU, simple("Write a lot.", "x" * 90_000), None, ""),
    (
        "haiku content as blocks",
        HAIKU,
        blocks(text("Hi"), text("Hello")),
        "types",
        "must be a string for Anthropic Claude 3 Haiku",
    ),
    (
        "haiku image",
        HAIKU,
        {"messages": [{"role": "user", "content": [s3("image", "png")]}, {"role": "assistant", "content": "A cat."}]},
        "types",
        "must be a string",
    ),
    (
        "haiku record without messages (AWS's validator crashes)",
        HAIKU,
        {"system": "x"},
        "keys",
        "missing key 'messages'",
    ),
    # ---- Llama conversation format (LLAMA_VALIDATOR, PREP) ----
    (
        "llama schemaVersion missing",
        LLAMA_1B,
        {k: v for k, v in blocks(text("Hi"), text("Hello")).items() if k != "schemaVersion"},
        "schema",
        "must be 'bedrock-conversation-2024'",
    ),
    (
        "llama another schemaVersion",
        LLAMA33,
        blocks(text("Hi"), text("Hello"), schemaVersion="2023"),
        "schema",
        "got '2023'",
    ),
    (
        "llama two system blocks",
        LLAMA33,
        blocks(text("Hi"), text("Hello"), system=text("a") + text("b")),
        "types",
        "takes exactly 1",
    ),
    (
        "llama 3.2 1B is text only",
        LLAMA_1B,
        blocks([s3("image", "png"), *text("What?")], text("A cat.")),
        "media",
        "is text-only",
    ),
    (
        "llama 3.3 is text only",
        LLAMA33,
        blocks([s3("image", "png"), *text("What?")], text("A cat.")),
        "media",
        "is text-only",
    ),
    (
        "llama 3.2 11B image (control)",
        LLAMA_11B,
        blocks([s3("image", "png"), *text("What?")], text("A cat.")),
        None,
        "",
    ),
    (
        "llama 3.2 11B image in the assistant turn",
        LLAMA_11B,
        blocks(text("Draw"), [s3("image", "png")]),
        "media",
        "assistant turn cannot hold 'image'",
    ),
    # ---- JSON itself ----
    ("a key twice in one object", LLAMA31, b'{"prompt":"a","prompt":"b","completion":"c"}', "json", "appears twice"),
    (
        "a conversation record for a prompt/completion model",
        LLAMA31,
        blocks(text("Hi"), text("Hello")),
        "format",
        "needs prompt/completion records",
    ),
    # ---- continued pre-training: {"input": text} only (dataset-prep-continued-pretraining.html) ----
    ("cpt a labelled record", CPT_LITE, {"prompt": "Q?", "completion": "A."}, "format", "takes unlabeled"),
    ("cpt a conversation record", CPT_LITE, blocks(text("Hi"), text("Hello")), "format", "takes unlabeled"),
    ("cpt input missing", CPT_LITE, {"text": "words"}, "keys", "missing key 'input'"),
    ("cpt an extra key", CPT_LITE, {"input": "words", "source": "wiki"}, "keys", "unexpected key(s) 'source'"),
    ("cpt input not a string", CPT_LITE, {"input": ["words"]}, "types", "'input' must be a string"),
    ("cpt input empty", CPT_LITE, {"input": "  "}, "empty", "'input' is empty"),
    ("cpt over 4,096 tokens", CPT_LITE, {"input": "x" * (4097 * 6)}, "tokens", "4,096"),
    ("cpt a long passage (control)", CPT_LITE, {"input": "x" * (4096 * 6)}, None, ""),
    ("cpt a key twice", CPT_LITE, b'{"input":"a","input":"b"}', "json", "appears twice"),
    # ---- distillation: prompts in bedrock-conversation-2024, the answer optional (distillation-data-prep-option-1) ----
    ("distill a prompt without an answer (control)", DISTILL_NOVA, prompt("Which shelf?"), None, ""),
    ("distill a prompt with a golden answer (control)", DISTILL_NOVA, prompt("Which shelf?", answer="S1."), None, ""),
    ("distill nova several turns (control)", DISTILL_NOVA, prompt("Hi", "Which shelf?"), None, ""),
    ("distill llama one turn (control)", DISTILL_LLAMA, prompt("Which shelf?", answer="S1."), None, ""),
    (
        "distill llama several turns (Anthropic and Llama take single-turn prompts)",
        DISTILL_LLAMA,
        prompt("Hi", "Which shelf?"),
        "roles",
        "2 user turns in one record",
    ),
    (
        "distill schemaVersion missing",
        DISTILL_NOVA,
        {k: v for k, v in prompt("Which shelf?").items() if k != "schemaVersion"},
        "schema",
        "must be 'bedrock-conversation-2024'",
    ),
    (
        "distill an assistant first",
        DISTILL_NOVA,
        prompt("x") | {"messages": [{"role": "assistant", "content": text("Hi")}]},
        "roles",
        "starting with user",
    ),
    ("distill no messages", DISTILL_NOVA, prompt("x") | {"messages": []}, "types", "at least one user message"),
    (
        "distill an image (text-to-text only)",
        DISTILL_NOVA,
        prompt("x") | {"messages": [{"role": "user", "content": [s3("image", "png")]}]},
        "media",
        "is text-only",
    ),
    (
        "distill a tool use (text-to-text only)",
        DISTILL_NOVA,
        tool_record(),
        "tools",
        "takes no tool use",
    ),
    ("distill nova reserved word", DISTILL_NOVA, prompt("Bot: which shelf?"), "reserved", "'Bot:'"),
    (
        "distill a prompt/completion record",
        DISTILL_LLAMA,
        {"prompt": "Q?", "completion": "A."},
        "format",
        "conversation records",
    ),
    # ---- reinforcement fine-tuning: OpenAI chat records with a reference_answer (rft-prepare-data.html) ----
    ("rft no reference_answer", RFT, {"messages": [{"role": "user", "content": "2+2?"}]}, "keys", "reference_answer"),
    ("rft a prompt/completion record", RFT, {"prompt": "2+2?", "completion": "4"}, "format", "takes messages"),
    (
        "rft assistant only",
        RFT,
        {"messages": [{"role": "assistant", "content": "4"}], "reference_answer": "4"},
        "roles",
        "no user message",
    ),
    (
        "rft an image part",
        RFT,
        {
            "messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "s3://b/x.png"}}]}],
            "reference_answer": "cat",
        },
        "media",
        "text only",
    ),
    (
        "rft a tool role",
        RFT,
        {"messages": [{"role": "tool", "content": "x"}], "reference_answer": 1},
        "roles",
        "system, user or assistant",
    ),
    (
        "rft system not first",
        RFT,
        {
            "messages": [{"role": "user", "content": "Hi"}, {"role": "system", "content": "Be brief"}],
            "reference_answer": 1,
        },
        "roles",
        "only come first",
    ),
    (
        "rft text parts and grader fields (control)",
        RFT,
        {
            "id": "m-1",
            "messages": [
                {"role": "system", "content": "Tutor"},
                {"role": "user", "content": [{"type": "text", "text": "2x+5=13"}]},
            ],
            "reference_answer": {"solution": "x = 4"},
            "difficulty": "easy",
        },
        None,
        "",
    ),
]


def _raw(record: Any) -> bytes:
    return record if isinstance(record, bytes) else orjson.dumps(record)


def write_corpus_file(tmp: Path, family: Family, planted: bytes) -> Path:
    lines = [orjson.dumps(valid_for(family, i)) for i in range(PLANTED - 1)]
    lines.append(planted)
    lines += [orjson.dumps(valid_for(family, i)) for i in range(PLANTED, PLANTED + 2)]
    path = tmp / f"{family.key}.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def check_file(path: Path, family: Family, kind: DatasetKind = T) -> DatasetReport:
    with path.open("rb") as stream:
        return validate_stream(stream, family, kind, path.stat().st_size)


@pytest.mark.parametrize(("case", "model_id", "record", "kind", "says"), CASES, ids=[c[0] for c in CASES])
def test_each_rule_is_decided_as_the_user_guide_says(
    tmp_path: Path, case: str, model_id: str, record: Any, kind: str | None, says: str
) -> None:
    family = case_family(model_id)
    assert family is not None
    planted = (
        _raw(record)
        if record is not None
        else b'{"schemaVersion":"x","messages":[{"role":"user","content":[{"text":"a \\u005BEOS] b"}]},'
        b'{"role":"assistant","content":[{"text":"ok"}]}]}'
    )
    report = check_file(write_corpus_file(tmp_path, family, planted), family)
    if kind is None:
        assert report.ok, report.issues
        assert report.records == PLANTED + 2
        return
    assert [(i.line, i.kind) for i in report.issues] == [(PLANTED, kind)], report.issues
    assert says in report.issues[0].message
    assert report.records == PLANTED + 2  # the defect is one record; the others are counted


def test_a_problem_names_the_page_that_states_the_rule(tmp_path: Path) -> None:
    family = family_for(NOVA_LITE)
    assert family is not None
    planted = orjson.dumps(blocks([s3("video", "avi")], text("A clip.")))
    message = check_file(write_corpus_file(tmp_path, family, planted), family).issues[0].message
    assert "https://github.com/aws-samples/amazon-nova-samples" in message


def test_every_rule_a_family_changes_has_a_source() -> None:
    for family in FAMILIES:
        for rule in family.rules.changed():
            url = family.rules.sources.get(rule)
            assert url and url.startswith("https://"), (family.key, rule)
        assert family.limits_source.startswith("https://")
    assert family_for(NOVA_LITE).rules.source("no-such-rule") == PREP  # type: ignore[union-attr]


def test_nova_2_lite_takes_no_validation_set(tmp_path: Path) -> None:
    family = family_for(NOVA2)
    assert family is not None
    path = write_corpus_file(tmp_path, family, orjson.dumps(valid_for(family, 9)))
    report = check_file(path, family, V)
    assert [(i.line, i.kind) for i in report.issues] == [(None, "format")]
    assert "does not take a validation dataset" in report.issues[0].message


def test_a_dataset_that_mixes_images_and_video_is_refused(tmp_path: Path) -> None:
    family = family_for(NOVA_LITE)
    assert family is not None
    lines = [
        orjson.dumps(blocks([s3("image", "png"), *text("What?")], text("A cat."))),
        orjson.dumps(valid_for(family, 1)),
        orjson.dumps(blocks([s3("video", "mp4"), *text("What?")], text("A dog running."))),
    ]
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    report = check_file(path, family)
    assert [(i.line, i.kind) for i in report.issues] == [(None, "media")]
    assert "first on line 1" in report.issues[0].message and "first on line 3" in report.issues[0].message


@pytest.mark.parametrize(
    ("model_id", "batch", "refused"),
    [
        (TITAN_EXPRESS, "1", False),
        (TITAN_EXPRESS, "2", True),
        (TITAN_EXPRESS, "4", True),
        (TITAN_LITE, "2", False),
        (TITAN_LITE, "3", True),
        (TITAN_LITE, "6", True),
    ],
)
def test_titans_record_limit_follows_the_batch_size(tmp_path: Path, model_id: str, batch: str, refused: bool) -> None:
    family = family_for(model_id)
    assert family is not None
    planted = orjson.dumps({"prompt": "Summarise: " + "word " * 3_000, "completion": "Short."})  # ~2,500 tokens
    report = check_file(
        write_corpus_file(tmp_path, family.for_request(model_id, {"batchSize": batch}), planted),
        family.for_request(model_id, {"batchSize": batch}),
    )
    if refused:
        assert [(i.line, i.kind) for i in report.issues] == [(PLANTED, "tokens")]
        assert f"at batch size {batch}" in report.issues[0].message and "at most 2,048" in report.issues[0].message
    else:
        assert report.ok, report.issues


def test_line_numbers_are_one_based_where_a_validator_counts_from_zero(tmp_path: Path) -> None:
    """AWS's Nova v1 validator reports 0-based sample ids; the first line of a file is line 1 here."""
    family = family_for(NOVA_LITE)
    assert family is not None
    path = tmp_path / "first.jsonl"
    path.write_bytes(orjson.dumps(blocks("Hi", text("Hello"))) + b"\n" + orjson.dumps(valid_for(family, 1)) + b"\n")
    assert [i.line for i in check_file(path, family).issues] == [1]


def test_validation_files_have_their_own_limits(tmp_path: Path) -> None:
    """AWS's Haiku validator applies the training limits to validation files; the guide gives
    validation its own (at most 1,000 records for Claude 3 Haiku)."""
    family = family_for(HAIKU)
    assert family is not None
    path = tmp_path / "validation.jsonl"
    path.write_bytes(b"\n".join(orjson.dumps(valid_for(family, i)) for i in range(1_001)) + b"\n")
    report = check_file(path, family, V)
    assert [(i.line, i.kind) for i in report.issues] == [(None, "records")]
    assert "at most 1,000 validation records" in report.issues[0].message


# ---- whole files that are not JSON Lines of the family's format: one clear message first ----
def _pc_lines() -> bytes:
    return b"".join(orjson.dumps({"prompt": f"Q{i}?", "completion": f"A{i}."}) + b"\n" for i in range(5))


WHOLE_FILES: list[tuple[str, str, bytes, str]] = [
    ("gzip", LLAMA31, gzip.compress(_pc_lines()), "gzip-compressed"),
    ("UTF-16", LLAMA31, _pc_lines().decode().encode("utf-16"), "UTF-16"),
    ("a JSON array", LLAMA31, orjson.dumps([{"prompt": "a", "completion": "b"}] * 3), "one JSON array"),
    (
        "pretty-printed",
        LLAMA31,
        orjson.dumps({"prompt": "a", "completion": "b"}, option=orjson.OPT_INDENT_2) * 2,
        "pretty-printed",
    ),
    ("CSV", LLAMA31, b"prompt,completion\nWhat?,That.\n", "looks like CSV"),
    ("TSV", LLAMA31, b"prompt\tcompletion\nWhat?\tThat.\n", "looks like TSV"),
    ("prompt/completion for Nova", NOVA_LITE, _pc_lines(), "One of your records, converted"),
    (
        "conversation for Llama 3.1",
        LLAMA31,
        b"\n".join(orjson.dumps(blocks(text("Hi"), text("Hello"))) for _ in range(3)),
        "looks like conversation records",
    ),
]


@pytest.mark.parametrize(("case", "model_id", "data", "says"), WHOLE_FILES, ids=[w[0] for w in WHOLE_FILES])
def test_whole_file_diagnoses_come_first(case: str, model_id: str, data: bytes, says: str) -> None:
    family = family_for(model_id)
    assert family is not None
    report = validate_stream(io.BytesIO(data), family, T, len(data))
    assert report.issues[0].line is None and report.issues[0].kind == "file"
    assert says in report.issues[0].message
    assert report.issue_counts["file"] == 1


@pytest.mark.parametrize("family", FAMILIES, ids=lambda f: f.key)
def test_each_familys_template_passes_its_own_checks(family: Family) -> None:
    from services.datasets.templates import rules_of, template_jsonl

    data = template_jsonl(family)
    report = validate_stream(io.BytesIO(data), family, T, len(data))
    assert report.ok, (family.key, report.issues)
    assert report.records >= 2
    rules = rules_of(family)
    assert rules and all(r.source.startswith("https://") for r in rules)
