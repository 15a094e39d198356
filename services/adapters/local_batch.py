"""The local backend's batch inference: a job is Submitted, then InProgress, then Completed after ``seconds``,
when each record of its input is answered by the simulation and written where Bedrock writes it
(``<output>/<job id>/<input file>.out``, one JSON line per record: recordId, modelInput, modelOutput). A model batch
does not take is refused as Bedrock refuses it. State is kept in JSON files, shared by every process."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from services.domain.batch import BatchJob, BatchStatus
from services.domain.calls import ChatMessage, ChatRequest, Reply
from services.domain.errors import ProviderRejected
from services.ports import ObjectStore

ACCOUNT = "000000000000"
Answerer = Callable[[str, ChatRequest], Reply]  # (modelId, request) -> the simulated answer


class LocalBatch:
    def __init__(
        self, state_dir: Path, objects: ObjectStore, answer: Answerer, *, region: str = "us-east-1",
        seconds: float = 10.0, clock: Callable[[], float] = time.time,
    ) -> None:  # fmt: skip
        self._dir = state_dir / "batch-jobs"
        self._dir.mkdir(parents=True, exist_ok=True)
        self._objects = objects
        self._answer = answer
        self._region = region
        self._seconds = seconds
        self._clock = clock

    def _path(self, job_id: str) -> Path:
        return self._dir / f"{job_id}.json"

    def _save(self, job: dict[str, Any]) -> None:
        fd, tmp = tempfile.mkstemp(dir=self._dir, prefix=".tmp-")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(job, out)
        os.replace(tmp, self._path(job["id"]))

    def create_batch_job(
        self, *, job_name: str, model_id: str, input_uri: str, output_uri: str, role_arn: str, client_token: str
    ) -> str:
        if (
            ":custom-model-deployment/" in model_id
            or ":imported-model/" in model_id
            or ":provisioned-model/" in model_id
        ):
            raise ProviderRejected(
                f"Bedrock CreateModelInvocationJob: ValidationException: {model_id} is not batchable."
            )
        if self._objects.size(input_uri) is None:
            raise ProviderRejected(f"Bedrock CreateModelInvocationJob: ValidationException: no input at {input_uri}.")
        job_id = "".join(c for c in hashlib.sha256(client_token.encode()).hexdigest() if c.isalnum())[:12]
        if not self._path(job_id).exists():
            self._save({
                "id": job_id, "arn": f"arn:aws:bedrock:{self._region}:{ACCOUNT}:model-invocation-job/{job_id}",
                "model_id": model_id, "input": input_uri, "output": output_uri.rstrip("/") + "/",
                "at": self._clock(), "done": None,
            })  # fmt: skip
        return f"arn:aws:bedrock:{self._region}:{ACCOUNT}:model-invocation-job/{job_id}"

    def get_batch_job(self, arn: str) -> BatchJob | None:
        path = self._path(arn.rsplit("/", 1)[-1])
        if not path.exists():
            return None
        job = json.loads(path.read_text(encoding="utf-8"))
        elapsed = self._clock() - job["at"]
        if job["done"] is None and elapsed >= self._seconds:
            job["done"] = self._run(job)
            self._save(job)
        if job["done"] is not None:
            done = job["done"]
            return BatchJob(arn=job["arn"], status=BatchStatus.COMPLETED, processed=done, total=done, simulated=True)
        status = BatchStatus.SUBMITTED if elapsed < self._seconds / 3 else BatchStatus.IN_PROGRESS
        return BatchJob(arn=job["arn"], status=status, simulated=True)

    def _run(self, job: dict[str, Any]) -> int:
        """Answer every record, as Bedrock writes a batch job's output; the number of records."""
        lines = []
        with self._objects.open(job["input"]) as stream:
            for raw in stream:
                if not raw.strip():
                    continue
                record = orjson.loads(raw)
                body = record["modelInput"]
                request = ChatRequest(
                    messages=tuple(
                        ChatMessage(role=m["role"], content="".join(c.get("text", "") for c in m["content"]))
                        for m in body["messages"]
                    ),
                    system="".join(s.get("text", "") for s in body.get("system", [])),
                    max_tokens=body["inferenceConfig"]["maxTokens"],
                    temperature=body["inferenceConfig"]["temperature"],
                )
                reply = self._answer(job["model_id"], request)
                output = {
                    "output": {"message": {"role": "assistant", "content": [{"text": reply.text}]}},
                    "usage": {"inputTokens": reply.input_tokens, "outputTokens": reply.output_tokens},
                    "stopReason": "end_turn",
                }
                lines.append(orjson.dumps(record | {"modelOutput": output}))
        name = job["input"].rsplit("/", 1)[-1]
        self._objects.put_bytes(f"{job['output']}{job['id']}/{name}.out", b"\n".join(lines) + b"\n")
        return len(lines)
