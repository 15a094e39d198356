"""What tests make over and over: the usual base model, training data, uploads."""

from __future__ import annotations

import io

import orjson

from services.customization import Upload

LLAMA_MODEL_ID = "meta.llama3-1-8b-instruct-v1:0:128k"  # fine-tunable, in every World and the snapshot
LLAMA = f"bedrock:{LLAMA_MODEL_ID}"


def jsonl(n: int = 120, start: int = 0, *, prompt: str = "Q{i}?", completion: str = "A{i}.") -> bytes:
    """``n`` prompt/completion records numbered from ``start`` (``{i}`` in the texts is the number)."""
    return b"".join(
        orjson.dumps({"prompt": prompt.format(i=i), "completion": completion.format(i=i)}) + b"\n"
        for i in range(start, start + n)
    )


def upload(data: bytes, name: str = "train.jsonl") -> Upload:
    return Upload(name, io.BytesIO(data), len(data))
