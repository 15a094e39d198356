"""aws mode end to end over real HTTP: `streamlit run server.py` with the aws backend, its boto3 clients
pointed (AWS_ENDPOINT_URL) at moto in server mode behind a front that checks every Bedrock request
against botocore's model and answers what moto lacks (tests/support/aws_front.py). Two regions; a us-west-2-only
Llama model served by throughput, a us-east-1 Nova model deployed on demand, and a job made outside
Model Studio that appears after a sync with its method and config; continued pre-training of Titan Text;
reinforcement fine-tuning of Nova 2 Lite graded by a Lambda function, tried first with Test grader; distillation
of Nova Micro by Nova Pro from prompts, and from invocation logs after an admin turns logging on."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import httpx
import orjson
import pytest

from tests.support.aws_front import Front
from tests.support.factories import (
    LLAMA,
    NOVA_2_LITE,
    NOVA_MICRO,
    NOVA_PRO,
    distill_jsonl,
    jsonl,
    nova_jsonl,
    rft_jsonl,
)
from tests.support.servers import ROOT, free_port, running_server

TITAN_LITE = "bedrock:amazon.titan-text-lite-v1:0:4k"
ROLE = "arn:aws:iam::123456789012:role/ModelStudio"


@pytest.fixture(scope="module")
def aws() -> Iterator[Front]:
    from moto.server import ThreadedMotoServer

    port = free_port()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    moto.start()
    front = Front(f"http://127.0.0.1:{port}", ready_seconds=3)
    try:
        yield front
    finally:
        front.close()
        moto.stop()


def client(front: Front, service: str, region: str):  # type: ignore[no-untyped-def]
    return boto3.client(service, region_name=region, endpoint_url=front.url)


def wait_for(get, done, what: str, seconds: float = 60):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while True:
        value = get()
        if done(value):
            return value
        assert time.monotonic() < deadline, f"{what}: still {value}"
        time.sleep(0.5)


WEIGHTS = {
    "config.json": b'{"model_type": "llama"}', "tokenizer.json": b"{}", "tokenizer_config.json": b"{}",
    "model.safetensors": b"weights",
}  # fmt: skip
GRADER = "arn:aws:lambda:us-east-1:123456789012:function:grade-sums"


def exact_answers(samples: list[dict]) -> list[dict]:
    """The grader Lambda a team would write for sums: 1 for the reference answer, else 0."""
    return [
        {
            "id": s["id"],
            "aggregate_reward_score": float(s["messages"][-1]["content"] == s["reference_answer"]["answer"]),
        }
        for s in samples
    ]


def invocation_logs(n: int) -> bytes:
    """``n`` calls to Nova Pro as Bedrock's invocation logging writes them (gzipped JSON lines)."""
    lines = []
    for i in range(n):
        asked = {"messages": [{"role": "user", "content": [{"text": f"Reset router {i}?"}]}]}
        said = {"output": {"message": {"content": [{"text": f"Hold reset on {i}."}]}}}
        entry = {
            "schemaType": "ModelInvocationLog", "schemaVersion": "1.0", "modelId": "amazon.nova-pro-v1:0",
            "operation": "Converse", "requestMetadata": {"use-case": "support"},
            "input": {"inputBodyJson": asked}, "output": {"outputBodyJson": said},
        }  # fmt: skip
        lines.append(orjson.dumps(entry) + b"\n")
    return gzip.compress(b"".join(lines))


