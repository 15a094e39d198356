"""The local backend's models: a simulation, and labelled as one (every Reply says simulated).

A base model answers generically. A custom model answers from what it was trained on: the completion
of the training record whose prompt is most like the question (word overlap), so comparing a custom
model with its base in local mode shows a real, explainable difference. A distilled student learned its
teacher's answers: to a prompt without a golden answer it answers as its teacher answered that prompt.
Asked to judge two answers (services/evaluation/metrics.py's judge prompt), any model prefers the one
nearer the reference by token F1, and says TIE when they are as near.
"""

from __future__ import annotations

import gzip
import itertools
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import orjson

from services.datasets.invocation_logs import scan_logs
from services.datasets.records import text_of
from services.domain.calls import ChatRequest, Reply, Target
from services.domain.custom import CustomModel
from services.domain.graders import reference_text
from services.domain.invocation_logs import logs_of
from services.domain.models import Provider
from services.domain.teachers import teacher_model_id, teacher_of
from services.evaluation.metrics import JUDGE_SYSTEM, parse_judge_prompt, token_f1
from services.ports import ObjectStore

LOCAL_ACCOUNT = "000000000000"  # the simulation's AWS account
MAX_RECORDS = 20_000  # of a training file, read once per file and kept
CHARS_PER_TOKEN = 4  # the simulation's token estimate
_WORDS = re.compile(r"\w+")


def _words(text: str) -> frozenset[str]:
    return frozenset(w.lower() for w in _WORDS.findall(text))


def base_answer(name: str, question: str) -> str:
    """What a simulated base model answers."""
    return (
        f"[simulated {name}] A general answer, as an untuned model would give: "
        f"I can help with that. You asked: {question[:200]}"
    )


def pairs_of(record: object, teacher: str | None = None) -> list[tuple[str, str]]:
    """(prompt, answer) pairs of one training record: prompt/completion, or each user turn and the
    assistant's reply to it in a conversation, or (reinforcement fine-tuning) the last user turn and the
    reference answer the grader rewards, or (distillation, ``teacher`` named) a last user turn and what the
    teacher answers to it."""
    if not isinstance(record, dict):
        return []
    if isinstance(record.get("prompt"), str) and isinstance(record.get("completion"), str):
        return [(record["prompt"], record["completion"])]
    messages = record.get("messages")
    if not isinstance(messages, list):
        return []
    found = []
    for asked, answered in itertools.pairwise(messages):
        if (
            isinstance(asked, dict)
            and isinstance(answered, dict)
            and (asked.get("role"), answered.get("role")) == ("user", "assistant")
        ):
            found.append((text_of(asked.get("content"), " "), text_of(answered.get("content"), " ")))
    if "reference_answer" in record:  # reinforcement fine-tuning: trained to give what the grader rewards
        users = [m for m in messages if isinstance(m, dict) and m.get("role") == "user"]
        if users:
            found.append((text_of(users[-1].get("content"), " "), reference_text(record["reference_answer"])))
    last = messages[-1] if messages else None
    if teacher and isinstance(last, dict) and last.get("role") == "user":  # a prompt: the teacher answered it
        prompt = text_of(last.get("content"), " ")
        found.append((prompt, base_answer(teacher, prompt)))
    return found


def first_records(objects: ObjectStore, uri: str, limit: int) -> Iterator[object]:
    """The JSON values of the first ``limit`` lines of a training file (a line that is not JSON is passed
    over): what the simulation learns from or grades."""
    with objects.open(uri) as stream:
        for line in itertools.islice(stream, limit):
            try:
                yield orjson.loads(line)
            except orjson.JSONDecodeError:
                continue


