"""Reading Bedrock's invocation logs as a distillation's data: every logged call under an S3 prefix (files of one
JSON object per line, gzipped as Bedrock writes them, or not), which of them the filter picks, and which of those
Bedrock can use: one user prompt of text (AWS's validator refuses multi-turn and multi-modal calls), with the
answer logged, and, when the logged answers train the student, a call to the teacher itself.

The prompt and the answer are read from the request and response bodies the log holds: Converse and Nova
(``messages`` with text blocks; ``output.message``), Anthropic's Messages API (``content``), and the prompt
/ generation bodies of Llama and Titan. https://docs.aws.amazon.com/bedrock/latest/userguide/distillation-data-prep-option-2.html
https://github.com/aws-samples/amazon-bedrock-samples/tree/main/custom-models/model_distillation/dataset-validation"""

from __future__ import annotations

import gzip
import io
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

import orjson

from services.datasets.report import DatasetKind, DatasetReport, token_method
from services.datasets.specs import Family
from services.domain.invocation_logs import InvocationLogs
from services.domain.teachers import teacher_model_id

MAX_CALLS = 1_000_000  # logged calls read per check; past it, the count says it stopped
CHARS_PER_TOKEN = 6  # AWS's rule of thumb for customization data (PREP)
LOG_SUFFIXES = (".json.gz", ".jsonl.gz", ".gz", ".json", ".jsonl")


@dataclass
class LogScan:
    """What a check of the logs found: calls read, how many the filter picks, how many Bedrock can use, why the
    others cannot be, and the usable prompts' and answers' tokens."""

    files: int = 0
    calls: int = 0
    matched: int = 0
    usable: int = 0
    prompt_tokens: int = 0
    answer_tokens: int = 0
    skipped: Counter[str] = field(default_factory=Counter)  # reason -> calls
    stopped: bool = False  # MAX_CALLS reached
    pairs: list[tuple[str, str, str]] = field(default_factory=list)  # (model id, prompt, answer) kept when asked

    def in_words(self, logs: InvocationLogs) -> str:
        filtered = "match the filter" if logs.filters else "are there (no filter)"
        said = (
            f"{self.calls:,} logged call(s) in {self.files:,} file(s) under {logs.s3_uri}; {self.matched:,} "
            f"{filtered}; {self.usable:,} can be used"
        )
        if self.skipped:
            said += " (" + "; ".join(f"{n:,} {why}" for why, n in self.skipped.most_common()) + ")"
        return said + (f"; stopped after {MAX_CALLS:,} calls" if self.stopped else "") + "."


def _text(content: Any) -> str | None:
    """The text of a message's content, or None when it holds anything but text (a multi-modal call)."""
    if isinstance(content, str):
        return content
    if not isinstance(content, list) or len(content) != 1 or not isinstance(content[0], dict):
        return None
    block = content[0]
    text = block.get("text")
    if not isinstance(text, str) or (block.get("type") not in (None, "text")) or len(block) > (1 + ("type" in block)):
        return None
    return text


def prompt_and_answer(entry: Any) -> tuple[str | None, str | None, str]:
    """(prompt, answer, why not) of one logged call: the why is '' when it can be used."""
    if (
        not isinstance(entry, dict)
        or not isinstance(entry.get("input"), dict)
        or not isinstance(entry.get("output"), dict)
    ):
        return None, None, "without both input and output"
    body = entry["input"].get("inputBodyJson")
    out = entry["output"].get("outputBodyJson")
    if not isinstance(body, dict) or not isinstance(out, dict):
        return None, None, "without a JSON request and response"
    if isinstance(body.get("messages"), list):
        users = [m for m in body["messages"] if isinstance(m, dict) and m.get("role") == "user"]
        if len(users) != 1:
            return None, None, "multi-turn (one user prompt only)"
        prompt = _text(users[0].get("content"))
        if prompt is None:
            return None, None, "multi-modal (text only)"
    elif isinstance(body.get("prompt"), str):
        prompt = body["prompt"]
    elif isinstance(body.get("inputText"), str):
        prompt = body["inputText"]
    else:
        return None, None, "with a request body Model Studio cannot read"
    answer = _answer(out)
    if answer is None:
        return None, None, "with no text answer logged"
    return prompt, answer, ""