def test_aws_mode_over_http_in_two_regions(aws: Front, tmp_path: Path) -> None:
    aws.lambdas[GRADER] = exact_answers
    for region, bucket in (("us-east-1", "studio-east"), ("us-west-2", "studio-west")):
        s3 = client(aws, "s3", region)
        s3.create_bucket(
            Bucket=bucket,
            **({} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}),
        )
    client(aws, "s3", "us-west-2").put_object(Bucket="studio-west", Key="sets/llama.jsonl", Body=jsonl(130))
    client(aws, "s3", "us-east-1").put_object(Bucket="studio-east", Key="sets/nova.jsonl", Body=nova_jsonl(120))
    passages = b"".join(b'{"input": "Passage %d of our own domain."}\n' % i for i in range(40))
    client(aws, "s3", "us-west-2").put_object(Bucket="studio-west", Key="sets/passages.jsonl", Body=passages)
    client(aws, "s3", "us-east-1").put_object(Bucket="studio-east", Key="sets/sums.jsonl", Body=rft_jsonl(120))
    client(aws, "s3", "us-east-1").put_object(Bucket="studio-east", Key="sets/prompts.jsonl", Body=distill_jsonl(120))
    client(aws, "s3", "us-east-1").put_object(
        Bucket="studio-east",
        Key="logs/AWSLogs/123456789012/BedrockModelInvocationLogs/us-east-1/2026/12/05/10/a.json.gz",
        Body=invocation_logs(110),
    )
    env = {
        "STUDIO_BACKEND": "aws",
        "STUDIO_ALLOW_ANONYMOUS": "true",
        "STUDIO_DATA_DIR": str(tmp_path),
        "STUDIO_AWS_REGIONS": "us-east-1,us-west-2",
        "STUDIO_S3_BUCKETS": "us-east-1=studio-east,us-west-2=studio-west",
        "STUDIO_CUSTOMIZATION_ROLE_ARN": ROLE,
        "STUDIO_RECONCILE_SECONDS": "1",
        "STUDIO_JOB_TAGS": "team=ml",
        "STUDIO_EVAL_BATCH_MIN_RECORDS": "20",
        "AWS_ENDPOINT_URL": aws.url,
    }
    token = subprocess.run(
        [sys.executable, "-m", "services.tokens", "create", "--user", "ops@example.com", "--role", "admin"],
        cwd=ROOT, env={k: v for k, v in os.environ.items() if not k.startswith("STUDIO_")} | env,
        capture_output=True, text=True, check=True,
    ).stdout.strip().splitlines()[-1]  # fmt: skip
    auth = {"Authorization": f"Bearer {token}"}
    with running_server(tmp_path / "server.log", env) as url:
        api = httpx.Client(base_url=f"{url}/api", headers=auth, timeout=60)
        sync = api.post("/models/sync").json()
        assert {r["Outcome"] for r in sync["Runs"] if r["Provider"] == "Amazon Bedrock"} == {"ok"}
        for model_id in (LLAMA, NOVA_MICRO, TITAN_LITE, NOVA_2_LITE, NOVA_PRO):
            assert api.post(f"/models/{model_id}/enable").status_code == 200
        llama = api.post(
            "/custom-models",
            json={"ModelName": "west-bot", "BaseModelId": LLAMA, "TrainingDataLocation": "s3://studio-west/sets/llama.jsonl",
                  "HyperParameters": {"epochCount": "1"}},
        )  # fmt: skip
        assert llama.status_code == 201, llama.text
        assert llama.json()["Region"] == "us-west-2" and ":us-west-2:" in llama.json()["JobArn"]
        nova = api.post(
            "/custom-models",
            json={"ModelName": "east-bot", "BaseModelId": NOVA_MICRO, "TrainingDataLocation": "s3://studio-east/sets/nova.jsonl"},
        )  # fmt: skip
        assert nova.status_code == 201, nova.text
        assert nova.json()["Region"] == "us-east-1" and nova.json()["Deployable"]
        cpt = api.post(
            "/custom-models",
            json={"ModelName": "words-bot", "ModelType": "CONTINUED_PRE_TRAINING", "BaseModelId": TITAN_LITE,
                  "Region": "us-west-2", "TrainingDataLocation": "s3://studio-west/sets/passages.jsonl"},
        )  # fmt: skip
        assert cpt.status_code == 201, cpt.text
        assert cpt.json()["ModelType"] == "CONTINUED_PRE_TRAINING"
        # access before cost: a model this account has no access to is refused before anything is uploaded
        aws.no_access.add(("us-west-2", "amazon.titan-text-lite-v1:0:4k"))
        denied = api.post(
            "/custom-models",
            json={"ModelName": "no-access", "BaseModelId": TITAN_LITE, "Region": "us-west-2",
                  "TrainingDataLocation": "s3://studio-west/sets/llama.jsonl"},
        )  # fmt: skip
        assert denied.status_code == 422, denied.text
        assert (
            "no access to amazon.titan-text-lite-v1:0:4k in us-west-2: request it in the Bedrock console" in denied.text
        )
        aws.no_access.clear()
        # reinforcement fine-tuning: Test grader invokes the Lambda, then the job is graded by it
        graded = {"Grader": {"LambdaArn": GRADER}}
        sums = "s3://studio-east/sets/sums.jsonl"
        tried = api.post("/grader-tests", json={"CustomizationConfig": graded, "TrainingDataLocation": sums})
        assert tried.status_code == 200 and tried.json()["MeanReward"] == 1.0, tried.text
        assert ("us-east-1", "lambda:Invoke") in aws.calls
        elsewhere = {"Grader": {"LambdaArn": GRADER.replace("123456789012", "999999999999")}}
        refused = api.post("/grader-tests", json={"CustomizationConfig": elsewhere, "TrainingDataLocation": sums})
        assert refused.status_code == 422 and "the customization role's account" in refused.text
        rft = api.post(
            "/custom-models",
            json={"ModelName": "sums-bot", "ModelType": "REINFORCEMENT_FINE_TUNING", "BaseModelId": NOVA_2_LITE,
                  "TrainingDataLocation": sums, "CustomizationConfig": graded,
                  "HyperParameters": {"epochCount": "2", "reasoningEffort": "Low"}},
        )  # fmt: skip
        assert rft.status_code == 201, rft.text
        assert rft.json()["CustomizationConfig"] == graded and rft.json()["Region"] == "us-east-1"
        assert rft.json()["BedrockCustomizationConfig"] == {
            "rftConfig": {
                "graderConfig": {"lambdaGrader": {"lambdaArn": GRADER}},
                "hyperParameters": {"epochCount": 2, "reasoningEffort": "low"},
            }
        }
        builtin = api.post(
            "/custom-models",
            json={"ModelName": "local-graded", "ModelType": "REINFORCEMENT_FINE_TUNING", "BaseModelId": NOVA_2_LITE,
                  "TrainingDataLocation": sums, "CustomizationConfig": {"Grader": {"Builtin": "exact-match"}}},
        )  # fmt: skip
        assert builtin.status_code == 422 and "with a Lambda function only" in builtin.text
        # distillation: Nova Pro teaches Nova Micro, from prompts, then from invocation logs
        teacher = {"TeacherModelId": "amazon.nova-pro-v1:0", "MaxResponseLength": 1000}
        aws.no_access.add(("us-east-1", "amazon.nova-pro-v1:0"))  # the teacher's access is asked too
        no_teacher = api.post(
            "/custom-models",
            json={"ModelName": "taught-bot", "ModelType": "DISTILLATION", "BaseModelId": NOVA_MICRO,
                  "TrainingDataLocation": "s3://studio-east/sets/prompts.jsonl", "CustomizationConfig": teacher},
        )  # fmt: skip
        assert no_teacher.status_code == 422 and "TeacherModelId: no access to amazon.nova-pro-v1:0" in no_teacher.text
        aws.no_access.clear()
        distilled = api.post(
            "/custom-models",
            json={"ModelName": "taught-bot", "ModelType": "DISTILLATION", "BaseModelId": NOVA_MICRO,
                  "TrainingDataLocation": "s3://studio-east/sets/prompts.jsonl", "CustomizationConfig": teacher},
        )  # fmt: skip
        assert distilled.status_code == 201, distilled.text
        assert distilled.json()["BedrockCustomizationConfig"] == {
            "distillationConfig": {
                "teacherModelConfig": {
                    "teacherModelIdentifier": "amazon.nova-pro-v1:0",
                    "maxResponseLengthForInference": 1000,
                }
            }
        }
        assert [r["Enabled"] for r in api.get("/invocation-logging").json()["Regions"]] == [False, False]
        on = api.put("/invocation-logging", json={"Region": "us-east-1", "S3Uri": "s3://studio-east/logs"})
        assert on.status_code == 200 and on.json()["S3Uri"] == "s3://studio-east/logs/", on.text
        assert api.get("/invocation-logging").json()["Regions"][0] == {
            "Region": "us-east-1", "Enabled": True, "S3Uri": "s3://studio-east/logs/", "Problem": ""
        }  # fmt: skip
        source = {
            "S3Uri": "s3://studio-east/logs/",
            "Filters": {"Equals": {"use-case": "support"}},
            "UsePromptResponse": True,
        }
        counted = api.post("/invocation-log-counts", json={"InvocationLogs": source, "TeacherModelId": NOVA_PRO})
        assert counted.status_code == 200 and counted.json()["Usable"] == 110, counted.text
        from_logs = api.post(
            "/custom-models",
            json={"ModelName": "logged-bot", "ModelType": "DISTILLATION", "BaseModelId": NOVA_MICRO,
                  "CustomizationConfig": teacher, "TrainingDataSource": {"InvocationLogs": source}},
        )  # fmt: skip
        assert from_logs.status_code == 201, from_logs.text
        assert from_logs.json()["TrainingDataSource"] == {"InvocationLogs": source}
        llama_id, nova_id = llama.json()["Id"], nova.json()["Id"]
        for model_id in (
            llama_id,
            nova_id,
            cpt.json()["Id"],
            rft.json()["Id"],
            distilled.json()["Id"],
            from_logs.json()["Id"],
        ):
            wait_for(
                lambda m=model_id: api.get(f"/custom-models/{m}").json()["Status"], lambda s: s == "Complete", "job"
            )
        # tuned further: the completed Llama model's ARN is the next job's base, in its region
        onward = api.post(
            "/custom-models",
            json={"ModelName": "west-bot-2", "BaseModelId": llama_id, "HyperParameters": {"epochCount": "1"},
                  "TrainingDataLocation": "s3://studio-west/sets/llama.jsonl"},
        )  # fmt: skip
        assert onward.status_code == 201, onward.text
        assert onward.json()["ParentModelId"] == llama_id and onward.json()["Region"] == "us-west-2"
        assert [m["ModelName"] for m in onward.json()["Lineage"]][1:] == ["west-bot", "west-bot-2"]
        # a one-month term for the Titan model: sent as Bedrock takes it, and not removable before it ends
        cpt_id = cpt.json()["Id"]
        wait_for(lambda: api.get(f"/custom-models/{cpt_id}").json()["Status"], lambda s: s == "Complete", "cpt job")
        termed = api.put(
            f"/custom-models/{cpt_id}/throughput", json={"ModelUnits": 2, "CommitmentDuration": "OneMonth"}
        )
        assert termed.status_code == 202 and termed.json()["ThroughputCommitment"] == "OneMonth", termed.text
        kept = api.delete(f"/custom-models/{cpt_id}/throughput")
        assert kept.status_code == 409 and "committed until" in kept.json()["Message"], kept.text
        # Llama: throughput (us-west-2), then enable, then remove
        provisioned = api.put(f"/custom-models/{llama_id}/throughput", json={"ModelUnits": 1})
        assert provisioned.status_code == 202, [r[:300] for r in aws.refused]
        wait_for(
            lambda: api.get(f"/custom-models/{llama_id}").json()["ThroughputStatus"], lambda s: s == "InService", "pt"
        )
        assert api.post(f"/models/{llama_id}/enable").json()["StatusLight"] == "GREEN"
        assert api.delete(f"/custom-models/{llama_id}/throughput").json()["StatusLight"] == "RED"
        # Nova: on demand (us-east-1), then enable, then remove
        assert api.put(f"/custom-models/{nova_id}/deployment").status_code == 202
        wait_for(
            lambda: api.get(f"/custom-models/{nova_id}").json()["DeploymentStatus"], lambda s: s == "Active", "deploy"
        )
        assert api.post(f"/models/{nova_id}/enable").json()["StatusLight"] == "GREEN"
        # a copy of the Nova model in us-west-2: a custom model there, followed like a job
        copied = api.post(f"/custom-models/{nova_id}/copies", json={"Region": "us-west-2"})
        assert copied.status_code == 202 and copied.json()["Region"] == "us-west-2", copied.text
        wait_for(
            lambda: api.get(f"/custom-models/{copied.json()['Id']}").json()["Status"], lambda s: s == "Complete", "copy"
        )
        assert ("us-west-2", "CreateModelCopyJob") in aws.calls
        # open weights imported from an S3 folder, followed to Complete, served on demand, deleted
        east = client(aws, "s3", "us-east-1")
        for name, body in WEIGHTS.items():
            east.put_object(Bucket="studio-east", Key=f"weights/tuned-llama/{name}", Body=body)
        east.put_object(Bucket="studio-east", Key="weights/no-config/model.safetensors", Body=b"w")
        refused = api.post(
            "/imported-models", json={"ModelName": "x", "ModelDataLocation": "s3://studio-east/weights/no-config/"}
        )
        assert refused.status_code == 422 and "config.json: missing" in refused.text, refused.text
        imported = api.post(
            "/imported-models",
            json={"ModelName": "tuned-llama", "ModelDataLocation": "s3://studio-east/weights/tuned-llama/"},
        )
        assert imported.status_code == 202 and imported.json()["ModelType"] == "IMPORTED", imported.text
        ready = wait_for(
            lambda: api.get(f"/custom-models/{imported.json()['Id']}").json(),
            lambda m: m["Status"] == "Complete",
            "import",
        )
        assert ready["StatusLight"] == "YELLOW" and ready["Imported"]["CustomModelUnits"] == 2, ready
        assert ready["Imported"]["WindowPrice"] == pytest.approx(2 * 0.0785 * 5)
        assert api.delete(f"/custom-models/{ready['Id']}").status_code == 204
        assert ("us-east-1", "DeleteImportedModel") in aws.calls
        # a model imported in the console is listed after a sync, with its CMUs
        client(aws, "bedrock", "us-east-1").create_model_import_job(
            jobName="console-import", importedModelName="console-llama", roleArn=ROLE,
            modelDataSource={"s3DataSource": {"s3Uri": "s3://studio-east/weights/tuned-llama/"}},
        )  # fmt: skip
        time.sleep(aws.ready + 0.5)
        notes = api.post("/models/sync").json()["Notes"]
        assert any("console-llama (us-east-1" in n for n in notes), notes
        [console] = [m for m in api.get("/custom-models").json()["CustomModels"] if m["ModelName"] == "console-llama"]
        assert console["ModelType"] == "IMPORTED" and console["Imported"]["CustomModelUnits"] == 2, console
        assert console["StatusLight"] == "YELLOW"
        # a SageMaker-trained Nova model registered from its model package (CreateCustomModel), then deleted
        package = "arn:aws:sagemaker:us-east-1:123456789012:model-package/nova-group/1"
        registered = api.post(
            "/imported-models", json={"ModelName": "sm-nova", "BaseModelId": NOVA_MICRO, "ModelPackageArn": package}
        )
        assert registered.status_code == 202, registered.text
        wait_for(
            lambda: api.get(f"/custom-models/{registered.json()['Id']}").json()["Status"], lambda s: s == "Complete",
            "registration",
        )  # fmt: skip
        assert api.delete(f"/custom-models/{registered.json()['Id']}").status_code == 204
        assert ("us-east-1", "CreateCustomModel") in aws.calls
        # an evaluation on Bedrock's batch engine: the base in a batch job, the deployed Nova model online
        started = api.post(
            f"/custom-models/{nova_id}/evaluations",
            json={"DatasetLocation": "s3://studio-east/sets/nova.jsonl", "MaxRecords": 25, "Engine": "batch"},
        )
        assert started.status_code == 202, started.text
        assert started.json()["Estimate"]["Engines"]["base"] == "batch"
        run = wait_for(
            lambda: api.get(f"/evaluations/{started.json()['Id']}").json(),
            lambda e: e["Status"] in ("Completed", "Failed"), "batch evaluation", seconds=90,
        )  # fmt: skip
        assert run["Status"] == "Completed", run
        results = api.get(f"/evaluations/{run['Id']}/results").json()["Results"]
        assert len(results) == 25 and all(r["Error"] is None for r in results)
        assert all(r["BaseOutput"].startswith("[batch]") and r["CustomOutput"].startswith("[online]") for r in results)
        assert ("us-east-1", "CreateModelInvocationJob") in aws.calls
        # the deployment is an endpoint: promoted to the distilled Nova Micro behind the same ARN, then rolled back
        [endpoint] = [e for e in api.get("/endpoints").json()["Endpoints"] if e["ModelId"] == nova_id]
        promoted = api.put(f"/endpoints/{endpoint['Id']}", json={"ModelId": distilled.json()["Id"]})
        assert promoted.status_code == 202, promoted.text
        assert promoted.json()["Arn"] == endpoint["Arn"] and promoted.json()["ModelId"] == distilled.json()["Id"]
        assert api.get(f"/custom-models/{nova_id}").json()["StatusLight"] == "RED"
        back = api.post(f"/endpoints/{endpoint['Id']}/rollback")
        assert back.status_code == 202 and back.json()["ModelId"] == nova_id, back.text
        assert ("us-east-1", "UpdateCustomModelDeployment") in aws.calls
        assert api.delete(f"/custom-models/{nova_id}/deployment").json()["StatusLight"] == "RED"
        # a job made outside Model Studio (the CLI, say) appears after a sync
        teacher = "arn:aws:bedrock:us-west-2::foundation-model/meta.llama3-1-70b-instruct-v1:0"
        config = {"distillationConfig": {"teacherModelConfig": {"teacherModelIdentifier": teacher}}}
        client(aws, "bedrock", "us-west-2").create_model_customization_job(
            jobName="cli-job", customModelName="cli-bot", roleArn=ROLE,
            baseModelIdentifier="meta.llama3-1-8b-instruct-v1:0:128k",
            customizationType="DISTILLATION", customizationConfig=config,
            trainingDataConfig={"s3Uri": "s3://studio-west/sets/llama.jsonl"},
            outputDataConfig={"s3Uri": "s3://studio-west/out/"}, hyperParameters={"epochCount": "1"},
        )  # fmt: skip
        notes = api.post("/models/sync").json()["Notes"]
        assert any("cli-bot (us-west-2" in n for n in notes), notes
        names = {m["ModelName"]: m for m in api.get("/custom-models").json()["CustomModels"]}
        assert names["cli-bot"]["Region"] == "us-west-2" and names["cli-bot"]["ModelType"] == "DISTILLATION"
        adopted = api.get(f"/custom-models/{names['cli-bot']['Id']}").json()
        assert adopted["BedrockCustomizationConfig"] == config  # kept as Bedrock made it
        assert adopted["CustomizationConfig"]["TeacherModelId"]  # and said in the method's words
        for model_id in (llama_id, nova_id):
            assert api.delete(f"/custom-models/{model_id}").status_code == 204
    assert aws.refused == []  # Bedrock would have accepted every request Model Studio sent
    regions = {(region, op) for region, op in aws.calls}
    assert ("us-west-2", "CreateModelCustomizationJob") in regions and (
        "us-east-1",
        "CreateModelCustomizationJob",
    ) in regions
    assert ("us-west-2", "CreateProvisionedModelThroughput") in regions
    assert ("us-east-1", "CreateCustomModelDeployment") in regions
