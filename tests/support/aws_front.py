"""A front for moto in server mode, for aws-mode tests over real HTTP (``AWS_ENDPOINT_URL``).

Every Bedrock request is checked against botocore's service model as the service does (patterns,
enums, max: a ValidationException otherwise). What moto lacks is answered here: ListFoundationModels
per region (from the bundled snapshot, in Bedrock's own shape), provisioned throughput and custom
model deployments (Creating, then InService / Active after ``ready_seconds``), and a customization
job's progress (moto keeps jobs InProgress: here they complete after ``ready_seconds``), and Lambda
Invoke of the grader functions a test registers in ``lambdas`` (moto runs Lambda code only in Docker).
Everything else, S3 included, goes to moto unchanged."""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
import urllib.parse
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import botocore.session
import httpx

from tests.support.botocore_check import problems

SNAPSHOT = Path(__file__).resolve().parents[2] / "services" / "data" / "catalog_snapshot.json"
ACCOUNT = "123456789012"
_MODEL = botocore.session.get_session().get_service_model("bedrock")
_CONVERSE = botocore.session.get_session().get_service_model("bedrock-runtime").operation_model("Converse")
_ROUTES = []
for _name in _MODEL.operation_names:
    _op = _MODEL.operation_model(_name)
    _pattern = re.sub(r"\{(\w+)\+?\}", r"(?P<\1>[^/]+)", _op.http["requestUri"].split("?")[0])
    _ROUTES.append((_op.http["method"], re.compile(f"^{_pattern}$"), _op))
# the most specific route first: literal path segments beat placeholders
_ROUTES.sort(key=lambda r: (r[1].pattern.count("(?P"), -len(r[1].pattern)))


def _operation(method: str, path: str) -> tuple[Any, dict[str, str]] | None:
    for verb, pattern, op in _ROUTES:
        found = pattern.match(path)
        if verb == method and found:
            return op, {k: urllib.parse.unquote(v) for k, v in found.groupdict().items()}
    return None


def _params(op: Any, path_params: dict[str, str], query: dict[str, list[str]], body: bytes) -> dict[str, Any]:
    """The request as botocore built it: members from the path, the query string and the JSON body."""
    params: dict[str, Any] = json.loads(body) if body else {}
    shape = op.input_shape
    if shape is None:
        return params
    for name, member in shape.members.items():
        where, wire = member.serialization.get("location"), member.serialization.get("name", name)
        if where == "uri" and wire in path_params:
            params[name] = path_params[wire]
        elif where == "querystring" and wire in query:
            value: Any = query[wire][0]
            if member.type_name == "integer":
                value = int(value)
            params[name] = value
    return params