def _answer(out: dict[str, Any]) -> str | None:
    message = (out.get("output") or {}).get("message") if isinstance(out.get("output"), dict) else None
    if isinstance(message, dict):
        texts = [b.get("text") for b in message.get("content") or [] if isinstance(b, dict)]
        return "".join(t for t in texts if isinstance(t, str)) or None
    if isinstance(out.get("content"), list):  # Anthropic's Messages API
        texts = [b.get("text") for b in out["content"] if isinstance(b, dict) and b.get("type") == "text"]
        return "".join(t for t in texts if isinstance(t, str)) or None
    for key in ("generation", "completion"):
        if isinstance(out.get(key), str):
            return str(out[key])
    results = out.get("results")
    if isinstance(results, list) and results and isinstance(results[0], dict):
        text = results[0].get("outputText")
        return text if isinstance(text, str) else None
    return None


def _lines(name: str, stream: BinaryIO) -> Iterator[bytes]:
    if name.endswith(".gz"):
        with gzip.open(stream) as unzipped:
            yield from io.BufferedReader(unzipped)
    else:
        yield from stream


def scan_logs(
    listing: list[tuple[str, int]],
    opener: Callable[[str], BinaryIO],
    logs: InvocationLogs,
    teacher: str | None,
    *,
    keep_pairs: int = 0,
) -> LogScan:
    """Every logged call under the logs' prefix (``listing``: (uri, size) of each object; ``opener`` reads one)
    counted as Bedrock would take it; ``keep_pairs``: how many usable (model, prompt, answer) to keep."""
    scan = LogScan()
    want = teacher_model_id(teacher) if teacher else None
    for uri, _ in sorted(listing):
        if not uri.endswith(LOG_SUFFIXES):
            continue
        scan.files += 1
        with opener(uri) as stream:
            try:
                for line in _lines(uri, stream):
                    if scan.calls >= MAX_CALLS:
                        scan.stopped = True
                        return scan
                    if not line.strip():
                        continue
                    scan.calls += 1
                    _take(scan, line, logs, want, keep_pairs)
            except (OSError, EOFError, gzip.BadGzipFile):
                scan.skipped["in a file that is not gzip or text: " + uri.rsplit("/", 1)[-1][:60]] += 1
    return scan


def _take(scan: LogScan, line: bytes, logs: InvocationLogs, want: str | None, keep_pairs: int) -> None:
    try:
        entry = orjson.loads(line)
    except orjson.JSONDecodeError:
        scan.skipped["not JSON"] += 1
        return
    if not isinstance(entry, dict) or not logs.matches(entry.get("requestMetadata")):
        return
    scan.matched += 1
    model = teacher_model_id(str(entry.get("modelId") or ""))
    if logs.use_prompt_response and want is not None and model != want:
        scan.skipped["answered by another model than the teacher"] += 1
        return
    prompt, answer, why = prompt_and_answer(entry)
    if why or prompt is None or answer is None:
        scan.skipped[why] += 1
        return
    scan.usable += 1
    scan.prompt_tokens += -(-len(prompt) // CHARS_PER_TOKEN)
    scan.answer_tokens += -(-len(answer) // CHARS_PER_TOKEN)
    if len(scan.pairs) < keep_pairs:
        scan.pairs.append((model, prompt, answer))


def logs_report(scan: LogScan, family: Family) -> DatasetReport:
    """The usable logged calls as the training data's report: records and tokens (prompts and answers)."""
    return DatasetReport(
        kind=DatasetKind.TRAINING,
        data_format=family.data_format,
        size_bytes=0,
        records=scan.usable,
        tokens=scan.prompt_tokens + scan.answer_tokens,
        max_record_tokens=0,
        token_method=token_method(family) + " (of the logged prompts and answers)",
        issues=(),
        issue_counts={},
    )
