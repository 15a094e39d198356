"""The broken-file corpus: each file is rejected with a precise message and line number."""

from __future__ import annotations

import io

import orjson
import pytest

from services.datasets.conversation import check_conversation as _check_conversation
from services.datasets.families import FAMILIES, family_for
from services.datasets.fast import variants
from services.datasets.records import _check_image_caption, _check_prompt_completion
from services.datasets.report import _Collector
from services.datasets.specs import DataFormat, RecordRules
from services.datasets.validate import MAX_LISTED, DatasetKind, check_record_totals, validate_stream

LLAMA31 = family_for("meta.llama3-1-8b-instruct-v1:0:128k")  # prompt/completion, 100-10,000 records
LLAMA33 = family_for("meta.llama3-3-70b-instruct-v1:0:128k")  # conversation
HAIKU = family_for("anthropic.claude-3-haiku-20240307-v1:0:200k")
NOVA = family_for("amazon.nova-micro-v1:0:128k")
CANVAS = family_for("amazon.nova-canvas-v1:0")
COHERE = family_for("cohere.command-text-v14:7:4k")
T = DatasetKind.TRAINING
# the plain conversation format (no family's extra rules): for the structural checks every family shares
PLAIN = LLAMA33.model_copy(update={"rules": RecordRules(), "label": "plain conversation"})


def pc(i: int = 0, **extra: object) -> bytes:
    return orjson.dumps({"prompt": f"Question {i}?", "completion": f"Answer {i}."} | extra)


def conv(user: str = "What is the capital of Mars?", assistant: str = "It has none.", **extra: object) -> bytes:
    record = {
        "schemaVersion": "bedrock-conversation-2024",
        "system": [{"text": "You are helpful."}],
        "messages": [
            {"role": "user", "content": [{"text": user}]},
            {"role": "assistant", "content": [{"text": assistant}]},
        ],
    } | extra
    return orjson.dumps(record)


def check(data: bytes, family=LLAMA31, kind=T):
    assert family is not None
    return validate_stream(io.BytesIO(data), family, kind, len(data))


def only(report) -> tuple[int | None, str, str]:
    """The one problem of a file (besides a whole-file diagnosis, tested on its own below)."""
    issues = [i for i in report.issues if i.kind != "file"]
    assert report.issue_total - report.issue_counts.get("file", 0) == 1, report.issues
    issue = issues[0]
    return issue.line, issue.kind, issue.message