def tokens(text: str) -> int:
    return max(1, -(-len(text) // CHARS_PER_TOKEN)) if text else 0


class LocalInference:
    """The InferenceBackend of the local mode (Bedrock and OpenAI alike)."""

    def __init__(
        self,
        objects: ObjectStore,
        delay_seconds: float = 0.0,
        logging: Callable[[str | None], str | None] | None = None,
    ) -> None:
        self._objects = objects
        self._delay = delay_seconds  # how long each answer takes (STUDIO_SIM_INFERENCE_SECONDS)
        self._logging = logging  # where a region's invocation logs go (the local control plane's setting)
        self._memory: dict[tuple[str, str | None], list[tuple[frozenset[str], str]]] = {}
        self._lock = threading.Lock()

    def _learned(self, custom: CustomModel, teacher: str | None) -> list[tuple[frozenset[str], str]]:
        uri = custom.training_uri
        with self._lock:
            if (uri, teacher) in self._memory:
                return self._memory[uri, teacher]
        logs = logs_of(custom.training_logs)
        if logs is not None:  # distilled from invocation logs: the logged answers, or the teacher's to the prompts
            scan = scan_logs(self._objects.list(uri), self._objects.open, logs, None, keep_pairs=MAX_RECORDS)
            learned = [
                (_words(prompt), answer if logs.use_prompt_response or not teacher else base_answer(teacher, prompt))
                for _, prompt, answer in scan.pairs
            ]
        else:
            learned = [
                (_words(prompt), answer)
                for record in first_records(self._objects, uri, MAX_RECORDS)
                for prompt, answer in pairs_of(record, teacher)
            ]
        with self._lock:
            self._memory[uri, teacher] = learned
        return learned

    def answer(self, target: Target, request: ChatRequest) -> str:
        question = request.messages[-1].content
        judged = parse_judge_prompt(question) if request.system == JUDGE_SYSTEM else None
        if judged is not None:  # asked to judge: the answer nearer the reference (token F1) is better
            _, reference, a, b = judged
            score_a, score_b = token_f1(a, reference), token_f1(b, reference)
            return "TIE" if abs(score_a - score_b) < 1e-9 else ("A" if score_a > score_b else "B")
        if target.custom is None:
            return base_answer(target.name, question)
        details = target.custom.import_details
        if details is not None:  # imported weights: nothing here to learn from, only how it is called
            api = "Converse" if details.converse else "InvokeModel (an OpenAI-compatible body)"
            said = f"[simulated imported {details.architecture} model {target.name}, called by {api}]"
            return f"{said} You asked: {question[:200]}"
        taught = teacher_of(target.custom.customization_config)
        teacher = teacher_model_id(taught[0]) if taught else None
        asked = _words(question)
        best, score = "", -1.0
        for words, answer in self._learned(target.custom, teacher):
            union = len(asked | words)
            overlap = len(asked & words) / union if union else 0.0
            if overlap > score:
                best, score = answer, overlap
        return best or f"[simulated {target.name}] (its training data holds no answer)"

    def chat(self, target: Target, request: ChatRequest) -> Reply:
        if self._delay:
            time.sleep(self._delay)
        text = self.answer(target, request)[: request.max_tokens * CHARS_PER_TOKEN]
        asked = request.system + "".join(m.content for m in request.messages)
        reply = Reply(text, tokens(asked), tokens(text), simulated=True)
        destination = self._logging(target.region) if self._logging and target.provider is Provider.BEDROCK else None
        if destination:
            self._log(destination, target, request, reply)
        return reply

    def _log(self, destination: str, target: Target, request: ChatRequest, reply: Reply) -> None:
        """The call as Bedrock's invocation logging writes it to S3 (a ModelInvocationLog, gzipped JSON lines,
        under AWSLogs/<account>/BedrockModelInvocationLogs/<region>/<date>/<hour>/)."""
        now = datetime.now(UTC)
        region = target.region or "us-east-1"
        body: dict[str, Any] = {
            "messages": [{"role": m.role, "content": [{"text": m.content}]} for m in request.messages],
            "inferenceConfig": {"maxTokens": request.max_tokens, "temperature": request.temperature},
        }
        if request.system:
            body["system"] = [{"text": request.system}]
        answered = {"role": "assistant", "content": [{"text": reply.text}]}
        entry = {
            "schemaType": "ModelInvocationLog", "schemaVersion": "1.0", "timestamp": now.isoformat(),
            "accountId": LOCAL_ACCOUNT, "region": region, "requestId": str(uuid.uuid4()), "operation": "Converse",
            "modelId": target.provider_model_id,
            "input": {"inputContentType": "application/json", "inputBodyJson": body,
                      "inputTokenCount": reply.input_tokens},
            "output": {"outputContentType": "application/json", "outputTokenCount": reply.output_tokens,
                       "outputBodyJson": {"output": {"message": answered}, "stopReason": "end_turn"}},
        }  # fmt: skip
        if request.metadata:
            entry["requestMetadata"] = dict(request.metadata)
        folder = f"AWSLogs/{LOCAL_ACCOUNT}/BedrockModelInvocationLogs/{region}/{now:%Y/%m/%d/%H}"
        name = f"{now:%Y%m%dT%H%M%S}_{uuid.uuid4().hex[:12]}.json.gz"
        self._objects.put_bytes(f"{destination}{folder}/{name}", gzip.compress(orjson.dumps(entry) + b"\n"))

    def stream(self, target: Target, request: ChatRequest) -> Iterator[str | Reply]:
        reply = self.chat(target, request)
        yield from re.findall(r"\S+\s*|\s+", reply.text)
        yield reply
