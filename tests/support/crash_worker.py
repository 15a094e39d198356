"""A Model Studio process that dies (SIGKILL) at a chosen point of a state change. Used by
tests/system/test_crashes.py:  python -m tests.support.crash_worker <data dir> <point>

points: after-upload (before CreateModelCustomizationJob), after-job (the job exists, our record
is not updated), during-throughput (the throughput exists, its ARN is not saved), during-upload
(the data is half written to the object store)."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson

from services.adapters.local_bedrock import LocalBedrock
from services.adapters.object_store import LocalObjectStore
from services.bootstrap import build_services
from services.customization import NewCustomModel, Upload
from services.domain.identity import LOCAL_ADMIN
from services.settings import load_settings
from tests.support.factories import LLAMA

ROOT = Path(__file__).resolve().parents[2]


def die() -> None:
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)


class Dying:
    def __init__(self, inner: LocalBedrock, point: str) -> None:
        self.inner = inner
        self.point = point

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def create_job(self, request: Any) -> str:
        if self.point == "after-upload":
            die()
        arn = self.inner.create_job(request)
        if self.point == "after-job":
            die()
        return arn

    def create_throughput(self, **kwargs: Any) -> str:
        arn = self.inner.create_throughput(**kwargs)
        if self.point == "during-throughput":
            die()
        return arn


def main() -> None:
    data_dir, point = Path(sys.argv[1]), sys.argv[2]
    settings = load_settings(data_dir=data_dir, sim_job_seconds=0.5, sim_throughput_seconds=0.5)
    local = LocalBedrock(
        data_dir / "local-bedrock", LocalObjectStore(data_dir), job_seconds=0.5, throughput_seconds=0.5
    )
    services = build_services(settings, backend=Dying(local, point))
    services.start(background=False)  # the catalog filled, as the server starts it
    services.catalog.enable(LLAMA, actor=LOCAL_ADMIN)
    raw = b"".join(orjson.dumps({"prompt": f"q{i}", "completion": "a"}) + b"\n" for i in range(120))
    if point == "during-upload":  # a big file: the process dies after the first 8 MB are written
        raw = b"".join(orjson.dumps({"prompt": f"q{i}", "completion": "a" * 3000}) + b"\n" for i in range(6000))
    upload = Upload("train.jsonl", io.BytesIO(raw), len(raw))

    def progress(what: str, done: int, total: int) -> None:
        if point == "during-upload":
            die()

    model = services.customization.create(
        NewCustomModel(name="crash-bot", base_model_id=LLAMA), upload, None, progress, actor=LOCAL_ADMIN
    )
    if point == "during-throughput":
        import time

        time.sleep(0.7)
        services.customization.refresh(model.id)
        services.customization.provision_throughput(model.id, actor=LOCAL_ADMIN)
    print("survived", flush=True)


def crash(data_dir: Path, point: str) -> None:
    """Run this worker in a process of its own and see it killed at ``point`` (SIGKILL, as a crash)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("STUDIO_")}
    result = subprocess.run(
        [sys.executable, "-m", "tests.support.crash_worker", str(data_dir), point],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == -9, (result.returncode, result.stdout, result.stderr[-2000:])
    assert "survived" not in result.stdout


if __name__ == "__main__":
    main()