def test_a_good_prompt_completion_file_is_counted() -> None:
    report = check(b"\n".join(pc(i) for i in range(150)) + b"\n")
    assert report.ok and report.records == 150
    assert report.tokens == sum((len(f"Question {i}?") + 5) // 6 + (len(f"Answer {i}.") + 5) // 6 for i in range(150))
    assert "characters ÷ 6" in report.token_method


@pytest.mark.parametrize(
    ("data", "line", "kind", "says"),
    [
        (pc() + b"\nnot json\n", 2, "json", "not valid JSON"),
        (b"\xef\xbb\xbf" + pc() + b"\n", 1, "encoding", "byte-order mark"),
        (pc() + b"\n\n" + pc(1) + b"\n", 2, "blank", "blank line"),
        (orjson.dumps({"prompt": "q"}) + b"\n", 1, "keys", "missing key(s) 'completion'"),
        (pc(extra="x") + b"\n", 1, "keys", "unexpected key(s) 'extra'"),
        (orjson.dumps({"prompt": 3, "completion": "a"}) + b"\n", 1, "types", "'prompt' must be a string, got a number"),
        (orjson.dumps({"prompt": "q", "completion": ""}) + b"\n", 1, "empty", "'completion' is empty"),
        (orjson.dumps([1, 2]) + b"\n", 1, "types", "must be a JSON object, got an array"),
        (pc() + b"\n" + b'{"prompt": "caf\xe9", "completion": "x"}\n', 2, "encoding", "not UTF-8"),
        (conv() + b"\n", 1, "format", "needs prompt/completion records"),
        (orjson.dumps({"prompt": "q" * 60_000, "completion": "a" * 60_000}) + b"\n", 1, "tokens", "at most 16,000"),
    ],
)
def test_broken_prompt_completion_files(data: bytes, line: int, kind: str, says: str) -> None:
    got_line, got_kind, message = only(check(data))
    assert (got_line, got_kind) == (line, kind)
    assert says in message


def test_a_zero_byte_file_and_a_file_of_blank_lines() -> None:
    assert only(check(b"")) == (None, "empty", "the file is empty (0 bytes)")
    report = check(b"\n\n")
    assert report.issue_counts == {"blank": 2, "empty": 1}


@pytest.mark.parametrize(
    ("record", "kind", "says"),
    [
        (conv().replace(b'"role":"user"', b'"role":"assistant"', 1), "roles", "roles must alternate"),
        (
            orjson.dumps({"messages": [{"role": "user", "content": [{"text": "hi"}]}] * 2}),
            "roles",
            "messages[1] has role 'user'",
        ),
        (
            orjson.dumps(
                {
                    "messages": [
                        {"role": "user", "content": "a"},
                        {"role": "assistant", "content": "b"},
                        {"role": "user", "content": "c"},
                    ]
                }
            ),
            "roles",
            "the last message must be from the assistant",
        ),
        (orjson.dumps({"prompt": "q", "completion": "a"}), "format", "needs conversation records"),
        (orjson.dumps({"messages": "hi"}), "types", "'messages' must be a list"),
        (conv(extra=1), "keys", "unexpected key(s) 'extra'"),
        (conv().replace(b'[{"text":"It has none."}]', b"[]"), "types", "non-empty list of content blocks"),
        (conv().replace(b'{"text":"It has none."}', b'{"text":5}'), "types", ".text must be a string"),
        (orjson.dumps({"system": 7, "messages": []}), "types", "'system' must be a string or a list"),
    ],
)
def test_broken_conversation_records(record: bytes, kind: str, says: str) -> None:
    line, got_kind, message = only(check(record + b"\n", PLAIN))
    assert (line, got_kind) == (1, kind)
    assert says in message


def test_claude_haiku_takes_its_simple_string_form_text_only() -> None:
    simple = orjson.dumps(
        {
            "system": "Be brief.",
            "messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}],
        }
    )
    image = orjson.dumps(
        {
            "messages": [
                {
                    "role": "user",
                    "content": [
                        {"text": "What is this?"},
                        {"image": {"format": "png", "source": {"s3Location": {"uri": "s3://b/i.png"}}}},
                    ],
                },
                {"role": "assistant", "content": "A cat."},
            ]
        }
    )
    report = check(simple + b"\n" + image + b"\n", HAIKU)
    assert report.records == 2 and [(i.line, i.kind) for i in report.issues] == [(2, "types")]
    assert "must be a string for Anthropic Claude 3 Haiku" in report.issues[0].message


def test_nova_reserved_keywords_are_refused() -> None:
    report = check(conv(user="User: hello") + b"\n" + conv() + b"\n", NOVA)
    assert only(report)[:2] == (1, "reserved")
    assert "'User:'" in report.issues[0].message


def test_record_count_limits_per_dataset_and_together() -> None:
    report = check(b"\n".join(pc(i) for i in range(10_001)), COHERE)
    assert report.issue_counts == {"records": 1}
    assert "at most 10,000 training records" in report.issues[0].message
    small = check(b"\n".join(pc(i) for i in range(40)))
    assert check_record_totals(small, None, LLAMA31) == [
        "40 records in all; Meta Llama 3.1 8B / 70B Instruct needs at least 100 (training and validation together)"
    ]
    big = check(b"\n".join(pc(i) for i in range(9_990)))
    val = check(b"\n".join(pc(i) for i in range(20)), kind=DatasetKind.VALIDATION)
    assert "at most 10,000" in check_record_totals(big, val, LLAMA31)[0]


def test_file_size_limits_are_checked_before_reading() -> None:
    family = family_for("amazon.titan-text-lite-v1:0:4k")
    report = validate_stream(io.BytesIO(b""), family, DatasetKind.VALIDATION, size_bytes=200 * 1024 * 1024)
    assert only(report)[1] == "limits" and "at most 104,857,600" in report.issues[0].message


def test_image_models_take_captions_and_no_validation_set() -> None:
    good = orjson.dumps({"image-ref": "s3://bucket/a.png", "caption": "a red bicycle"})
    assert check(good + b"\n", CANVAS).ok
    bad = orjson.dumps({"image-ref": "/tmp/a.png", "caption": "a red bicycle"})
    assert "'image-ref' must be an s3:// URI" in only(check(bad + b"\n", CANVAS))[2]
    short = orjson.dumps({"image-ref": "s3://bucket/a.png", "caption": "ab"})
    assert "takes 3–1,024" in only(check(short + b"\n", CANVAS))[2]
    report = check(good + b"\n", CANVAS, DatasetKind.VALIDATION)
    assert "does not take a validation dataset" in report.issues[0].message


def test_only_the_first_20_problems_are_listed_but_all_are_counted() -> None:
    data = b"\n".join([b"nope"] * 30 + [orjson.dumps({"prompt": "x"})] * 5)
    report = check(data)
    assert len(report.issues) == MAX_LISTED
    assert report.issue_counts == {"json": 30, "keys": 5}
    assert [i.line for i in report.issues] == list(range(1, 21))
    assert "35 problems: 30 lines are not valid JSON; 5 records have missing or unknown fields" in report.summary()


def test_a_huge_line_without_newlines_is_refused_without_reading_it_all(monkeypatch: pytest.MonkeyPatch) -> None:
    import services.datasets.validate as ds

    monkeypatch.setattr(ds, "MAX_LINE_BYTES", 1024)
    monkeypatch.setattr(ds, "CHUNK_BYTES", 256)
    report = check(b"x" * 5000)
    assert report.issue_counts == {"limits": 1}


# ---- the fast path never accepts what the careful checks reject ---------------------------------
TRICKY = [
    # the forms and rules RecordRules set per family: strings or blocks, schemaVersion, system blocks, empty text
    b'{"schemaVersion":"bedrock-conversation-2024","messages":[{"role":"user","content":[{"text":"a"}]},'
    b'{"role":"assistant","content":[{"text":"b"}]}]}',
    b'{"schemaVersion":"bedrock-conversation-2024","system":[{"text":"s"}],"messages":[{"role":"user","content":'
    b'[{"text":"a"}]},{"role":"assistant","content":[{"text":"b"}]}]}',
    b'{"schemaVersion":"bedrock-conversation-2024","system":[{"text":"s"},{"text":"t"}],"messages":[{"role":"user",'
    b'"content":[{"text":"a"}]},{"role":"assistant","content":[{"text":"b"}]}]}',
    b'{"schemaVersion":"other","messages":[{"role":"user","content":[{"text":"a"}]},'
    b'{"role":"assistant","content":[{"text":"b"}]}]}',
    b'{"messages":[{"role":"user","content":[{"text":""}]},{"role":"assistant","content":[{"text":"b"}]}]}',
    b'{"messages":[{"role":"user","content":""},{"role":"assistant","content":"b"}]}',
    b'{"system":"s","messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b"}]}',
    b'{"prompt":"a","completion":"b"}',
    b'{"prompt":"a","completion":"  "}',
    b'{"prompt":"a","completion":"b","x":1}',
    b'{"prompt":null,"completion":"b"}',
    b'{"messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b"}]}',
    b'{"messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b"}],"system":null}',
    b'{"messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b"}],"schemaVersion":null}',
    b'{"messages":[{"role":"user","content":"a"},{"role":"user","content":"b"}]}',
    b'{"messages":[{"role":"user","content":[]},{"role":"assistant","content":"b"}]}',
    b'{"messages":[{"role":"user","content":[{"text":"a","x":1}]},{"role":"assistant","content":"b"}]}',
    b'{"messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b"},{"role":"user","content":"c"}]}',
    b'{"messages":[{"role":"system","content":"a"},{"role":"assistant","content":"b"}]}',
    b'{"messages":[{"role":"user","content":"a"}]}',
    b'{"messages":[{"role":"user","content":"a","x":2},{"role":"assistant","content":"b"}]}',
    b'{"system":[{"text":"s"}],"messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b"}]}',
    b'{"system":[{"text":1}],"messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b"}]}',
    b'{"image-ref":"s3://b/k.png","caption":"a cat"}',
    b'{"image-ref":"s3://b/k.png","caption":"ab"}',
    b'{"image-ref":"http://b/k.png","caption":"a cat"}',
    b'{"image-ref":"s3://b/k.png","caption":"a cat","x":1}',
]
CAREFUL = {
    DataFormat.PROMPT_COMPLETION: _check_prompt_completion,
    DataFormat.CONVERSATION: _check_conversation,
    DataFormat.IMAGE_CAPTION: _check_image_caption,
}


@pytest.mark.parametrize("raw", TRICKY)
@pytest.mark.parametrize("family", FAMILIES, ids=lambda f: f.key)
def test_fast_path_agrees_with_the_careful_checks(raw: bytes, family) -> None:
    import msgspec

    # every format's fast path, each of its forms, against the careful check of that format
    for fmt, careful in CAREFUL.items():
        as_format = family.model_copy(update={"data_format": fmt})
        for decode, fast in variants(as_format):
            try:
                rec = decode(raw)
                quick, quotes = fast(rec, True), fast(rec, False)
            except (msgspec.ValidationError, msgspec.DecodeError):
                quick = None
            slow = careful(orjson.loads(raw), 1, _Collector(), as_format)
            if quick is not None:  # what the fast path accepts the careful check accepts, with the same counts
                assert slow == (quick[0], quick[1], quick[3]), raw
                # the strings and colons the line holds: never more (that would let a repeated key
                # through); fewer (a "system": null) only sends the chunk to the line-by-line check
                assert quotes[2] <= raw.count(b'"') and quick[2] <= _colons_in(orjson.loads(raw)) == raw.count(b":")


def _colons_in(value: object) -> int:
    if isinstance(value, dict):
        return sum(1 + k.count(":") + _colons_in(v) for k, v in value.items())
    if isinstance(value, list):
        return sum(_colons_in(v) for v in value)
    return value.count(":") if isinstance(value, str) else 0


DUPLICATES = [
    b'{"prompt":"a","prompt":"b","completion":"c"}',
    b'{"prompt":"a","completion":"c","completion":"d"}',
    b'{"prompt" : "a", "prompt"  :"b","completion":"c"}',
    b'{"prompt":"a",\t"prompt"\t:"b","completion":"c"}',
    b'{"prompt":"two\\nlines: one","prompt":"b","completion":"c"}',  # escapes: the colon count decides
    b'{"prompt":"say \\"hi\\"","completion":"c","completion":"d: e"}',
]


@pytest.mark.parametrize("raw", DUPLICATES)
def test_a_repeated_key_is_refused_with_its_line(raw: bytes) -> None:
    family = family_for("amazon.titan-text-lite-v1:0:4k")
    data = b'{"prompt":"ok","completion":"fine"}\n' + raw + b"\n"
    report = validate_stream(io.BytesIO(data), family, DatasetKind.TRAINING)
    assert [(i.line, i.kind) for i in report.issues] == [(2, "json")]
    assert "appears twice" in report.issues[0].message


@pytest.mark.parametrize(
    "raw",
    [
        b'{"prompt":"two\\nlines: one","completion":"ok: fine"}',
        b'{"prompt":"a colon \\u003a escaped","completion":"ok"}',
        b'{"prompt":"C:\\\\","completion":"a \\"quoted\\": text"}',
    ],
)
def test_escapes_are_not_repeated_keys(raw: bytes) -> None:
    family = family_for("amazon.titan-text-lite-v1:0:4k")
    report = validate_stream(io.BytesIO(raw + b"\n" + raw + b"\n"), family, DatasetKind.TRAINING)
    assert not report.issue_counts.get("json"), report.issues
    assert report.records == 2


def test_quoted_json_in_a_text_is_not_a_repeated_key() -> None:
    family = family_for("amazon.titan-text-lite-v1:0:4k")
    raw = b'{"prompt":"Answer as JSON like {\\"prompt\\": 1, \\"prompt\\" : 2}","completion":"ok"}\n'
    report = validate_stream(io.BytesIO(raw), family, DatasetKind.TRAINING)
    assert report.ok and report.records == 1


# ---- whole-file diagnoses: one clear message first ---------------------------------------------------
@pytest.mark.parametrize(
    ("data", "says"),
    [
        (__import__("gzip").compress(b'{"prompt": "a", "completion": "b"}\n'), "gzip-compressed"),
        ('{"prompt": "a", "completion": "b"}\n'.encode("utf-16"), "UTF-16"),
        (b'[{"prompt": "a", "completion": "b"},\n {"prompt": "c", "completion": "d"}]\n', "one JSON array"),
        (b'{\n  "prompt": "a",\n  "completion": "b"\n}\n', "pretty-printed"),
        (b"prompt,completion\nhello,world\n", "looks like CSV"),
        (b"prompt\tcompletion\nhello\tworld\n", "looks like TSV"),
        (
            b'{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]}\n',
            'One of your records, converted: {"prompt": "hi", "completion": "yo"}',
        ),
    ],
)
def test_a_file_that_is_not_json_lines_of_its_family_gets_one_clear_message_first(data: bytes, says: str) -> None:
    report = check(data)
    assert report.issues[0].kind == "file" and report.issues[0].line is None
    assert says in report.issues[0].message
    assert report.issue_counts["file"] == 1


def test_prompt_completion_records_for_nova_come_with_one_converted() -> None:
    nova = family_for("amazon.nova-micro-v1:0:128k")
    report = check(b'{"prompt": "What is 2+2?", "completion": "4"}\n' * 10, family=nova)
    first = report.issues[0]
    assert first.kind == "file" and "needs the conversation format" in first.message
    assert '"messages": [{"role": "user", "content": [{"text": "What is 2+2?"}]}' in first.message


def test_good_files_get_no_diagnosis() -> None:
    report = check(b'{"prompt": "a, b; c", "completion": "d"}\n' * 120)
    assert "file" not in report.issue_counts


@pytest.mark.parametrize("chunk", [256, 4096, 4 * 1024 * 1024])
def test_limits_repeats_and_careful_records_in_one_chunk_keep_their_lines_and_counts(
    monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    """Tokens and limits are taken a chunk at a time: a record over the limit, a repeated key and a
    record only the careful checks accept, side by side, each keep their own line and counts."""
    import services.datasets.validate as ds

    monkeypatch.setattr(ds, "CHUNK_BYTES", chunk)
    big = orjson.dumps({"prompt": "w" * 100_000, "completion": "ok"})  # ~16,667 tokens: over Llama 3.1's 16,000
    lines = [pc(i) for i in range(40)]
    lines[9] = big
    lines[10] = b'{"prompt":"a","prompt":"b","completion":"c"}'
    lines[11] = b'  {"prompt": "spaced", "completion": "out"}  '  # the fast path takes it too; fine either way
    lines[12] = b'{"prompt":"x\\u00e9","completion":"y"}'
    lines[30] = big
    report = check(b"\n".join(lines) + b"\n")
    assert [(i.line, i.kind) for i in report.issues] == [(10, "tokens"), (11, "json"), (31, "tokens")]
    assert report.records == 40 and report.stats.over_limit == 2
    accepted = 40 - 3
    assert sum(b.records for b in report.stats.input_tokens.bins) == accepted
    clean = check(b"\n".join(line for k, line in enumerate(lines) if k not in (9, 10, 30)) + b"\n")
    assert report.tokens == clean.tokens and report.max_record_tokens == clean.max_record_tokens


def test_a_family_taking_either_form_reads_a_file_that_mixes_them() -> None:
    """Rules with content "either": one decoder per form, the reader switching to whichever accepts."""
    either = LLAMA33.model_copy(
        update={
            "rules": LLAMA33.rules.model_copy(
                update={"content": "either", "system": "either", "schema_version": None, "system_blocks": None}
            )
        }
    )
    strings = b'{"system":"s","messages":[{"role":"user","content":"aaaaaa"},{"role":"assistant","content":"b"}]}'
    blocks = b'{"system":[{"text":"s"}],"messages":[{"role":"user","content":[{"text":"aaaaaa"}]},{"role":"assistant","content":[{"text":"b"}]}]}'
    mixed = (
        b'{"system":"s","messages":[{"role":"user","content":[{"text":"aaaaaa"}]},{"role":"assistant","content":"b"}]}'
    )
    data = b"\n".join([strings, blocks, blocks, strings, mixed, strings]) + b"\n"
    report = validate_stream(io.BytesIO(data), either, T)
    assert report.records == 6 and not report.issues, report.issues
    assert report.tokens == 6 * (1 + 1 + 1)  # system, prompt and reply: a token each at 6 characters a token
    strict = validate_stream(io.BytesIO(data), LLAMA33, T)  # blocks only, schemaVersion required
    assert strict.records == 6 and {i.line for i in strict.issues} == {1, 2, 3, 4, 5, 6}


def test_the_same_problem_on_many_lines_is_said_once_with_its_lines() -> None:
    from services.datasets.report import group_problems

    bad = "a prompt/completion record; Amazon Nova takes bedrock-conversation-2024 records"
    problems = [f"Training Data, line {n}: {bad}" for n in (1, 2, 3, 5, 9, 10)] + [
        "Training Data, line 4: not JSON",
        "Validation Data, line 1: " + bad,
        "Training Data: … and 180 more not listed; in all 186 problems: 186 records are in the wrong format.",
    ]
    assert group_problems(problems) == [
        f"Training Data, lines 1–3, 5, 9–10: {bad}",
        "Training Data, line 4: not JSON",
        f"Validation Data, line 1: {bad}",
        "Training Data: … and 180 more not listed; in all 186 problems: 186 records are in the wrong format.",
    ]


def test_a_whole_file_of_the_other_format_converts_record_for_record() -> None:
    import io

    import orjson

    from services.datasets.diagnosis import convert_file, diagnose
    from services.datasets.families import family_for

    nova = family_for("amazon.nova-micro-v1:0:128k")
    assert nova is not None
    long_answer = "word " * 200
    data = b"".join(
        orjson.dumps({"prompt": f"Q{i}?", "completion": long_answer if i == 0 else f"A{i}."}) + b"\n\n"
        for i in range(5)
    )
    said = diagnose(data, nova)
    assert said is not None and "converted:" in said
    example = orjson.loads(said.split("converted: ", 1)[1])  # still valid JSON: texts cut at a word, marked
    assert example["messages"][1]["content"][0]["text"].endswith("word …")
    out = io.BytesIO()
    assert convert_file(io.BytesIO(data), nova, out) == 5
    lines = out.getvalue().splitlines()
    first = orjson.loads(lines[0])
    assert first["schemaVersion"] == "bedrock-conversation-2024"
    assert first["messages"][1]["content"][0]["text"] == long_answer  # every character kept
    assert convert_file(io.BytesIO(data + b"not json\n"), nova, io.BytesIO()) is None  # not one-to-one: none


def test_check_data_warns_of_repeats_copies_and_empty_prompts_with_their_lines() -> None:
    import io

    import orjson

    from services.datasets.warnings import data_warnings

    def records(pairs: list[tuple[str, str]]) -> bytes:
        return b"".join(orjson.dumps({"prompt": p, "completion": c}) + b"\n" for p, c in pairs)

    training = records([(f"Q{i}?", f"A{i}.") for i in range(10)] + [("Q1?", "A1."), ("Q2?", "A2."), ("", "A.")])
    validation = records([("Q3?", "A3."), ("New?", "Yes."), ("Q4?", "A4.")])
    said = data_warnings(io.BytesIO(training), io.BytesIO(validation))
    assert said == [
        "Training Data: 2 record(s) repeat an earlier record of the file (lines 11–12): "
        "a repeated example weighs more in training.",
        "Training Data: 1 record(s) have an empty prompt or user turn (line 13): the model learns to answer "
        "nothing asked.",
        "Validation Data: 2 record(s) are exact copies of training records (lines 1, 3): validation loss on "
        "them says nothing about questions the model has not seen.",
    ]
    conversation = orjson.dumps(
        {"messages": [{"role": "user", "content": [{"text": " "}]}, {"role": "assistant", "content": [{"text": "x"}]}]}
    )
    assert "empty prompt or user turn (line 1)" in data_warnings(io.BytesIO(conversation + b"\n"), None)[0]
    assert data_warnings(io.BytesIO(records([("Q?", "A.")])), None) == []  # nothing to say


def test_problem_counts_are_said_in_words_with_one_total_everywhere() -> None:
    from services.datasets.report import problems_in_words

    said = problems_in_words({"json": 21, "file": 1})
    assert said == "22 problems: 21 lines are not valid JSON; 1 about the whole file"
    assert problems_in_words({"keys": 1}) == "1 problem: 1 record has missing or unknown fields"
    assert "other problem" in problems_in_words({"something-new": 1})  # never a raw kind code on screen


def test_the_families_are_a_data_file_and_a_wrong_entry_is_said_with_its_family(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from services.datasets.families import FAMILIES, FAMILIES_FILE, load_families

    assert load_families() == FAMILIES and len(FAMILIES) >= 17
    text = FAMILIES_FILE.read_text(encoding="utf-8")
    planted = tmp_path / "families.toml"
    planted.write_text(text.replace('limits_source = "NOVA_VALIDATOR"', 'limits_source = "NOWHERE"', 1))
    with pytest.raises(ValueError, match=r"families.toml, family 'nova-2-lite': 'NOWHERE'"):
        load_families(planted)
    planted.write_text(text.replace("max_total_records = 20_000", 'max_total_records = "many"', 1))
    with pytest.raises(ValueError, match=r"(?s)family 'nova-2-lite'.*max_total_records"):
        load_families(planted)


def test_rft_hyperparameters_are_typed_with_botocores_ranges_and_left_to_bedrock_when_blank() -> None:
    from services.datasets.families import family_for

    family = family_for("amazon.nova-2-lite-v1:0:256k", "REINFORCEMENT_FINE_TUNING")
    assert family is not None and family.on_demand and family.min_records == 100 and family.max_total_records == 20_000
    hps = {h.name: h for h in family.hyperparameters}
    assert all(h.optional for h in hps.values())  # AWS publishes no defaults: blank is not sent
    assert hps["reasoningEffort"].normalized(" High ") == "high" and hps["reasoningEffort"].typed("high") == "high"
    with pytest.raises(ValueError, match="not one of low, medium, high"):
        hps["reasoningEffort"].normalized("max")
    assert hps["batchSize"].typed(hps["batchSize"].normalized("32")) == 32
    with pytest.raises(ValueError, match="out of range"):
        hps["trainingSamplePerPrompt"].normalized("17")
    assert hps["learningRate"].typed(hps["learningRate"].normalized("1e-5")) == 1e-5