class Front:
    def __init__(self, moto_url: str, ready_seconds: float = 3.0) -> None:
        self.moto_url = moto_url
        self.ready = ready_seconds
        self.throughputs: dict[str, dict[str, Any]] = {}
        self.deployments: dict[str, dict[str, Any]] = {}
        self.refused: list[str] = []  # every request refused for breaking the service's rules
        self.model_arns: dict[str, str] = {}  # AWS-shaped custom model ARN -> the one moto made up
        self.model_names: dict[str, str] = {}  # job name -> the custom model name it was asked for
        self.configs: dict[str, Any] = {}  # job name -> the customizationConfig it was made with
        self.log_sources: dict[str, Any] = {}  # job name -> the invocationLogsConfig it was made from
        self.calls: list[tuple[str, str]] = []  # (region, operation) of every Bedrock call
        self.lambdas: dict[str, Any] = {}  # function ARN -> what it does with the payload (a grader)
        self.no_access: set[tuple[str, str]] = set()
        self.registered: dict[str, dict[str, Any]] = {}  # CreateCustomModel's models (moto has none)
        self.batches: dict[str, dict[str, Any]] = {}  # batch job ARN -> its request, when and where (moto has none)
        self.imports: dict[str, dict[str, Any]] = {}  # import job ARN -> its request, when and where (moto has none)
        self.copies: dict[
            str, dict[str, Any]
        ] = {}  # copy job ARN -> its request, when and where (moto has none)  # (region, model id) this account has no access to
        self.lock = threading.Lock()
        self.snapshot = json.loads(SNAPSHOT.read_text())["bedrock"]
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()

    # ---- what moto lacks ------------------------------------------------------------------------
    def answer(self, region: str, op: str, params: dict[str, Any]) -> tuple[int, Any] | None:
        now = time.time()
        if op == "ListFoundationModels":
            return 200, self.snapshot.get(region, {"modelSummaries": []})
        if op == "CreateModelCopyJob":  # moto has no model copies: made in the target region, done after ``ready``
            arn = f"arn:aws:bedrock:{region}:{ACCOUNT}:model-copy-job/{_id(params.get('clientRequestToken', ''))}"
            with self.lock:
                self.copies.setdefault(arn, {"params": params, "at": now, "region": region})
            return 201, {"jobArn": arn}
        if op == "GetModelCopyJob":
            with self.lock:
                found = self.copies.get(params["jobArn"])
            if found is None:
                return 404, {"message": f"Copy job {params['jobArn']} not found", "__type": "ResourceNotFoundException"}
            done = now - found["at"] >= self.ready
            base = found["params"]["sourceModelArn"].split("custom-model/", 1)[-1].rsplit("/", 1)[0]
            answer = {
                "jobArn": params["jobArn"], "status": "Completed" if done else "InProgress",
                "creationTime": datetime.fromtimestamp(found["at"], UTC).isoformat(),
                "sourceModelArn": found["params"]["sourceModelArn"], "sourceAccountId": ACCOUNT,
                "targetModelName": found["params"]["targetModelName"],
                "targetModelArn": f"arn:aws:bedrock:{found['region']}:{ACCOUNT}:custom-model/{base}/{_id(params['jobArn'])}",
            }  # fmt: skip
            return 200, answer
        if op == "CreateCustomModel":  # moto cannot register a SageMaker-trained Nova model
            arn = (
                f"arn:aws:bedrock:{region}:{ACCOUNT}:custom-model/imported/{_id(params.get('clientRequestToken', ''))}"
            )
            with self.lock:
                self.registered.setdefault(arn, {"params": params, "at": now})
            return 202, {"modelArn": arn}
        if op in ("GetCustomModel", "DeleteCustomModel") and params["modelIdentifier"] in self.registered:
            with self.lock:
                found = self.registered[params["modelIdentifier"]]
                if op == "DeleteCustomModel":
                    del self.registered[params["modelIdentifier"]]
                    return 200, {}
            return 200, {
                "modelArn": params["modelIdentifier"], "modelName": found["params"]["modelName"],
                "customizationType": "IMPORTED", "creationTime": datetime.fromtimestamp(found["at"], UTC).isoformat(),
                "modelStatus": "Active" if now - found["at"] >= self.ready else "Creating",
            }  # fmt: skip
        if op in ("CreateModelInvocationJob", "GetModelInvocationJob"):
            return self._batch(region, op, params, now)
        if op in ("CreateModelImportJob", "GetModelImportJob", "GetImportedModel", "ListImportedModels"):
            return self._imports(region, op, params, now)
        if op == "DeleteImportedModel":
            with self.lock:
                found = [a for a, i in self.imports.items() if i["model_arn"] == params["modelIdentifier"]]
                for arn in found:
                    self.imports[arn]["deleted"] = True
            if not found:
                return 404, {"message": "Imported model not found", "__type": "ResourceNotFoundException"}
            return 200, {}
        if op == "GetFoundationModelAvailability":  # moto has no model access
            denied = (region, params["modelId"]) in self.no_access
            return 200, {
                "modelId": params["modelId"], "agreementAvailability": {"status": "AVAILABLE"},
                "authorizationStatus": "AUTHORIZED", "regionAvailability": "AVAILABLE",
                "entitlementAvailability": "NOT_AVAILABLE" if denied else "AVAILABLE",
            }  # fmt: skip
        if op == "CreateProvisionedModelThroughput":
            arn = f"arn:aws:bedrock:{region}:{ACCOUNT}:provisioned-model/{_id(params.get('clientRequestToken', ''))}"
            with self.lock:
                existing = self.throughputs.get(arn)
                if existing is None:
                    self.throughputs[arn] = {"params": params, "at": now, "region": region}
            return 201, {"provisionedModelArn": arn}
        if op in ("GetProvisionedModelThroughput", "DeleteProvisionedModelThroughput"):
            key = params["provisionedModelId"]
            with self.lock:
                found = next(
                    (a for a, t in self.throughputs.items() if key in (a, t["params"]["provisionedModelName"])), None
                )
                if found is None:
                    return 404, {"message": f"Provisioned model {key} not found", "__type": "ResourceNotFoundException"}
                if op.startswith("Delete"):
                    del self.throughputs[found]
                    return 200, {}
                t = self.throughputs[found]
            status = "InService" if now - t["at"] >= self.ready else "Creating"
            stamp = datetime.fromtimestamp(t["at"], UTC).isoformat()
            return 200, {
                "modelUnits": t["params"]["modelUnits"], "desiredModelUnits": t["params"]["modelUnits"],
                "provisionedModelName": t["params"]["provisionedModelName"], "provisionedModelArn": found,
                "modelArn": t["params"]["modelId"], "desiredModelArn": t["params"]["modelId"],
                "foundationModelArn": f"arn:aws:bedrock:{region}::foundation-model/x.y", "status": status,
                "creationTime": stamp, "lastModifiedTime": stamp,
            }  # fmt: skip
        if op == "CreateCustomModelDeployment":
            arn = f"arn:aws:bedrock:{region}:{ACCOUNT}:custom-model-deployment/{_id(params.get('clientRequestToken', ''))}"
            with self.lock:
                self.deployments.setdefault(arn, {"params": params, "at": now})
            return 202, {"customModelDeploymentArn": arn}
        if op == "UpdateCustomModelDeployment":  # moto has no deployments: the same ARN, another model
            key = params["customModelDeploymentIdentifier"]
            with self.lock:
                found = next(
                    (d for a, d in self.deployments.items() if key in (a, d["params"]["modelDeploymentName"])), None
                )
                if found is None:
                    return 404, {"message": f"Deployment {key} not found", "__type": "ResourceNotFoundException"}
                found["params"] = found["params"] | {"modelArn": params["modelArn"]}
            return 202, {"customModelDeploymentArn": key}
        if op == "UpdateProvisionedModelThroughput":
            key = params["provisionedModelId"]
            with self.lock:
                found = next(
                    (t for a, t in self.throughputs.items() if key in (a, t["params"]["provisionedModelName"])), None
                )
                if found is None:
                    return 404, {"message": f"Provisioned model {key} not found", "__type": "ResourceNotFoundException"}
                found["params"] = found["params"] | {
                    "modelId": params.get("desiredModelId", found["params"]["modelId"])
                }
            return 200, {}
        if op in ("GetCustomModelDeployment", "DeleteCustomModelDeployment"):
            key = params["customModelDeploymentIdentifier"]
            with self.lock:
                found = next(
                    (a for a, d in self.deployments.items() if key in (a, d["params"]["modelDeploymentName"])), None
                )
                if found is None:
                    return 404, {"message": f"Deployment {key} not found", "__type": "ResourceNotFoundException"}
                if op.startswith("Delete"):
                    del self.deployments[found]
                    return 200, {}
                d = self.deployments[found]
            stamp = datetime.fromtimestamp(d["at"], UTC).isoformat()
            return 200, {
                "customModelDeploymentArn": found, "modelDeploymentName": d["params"]["modelDeploymentName"],
                "modelArn": d["params"]["modelArn"], "createdAt": stamp,
                "status": "Active" if now - d["at"] >= self.ready else "Creating",
            }  # fmt: skip
        return None

    def _batch(self, region: str, op: str, params: dict[str, Any], now: float) -> tuple[int, Any]:
        """Batch inference, which moto lacks: Submitted, then Completed after ``ready``, when every input record is
        answered into ``<output>/<job id>/<input file>.out`` in moto's S3, as Bedrock writes it."""
        if op == "CreateModelInvocationJob":
            arn = f"arn:aws:bedrock:{region}:{ACCOUNT}:model-invocation-job/{_id(params.get('clientRequestToken', ''))}"
            with self.lock:
                self.batches.setdefault(arn, {"params": params, "at": now, "written": False})
            return 200, {"jobArn": arn}
        with self.lock:
            job = self.batches.get(params["jobIdentifier"])
        if job is None:
            return 404, {"message": "Batch job not found", "__type": "ResourceNotFoundException"}
        done = now - job["at"] >= self.ready
        p = job["params"]
        if done and not job["written"]:
            import boto3

            s3 = boto3.client("s3", endpoint_url=self.moto_url, region_name="us-east-1",
                              aws_access_key_id="test", aws_secret_access_key="test")  # fmt: skip
            bucket, _, key = p["inputDataConfig"]["s3InputDataConfig"]["s3Uri"][5:].partition("/")
            lines = []
            for raw in s3.get_object(Bucket=bucket, Key=key)["Body"].read().splitlines():
                if raw.strip():
                    record = json.loads(raw)
                    said = record["modelInput"]["messages"][-1]["content"][0]["text"]
                    answer = {"output": {"message": {"role": "assistant", "content": [{"text": f"[batch] {said}"}]}},
                              "usage": {"inputTokens": 10, "outputTokens": 5}, "stopReason": "end_turn"}  # fmt: skip
                    lines.append(json.dumps(record | {"modelOutput": answer}))
            out_bucket, _, out_key = p["outputDataConfig"]["s3OutputDataConfig"]["s3Uri"][5:].partition("/")
            name = f"{out_key.rstrip('/')}/{params['jobIdentifier'].rsplit('/', 1)[-1]}/{key.rsplit('/', 1)[-1]}.out"
            s3.put_object(Bucket=out_bucket, Key=name, Body="\n".join(lines).encode())
            job["written"] = True
        return 200, {
            "jobArn": params["jobIdentifier"], "jobName": p["jobName"], "modelId": p["modelId"],
            "roleArn": p["roleArn"], "status": "Completed" if done else "Submitted",
            "submitTime": datetime.fromtimestamp(job["at"], UTC).isoformat(), "inputDataConfig": p["inputDataConfig"],
            "outputDataConfig": p["outputDataConfig"], "modelInvocationType": p.get("modelInvocationType"),
        }  # fmt: skip

    def _imports(self, region: str, op: str, params: dict[str, Any], now: float) -> tuple[int, Any]:
        """Custom Model Import, which moto lacks: an import completes after ``ready`` as a Llama with 2 CMUs (v1.0)."""
        if op == "CreateModelImportJob":
            arn = f"arn:aws:bedrock:{region}:{ACCOUNT}:model-import-job/{_id(params.get('clientRequestToken', ''))}"
            model_arn = f"arn:aws:bedrock:{region}:{ACCOUNT}:imported-model/{_id(arn)}"
            with self.lock:
                self.imports.setdefault(arn, {"params": params, "at": now, "model_arn": model_arn, "deleted": False})
            return 201, {"jobArn": arn}
        with self.lock:
            imports = {a: i for a, i in self.imports.items() if f":{region}:" in a}
        stamp = {a: datetime.fromtimestamp(i["at"], UTC).isoformat() for a, i in imports.items()}
        done = {a: i for a, i in imports.items() if now - i["at"] >= self.ready and not i["deleted"]}
        if op == "ListImportedModels":
            return 200, {"modelSummaries": [
                {"modelArn": i["model_arn"], "modelName": i["params"]["importedModelName"], "creationTime": stamp[a],
                 "instructSupported": True, "modelArchitecture": "llama"} for a, i in done.items()
            ]}  # fmt: skip
        if op == "GetImportedModel":
            found = next((a for a, i in done.items() if params["modelIdentifier"] == i["model_arn"]), None)
            if found is None:
                return 404, {"message": "Imported model not found", "__type": "ResourceNotFoundException"}
            i = done[found]
            return 200, {
                "modelArn": i["model_arn"], "modelName": i["params"]["importedModelName"], "jobArn": found,
                "jobName": i["params"]["jobName"], "modelDataSource": i["params"]["modelDataSource"],
                "creationTime": stamp[found], "modelArchitecture": "llama", "instructSupported": True,
                "customModelUnits": {"customModelUnitsPerModelCopy": 2, "customModelUnitsVersion": "v1.0"},
            }  # fmt: skip
        i = imports.get(params["jobIdentifier"])
        if i is None:
            return 404, {"message": "Import job not found", "__type": "ResourceNotFoundException"}
        complete = params["jobIdentifier"] in done or now - i["at"] >= self.ready
        return 200, {
            "jobArn": params["jobIdentifier"], "jobName": i["params"]["jobName"],
            "importedModelName": i["params"]["importedModelName"], "roleArn": i["params"]["roleArn"],
            "modelDataSource": i["params"]["modelDataSource"], "status": "Completed" if complete else "InProgress",
            "creationTime": stamp[params["jobIdentifier"]],
            **({"importedModelArn": i["model_arn"], "endTime": stamp[params["jobIdentifier"]]} if complete else {}),
        }  # fmt: skip

    def aws_model_arn(self, moto_arn: str, base: str, region: str) -> str:
        """moto names custom models custom-model/<name>; Bedrock names them custom-model/<base>/<12 chars>."""
        model = base.rsplit("/", 1)[-1]
        arn = f"arn:aws:bedrock:{region}:{ACCOUNT}:custom-model/{model}/{_id(moto_arn)}"
        self.model_arns[arn] = moto_arn
        return arn

    def progress(self, op: str, answer: Any, region: str) -> Any:
        """moto keeps jobs InProgress: here they complete ``ready`` seconds after they were made; and
        the custom model ARNs it makes up are given Bedrock's shape."""
        jobs = [answer] if op == "GetModelCustomizationJob" else answer.get("modelCustomizationJobSummaries", [])
        for job in jobs:
            if op == "GetModelCustomizationJob" and job.get("jobName") in self.configs:
                job["customizationConfig"] = self.configs[job["jobName"]]
            if op == "GetModelCustomizationJob" and job.get("jobName") in self.log_sources:
                job["trainingDataConfig"] = {"invocationLogsConfig": self.log_sources[job["jobName"]]}
            if job.get("jobName") in self.model_names:  # moto reports "<model>-<job>"; Bedrock, the name asked for
                for key in ("outputModelName", "customModelName"):
                    if key in job:
                        job[key] = self.model_names[job["jobName"]]
            for key in ("outputModelArn", "customModelArn"):
                if job.get(key):
                    job[key] = self.aws_model_arn(job[key], str(job.get("baseModelArn", "")), region)
            if job.get("status") == "InProgress":
                made = datetime.fromisoformat(str(job["creationTime"]).replace("Z", "+00:00"))
                if made.tzinfo is None:
                    made = made.replace(tzinfo=UTC)
                if (datetime.now(UTC) - made).total_seconds() >= self.ready:
                    job["status"] = "Completed"
                    job["endTime"] = datetime.now(UTC).isoformat()
        return answer

    # ---- HTTP ---------------------------------------------------------------------------------
    def _handler(self) -> type[BaseHTTPRequestHandler]:
        front = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                return

            def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
                self.send_response(status)
                for key, value in headers.items():
                    if key.lower() not in ("content-length", "transfer-encoding", "connection", "content-encoding"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _json(self, status: int, payload: Any) -> None:
                error = payload.pop("__type", None) if isinstance(payload, dict) else None
                headers = {"Content-Type": "application/json"}
                if error:
                    headers["x-amzn-ErrorType"] = error
                elif status >= 400:
                    headers["x-amzn-ErrorType"] = "ValidationException"
                self._send(status, json.dumps(payload, default=str).encode(), headers)

            def _any(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                auth = self.headers.get("Authorization", "")
                scope = re.search(r"Credential=[^/]+/\d+/([^/]+)/([^/]+)/", auth)
                region, service = scope.groups() if scope else ("us-east-1", "s3")
                url = urllib.parse.urlsplit(self.path)
                params: dict[str, Any] = {}
                op: Any = None
                invoked = re.match(r"^/2015-03-31/functions/(?P<name>[^/]+)/invocations$", url.path)
                if service == "lambda" and self.command == "POST" and invoked:
                    name = urllib.parse.unquote(invoked["name"])
                    front.calls.append((region, "lambda:Invoke"))
                    function = front.lambdas.get(name)
                    if function is None:
                        message = {"Type": "User", "Message": f"Function not found: {name}"}
                        self._json(404, message | {"__type": "ResourceNotFoundException"})
                        return
                    self._json(200, function(json.loads(body)))
                    return
                conversed = re.match(r"^/model/(?P<model>[^/]+)/converse$", url.path)
                if service == "bedrock" and conversed:  # Bedrock Runtime (signed as "bedrock"): moto has no Converse
                    params = _params(_CONVERSE, {"modelId": urllib.parse.unquote(conversed["model"])}, {}, body)
                    wrong = list(problems(_CONVERSE.input_shape, params, "Converse"))
                    front.calls.append((region, "Converse"))
                    if wrong:
                        front.refused.append("; ".join(wrong))
                        self._json(400, {"message": "; ".join(wrong), "__type": "ValidationException"})
                        return
                    said = params["messages"][-1]["content"][0].get("text", "")
                    self._json(200, {
                        "output": {"message": {"role": "assistant", "content": [{"text": f"[online] {said[:200]}"}]}},
                        "stopReason": "end_turn", "usage": {"inputTokens": 10, "outputTokens": 5, "totalTokens": 15},
                        "metrics": {"latencyMs": 1},
                    })  # fmt: skip
                    return
                if service == "bedrock":
                    routed = _operation(self.command, url.path)
                    if routed is None:
                        self._json(404, {"message": f"no Bedrock operation at {self.command} {url.path}"})
                        return
                    op, path_params = routed
                    params = _params(op, path_params, urllib.parse.parse_qs(url.query), body)
                    wrong = list(problems(op.input_shape, params, op.name)) if op.input_shape is not None else []
                    front.calls.append((region, op.name))
                    if wrong:
                        front.refused.append("; ".join(wrong))
                        self._json(400, {"message": "; ".join(wrong), "__type": "ValidationException"})
                        return
                    if op.name == "CreateModelCustomizationJob":
                        front.model_names[params["jobName"]] = params["customModelName"]
                        if params.get("customizationConfig"):  # moto drops it; Bedrock keeps and returns it
                            front.configs[params["jobName"]] = params["customizationConfig"]
                        logs = params["trainingDataConfig"].get("invocationLogsConfig")
                        if logs and "s3Uri" not in params["trainingDataConfig"]:  # moto needs an s3Uri
                            front.log_sources[params["jobName"]] = logs
                            sent = json.loads(body)
                            sent["trainingDataConfig"] = {"s3Uri": logs["invocationLogSource"]["s3Uri"]}
                            body = json.dumps(sent).encode()
                    answered = front.answer(region, op.name, params)
                    if answered is not None:
                        self._json(*answered)
                        return
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
                reply = httpx.request(
                    self.command, front.moto_url + self.path, content=body, headers=headers, timeout=30
                )
                payload = reply.content
                if service == "bedrock" and reply.status_code == 200 and "CustomizationJob" in op.name:
                    payload = json.dumps(front.progress(op.name, reply.json(), region), default=str).encode()
                if service == "bedrock" and reply.status_code == 200 and op.name == "ListCustomModels":
                    listed = reply.json()
                    for m in listed.get("modelSummaries", []):
                        m["modelArn"] = front.aws_model_arn(m["modelArn"], str(m.get("baseModelArn", "")), region)
                    payload = json.dumps(listed, default=str).encode()
                self._send(reply.status_code, payload, dict(reply.headers))

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _any  # noqa: N815

        return Handler


def _id(seed: str) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()[:12]
