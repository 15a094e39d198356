"""Evaluation throughput: records per second at a given concurrency, beside what the model allows.

A local OpenAI-compatible model server (tests/support/openai_server.py, in a process of its own) that takes
--latency-ms to answer each call; Model Studio's services built by build_services in local mode with
STUDIO_LOCAL_INFERENCE_URL pointing at it (so the custom model and its base both answer through it);
a custom model trained and served by the local control plane; then one evaluation of --records
records (exact match, token F1, ROUGE-L: two calls per record) per concurrency:
  sequential calls   the same 2 × records calls made one after another with the openai SDK (the floor
                     of one worker)
  evaluation, c=N    EvaluationService.run with N records at a time (the rules, the retries, scoring,
                     one stored row per record)
  ideal, c=N         2 × records × latency / N: the model's own limit at that concurrency
Prints figures; asserts nothing.

Run: make bench-evaluation   (or .venv/bin/python bench/evaluation.py [--records 400] [--quick])
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


@contextmanager
def model_server(delay_seconds: float) -> Iterator[str]:
    """tests/support/openai_server.py in a process of its own: its work is not charged to Model Studio's."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.support.openai_server", str(delay_seconds)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        yield proc.stdout.readline().strip()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


BASE = "bedrock:meta.llama3-1-8b-instruct-v1:0:128k"
EVAL = "s3://model-studio/sets/eval.jsonl"


def records(n: int, start: int = 0) -> bytes:
    return b"".join(
        orjson.dumps({"prompt": f"Question {i}?", "completion": f"Answer {i}."}) + b"\n"
        for i in range(start, start + n)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=400)
    parser.add_argument("--latency-ms", type=float, default=50.0, help="how long the model takes per call")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--quick", action="store_true", help="20 records at 5 ms: only shows the benchmark works")
    args = parser.parse_args()
    n, latency = (20, 5.0) if args.quick else (args.records, args.latency_ms)

    import openai

    from services.bootstrap import build_services
    from services.customization import NewCustomModel
    from services.domain.custom import ThroughputStatus
    from services.domain.identity import LOCAL_ADMIN
    from services.evaluation.records import NewEvaluation
    from services.settings import load_settings

    admin = LOCAL_ADMIN.for_request("bench")
    with tempfile.TemporaryDirectory() as tmp, model_server(latency / 1000) as model_url:
        data = Path(tmp) / "data"
        sets = data / "s3" / "model-studio" / "sets"
        sets.mkdir(parents=True)
        (sets / "train.jsonl").write_bytes(records(150))
        (sets / "eval.jsonl").write_bytes(records(n, 1000))
        settings = load_settings(
            data_dir=data, sim_job_seconds=1, sim_throughput_seconds=0.5, local_inference_url=model_url
        )
        s = build_services(settings)
        s.start(background=False)  # the catalog filled, as the server starts it
        s.catalog.enable(BASE, actor=admin)
        custom = s.customization.create(
            NewCustomModel(name="bench-bot", base_model_id=BASE), "s3://model-studio/sets/train.jsonl", actor=admin
        )
        while not s.customization.refresh(custom.id).completed:
            time.sleep(0.2)
        s.customization.provision_throughput(custom.id, actor=admin)
        while s.customization.refresh(custom.id).throughput_status is not ThroughputStatus.IN_SERVICE:
            time.sleep(0.2)
        s.evaluations.run(  # warm up: imports (ROUGE, the bootstrap), connections, first queries
            s.evaluations.start(NewEvaluation(custom_model_id=custom.id, dataset_uri=EVAL, max_records=5), admin).id
        )

        client = openai.OpenAI(api_key="local", base_url=model_url, max_retries=0)
        start = time.perf_counter()
        for i in range(n):
            for _ in range(2):
                client.chat.completions.create(model="local", messages=[{"role": "user", "content": f"Question {i}?"}])
        sequential = time.perf_counter() - start

        print(f"{n} records, 2 calls each, the model answering in {latency:g} ms per call\n")
        print(f"{'':<22}{'seconds':>9}{'records/s':>11}{'of ideal':>10}")
        print(f"{'sequential calls':<22}{sequential:>9.2f}{n / sequential:>11.1f}{'':>10}")
        for concurrency in args.concurrency:
            request = NewEvaluation(
                custom_model_id=custom.id, dataset_uri=EVAL,
                max_records=n, concurrency=concurrency,
            )  # fmt: skip
            started = s.evaluations.start(request, admin)
            begin = time.perf_counter()
            done = s.evaluations.run(started.id)
            took = time.perf_counter() - begin
            if done.summary is None or done.summary["Scored"] != n:
                raise SystemExit(f"the evaluation did not complete: {done.status} {done.error}")
            ideal = 2 * n * latency / 1000 / concurrency
            print(f"{f'evaluation, c={concurrency}':<22}{took:>9.2f}{n / took:>11.1f}{ideal / took:>9.0%}")
            print(f"{f'  ideal, c={concurrency}':<22}{ideal:>9.2f}{n / ideal:>11.1f}")


if __name__ == "__main__":
    main()
