"""Runs reinforcement fine-tuning graders: the built-ins in-process, an HTTP grader on loopback with
httpx (no redirects, a timeout), a Lambda function with Lambda Invoke (aws mode). Test grader and the
local simulation's rewards both come through here, so a grader that works in one works in the other."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import httpx
import orjson
from botocore.exceptions import BotoCoreError, ClientError

from services.domain.errors import InvalidRequest, ProviderRejected, ProviderUnavailable
from services.domain.graders import Grader, builtin_reward, loopback_url_problem, rewards_of

MAX_REPLY_BYTES = 10 * 1024 * 1024


def _answer(sample: Mapping[str, Any]) -> str:
    messages = sample.get("messages") or []
    last = messages[-1] if messages and isinstance(messages[-1], Mapping) else {}
    content = last.get("content")
    return content if isinstance(content, str) else ""


class GraderClient:
    def __init__(self, lambda_client: Callable[[str], Any] | None = None, timeout_seconds: float = 30.0) -> None:
        self._lambda = lambda_client  # region -> a boto3 Lambda client (aws mode); None: no Lambda here
        self._timeout = timeout_seconds

    def grade(self, grader: Grader, samples: Sequence[Mapping[str, Any]]) -> list[float]:
        ids = [str(s.get("id", i)) for i, s in enumerate(samples)]
        if grader.builtin:
            return [builtin_reward(grader, _answer(s), s.get("reference_answer")) for s in samples]
        if grader.url:
            return self._url(grader.url, list(samples), ids)
        if grader.lambda_arn:
            return self._invoke(grader.lambda_arn, list(samples), ids)
        raise InvalidRequest("The grader names no built-in, URL or Lambda function.")

    def _url(self, url: str, samples: list[Mapping[str, Any]], ids: list[str]) -> list[float]:
        problem = loopback_url_problem(url)  # checked again here: nothing reaches past this machine
        if problem:
            raise InvalidRequest(f"Grader URL: {problem}")
        try:
            response = httpx.post(
                url,
                content=orjson.dumps(samples),
                headers={"Content-Type": "application/json"},
                timeout=self._timeout,
                follow_redirects=False,
            )
        except httpx.HTTPError as exc:
            raise ProviderUnavailable(f"The grader at {url} could not be reached: {exc}") from exc
        if response.status_code != 200:
            raise ProviderRejected(f"The grader at {url} answered HTTP {response.status_code}: {response.text[:200]}")
        if len(response.content) > MAX_REPLY_BYTES:
            raise ProviderRejected(f"The grader at {url} answered more than {MAX_REPLY_BYTES:,} bytes.")
        try:
            return rewards_of(orjson.loads(response.content), ids)
        except (orjson.JSONDecodeError, ValueError) as exc:
            raise ProviderRejected(f"The grader at {url}: {exc}.") from exc

    def _invoke(self, arn: str, samples: list[Mapping[str, Any]], ids: list[str]) -> list[float]:
        if self._lambda is None:
            raise InvalidRequest("The local simulation cannot call AWS Lambda; use a built-in or URL grader.")
        region = arn.split(":")[3]
        try:
            reply = self._lambda(region).invoke(
                FunctionName=arn, InvocationType="RequestResponse", Payload=orjson.dumps(samples)
            )
            body = reply["Payload"].read(MAX_REPLY_BYTES + 1)
        except ClientError as exc:
            error = exc.response.get("Error", {})
            raise ProviderRejected(
                f"Lambda Invoke {arn}: {error.get('Code', 'Error')}: {error.get('Message', '')} "
                "(the caller needs lambda:InvokeFunction on it)"
            ) from exc
        except BotoCoreError as exc:
            raise ProviderUnavailable(f"Lambda Invoke {arn}: {exc}") from exc
        if reply.get("FunctionError"):
            raise ProviderRejected(f"The grader Lambda {arn} failed ({reply['FunctionError']}): {body[:300]!r}")
        try:
            return rewards_of(orjson.loads(body), ids)
        except (orjson.JSONDecodeError, ValueError) as exc:
            raise ProviderRejected(f"The grader Lambda {arn}: {exc}.") from exc
