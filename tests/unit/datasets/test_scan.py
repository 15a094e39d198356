"""The compiled scan (services/datasets/_scan.c) against the Python fast path and the careful checks: it takes
only records the Python fast path takes, with the same counts, and every report is the same with it
or without it (the differential corpus of test_data_rules.py, run both ways)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import msgspec
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.datasets import validate as datasets
from services.datasets.families import FAMILIES, family_for
from services.datasets.fast import scan_spec, variants
from services.datasets.specs import Family
from services.datasets.validate import DatasetKind, validate_stream
from tests.unit.datasets.test_data_rules import CASES, PLANTED, _raw, case_family, valid_for, write_corpus_file

LLAMA33 = family_for("meta.llama3-3-70b-instruct-v1:0:128k")
NOVA = family_for("amazon.nova-micro-v1:0:128k")
HAIKU = family_for("anthropic.claude-3-haiku-20240307-v1:0:200k")
LLAMA31 = family_for("meta.llama3-1-8b-instruct-v1:0:128k")


def test_the_compiled_scan_is_built_and_used() -> None:
    from services.datasets import _scan  # make builds it (build_scan.py); a missing compiler fails here

    assert datasets._scan is _scan


def python_counts(family: Family, raw: bytes) -> tuple[int, int, int] | None:
    """What the Python fast path takes of one line: (input tokens, output tokens, messages)."""
    for decode, fast in variants(family):
        try:
            counted = fast(decode(raw), False)
        except (msgspec.ValidationError, msgspec.DecodeError, UnicodeDecodeError):  # this form does not take it
            continue
        if counted is not None:
            return counted[0], counted[1], counted[3]
    return None


def scanned(family: Family, raw: bytes) -> tuple[int, int, int] | None:
    from services.datasets import _scan

    spec = scan_spec(family)
    assert spec is not None
    ins, outs, _, turns, _, _, _, _, left = _scan.scan([raw], spec, False, None)
    return None if left else (ins[0], outs[0], turns[0])


def conversation(user: Any, assistant: Any, **extra: Any) -> dict[str, Any]:
    return {
        "schemaVersion": "bedrock-conversation-2024",
        "system": [{"text": "You are helpful."}],
        "messages": [{"role": "user", "content": user}, {"role": "assistant", "content": assistant}],
    } | extra


TEXT = [{"text": 'héllo wörld 😀, a “quote” and "escapes"\n\ttoo'}]


@pytest.mark.parametrize(
    ("family", "raw"),
    [
        (LLAMA33, orjson.dumps(conversation(TEXT, TEXT))),
        (LLAMA33, b'  {"messages":[{"content":[{"text":"a\\u00e9\\/"}],"role":"user"},'
         b'{"role":"assistant","content":[{"text":"b"},{"text":"c"}]}],'
         b'"system":[{"text":"s"}],"schemaVersion":"bedrock-conversation-2024"}\r'),
        (NOVA, orjson.dumps(conversation(TEXT, [{"text": "Answer 12: fine, no reserved word"}]))),
        (HAIKU, orjson.dumps({"system": "Be brief.", "messages": [
            {"role": "user", "content": "Question: ünïcode " * 20}, {"role": "assistant", "content": "yes"}]})),
        (LLAMA31, orjson.dumps({"prompt": "What is 𝔸?" * 7, "completion": " ok "})),
    ],
)  # fmt: skip
def test_what_the_scan_takes_it_counts_as_the_python_fast_path_does(family: Family, raw: bytes) -> None:
    assert scanned(family, raw) is not None
    assert scanned(family, raw) == python_counts(family, raw)


@pytest.mark.parametrize(
    ("family", "raw", "why"),
    [
        (LLAMA33, orjson.dumps(conversation(TEXT, TEXT, extra=1)), "an unknown key"),
        (LLAMA33, orjson.dumps(conversation(TEXT, TEXT)).replace(b'"system"', b'"messages":[],"system"'),
         "a repeated key"),
        (LLAMA33, orjson.dumps(conversation(TEXT, TEXT)).replace(b'"role"', b'"r\\u006fle"', 1), "an escape in a key"),
        (LLAMA33, orjson.dumps(conversation([{"text": "a \\ud83d b"}], TEXT)).replace(b"\\\\", b"\\"),
         "a lone surrogate escape"),
        (LLAMA33, orjson.dumps(conversation(TEXT, TEXT)).replace(b"h\xc3\xa9", b"h\xc0\x80"), "overlong UTF-8"),
        (LLAMA33, orjson.dumps(conversation(TEXT, TEXT)).replace(b"h\xc3\xa9", b"h\xed\xa0\x80"), "a UTF-8 surrogate"),
        (LLAMA33, orjson.dumps(conversation(TEXT, TEXT)).replace(b"\\t", b"\t"), "a raw control character"),
        (LLAMA33, orjson.dumps(conversation(TEXT, TEXT)) + b" x", "text after the record"),
        (LLAMA33, orjson.dumps(conversation(TEXT, TEXT, schemaVersion="v2")), "another schema version"),
        (LLAMA33, orjson.dumps(conversation(TEXT, TEXT, system=[{"text": "a"}, {"text": "b"}])), "two system blocks"),
        (LLAMA33, orjson.dumps(conversation(TEXT, "a string")), "mixed content forms"),
        (LLAMA33, orjson.dumps(conversation(TEXT, [])), "no content block"),
        (LLAMA33, orjson.dumps(conversation(TEXT, [{"text": "a", "x": 1}])), "a block with another key"),
        (LLAMA33, orjson.dumps({"messages": [{"role": "assistant", "content": TEXT}, {"role": "user", "content": TEXT}],
                                "schemaVersion": "bedrock-conversation-2024"}), "the assistant first"),
        (LLAMA33, orjson.dumps({"messages": [{"role": "user", "content": TEXT}] * 1,
                                "schemaVersion": "bedrock-conversation-2024"}), "one message"),
        (NOVA, orjson.dumps(conversation(TEXT, [{"text": "uSeR: hi"}])), "a reserved word in any case"),
        (NOVA, orjson.dumps(conversation(TEXT, [{"text": "<image>"}])), "a reserved tag"),
        (NOVA, orjson.dumps(conversation(TEXT, [{"text": "x"}])).replace(b'"x"', b'"\\u0078"'),
         "a \\u escape where words are reserved"),
        (NOVA, orjson.dumps(conversation(TEXT, [{"text": ""}])), "an empty turn"),
        (HAIKU, orjson.dumps({"messages": [{"role": "user", "content": "a\nHuman: b"},
                                           {"role": "assistant", "content": "c"}]}), "Claude's reserved turn"),
        (LLAMA31, orjson.dumps({"prompt": "a", "completion": "  \u00a0 "}), "a completion that may be blank"),
        (LLAMA31, orjson.dumps({"prompt": "a", "completion": None}), "a null completion"),
        (LLAMA31, b'{"prompt":"a","completion":"b","prompt":"c"}', "a repeated prompt"),
        (LLAMA31, b"\xef\xbb\xbf" + orjson.dumps({"prompt": "a", "completion": "b"}), "a byte-order mark"),
    ],
)  # fmt: skip
def test_what_the_scan_leaves_to_python(family: Family, raw: bytes, why: str) -> None:
    assert scanned(family, raw) is None, why


def report_both_ways(path: Path, family: Family, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Any]:
    with path.open("rb") as stream:
        compiled = validate_stream(stream, family, DatasetKind.TRAINING, path.stat().st_size)
    with monkeypatch.context() as m:
        m.setattr(datasets, "_scan", None)  # the fallback the module takes without the compiled scan
        with path.open("rb") as stream:
            python = validate_stream(stream, family, DatasetKind.TRAINING, path.stat().st_size)
    return compiled.model_dump(), python.model_dump()


@pytest.mark.parametrize(("case", "model_id", "record", "kind", "says"), CASES, ids=[c[0] for c in CASES])
def test_every_rule_of_the_corpus_is_reported_the_same_with_or_without_the_scan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str, model_id: str, record: Any, kind: Any, says: str
) -> None:
    family = case_family(model_id)
    planted = _raw(record) if record is not None else b'{"messages":[]}'
    compiled, python = report_both_ways(write_corpus_file(tmp_path, family, planted), family, monkeypatch)
    assert compiled == python


def _takes_its_own_records(family: Family) -> bool:
    raw = b"".join(orjson.dumps(valid_for(family, i)) + b"\n" for i in range(3))
    return validate_stream(io.BytesIO(raw), family, DatasetKind.TRAINING).records == 3 and family.data_format.value != (
        "image-caption"
    )


TEXT_FAMILIES = [f for f in FAMILIES if _takes_its_own_records(f)]


@pytest.mark.parametrize("family", TEXT_FAMILIES, ids=lambda f: f.key)
def test_a_large_mixed_file_is_reported_the_same_with_or_without_the_scan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, family: Family
) -> None:
    """Many chunks; valid records, blank lines, repeated keys, over-long records and broken JSON mixed."""
    lines = []
    for i in range(40_000):
        record = orjson.dumps(valid_for(family, i))
        if i % 8000 == 5:
            record = record[:-1] + b',"x":1}'
        elif i % 11000 == 7:
            record = b""
        elif i % 13000 == 9:
            record = record[: len(record) // 2]
        elif i % 17000 == 11 and record.startswith(b'{"prompt"'):
            record = record.replace(b'{"prompt"', b'{"prompt":"dup","prompt"', 1)
        lines.append(record)
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    compiled, python = report_both_ways(path, family, monkeypatch)
    assert compiled == python
    assert compiled["records"] > 30_000 and compiled["issue_counts"]  # whole, and the defects found


_strings = st.text(alphabet=st.characters(codec="utf-8"), max_size=30)


@settings(max_examples=300, deadline=None)
@given(
    user=st.one_of(_strings, st.lists(st.fixed_dictionaries({"text": _strings}), max_size=3)),
    assistant=st.one_of(_strings, st.lists(st.fixed_dictionaries({"text": _strings}), max_size=3)),
    system=st.one_of(st.none(), _strings, st.lists(st.fixed_dictionaries({"text": _strings}), max_size=2)),
    version=st.sampled_from([None, "bedrock-conversation-2024", "other"]),
    family=st.sampled_from([LLAMA33, NOVA, HAIKU]),
)
def test_random_records_are_taken_by_the_scan_only_as_the_python_fast_path_takes_them(
    user: Any, assistant: Any, system: Any, version: Any, family: Family
) -> None:
    record: dict[str, Any] = {
        "messages": [{"role": "user", "content": user}, {"role": "assistant", "content": assistant}]
    }
    if system is not None:
        record["system"] = system
    if version is not None:
        record["schemaVersion"] = version
    raw = orjson.dumps(record)
    taken = scanned(family, raw)
    if taken is not None:
        assert taken == python_counts(family, raw)
        with io.BytesIO(raw + b"\n") as stream:
            assert validate_stream(stream, family, DatasetKind.TRAINING).records == 1


def test_a_file_of_valid_records_is_taken_whole_by_the_scan() -> None:
    """Not a fallback in disguise: the scan takes the common records itself."""
    from services.datasets import _scan

    for family in (LLAMA33, NOVA, HAIKU, LLAMA31):
        spec = scan_spec(family)
        assert spec is not None
        lines = [orjson.dumps(valid_for(family, i)) for i in range(PLANTED, PLANTED + 50)]
        ins, outs, totals, turns, _, _, _, _, left = _scan.scan(lines, spec, False, None)
        assert left == [] and len(ins) == len(turns) == 50 and totals == [a + b for a, b in zip(ins, outs, strict=True)]


@settings(max_examples=500, deadline=None)
@given(
    seed=st.sampled_from([orjson.dumps(valid_for(f, 7)) for f in (LLAMA33, NOVA, HAIKU, LLAMA31)]),
    cut=st.integers(min_value=0, max_value=400),
    noise=st.binary(max_size=6),
    family=st.sampled_from([LLAMA33, NOVA, HAIKU, LLAMA31]),
)
def test_broken_bytes_never_crash_the_scan_and_what_it_takes_python_takes(
    seed: bytes, cut: int, noise: bytes, family: Family
) -> None:
    """Records cut short or with bytes spliced in (half a UTF-8 sequence, a quote, a backslash, a NUL)."""
    cut = min(cut, len(seed))
    for raw in (seed[:cut], seed[:cut] + noise + seed[cut:], noise + seed, seed[: max(0, cut - 1)] + noise):
        taken = scanned(family, raw)
        if taken is not None:
            assert taken == python_counts(family, raw), raw
