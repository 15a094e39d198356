"""Graders of reinforcement fine-tuning: what a grader is, how a request names one, and the built-in
ones the local simulation runs.

Bedrock grades an RFT job's sampled answers with a Lambda function (``rftConfig.graderConfig.lambdaGrader``,
botocore's pattern below). Model Studio's local simulation cannot call Lambda, so there a request names a
built-in grader (exact match against ``reference_answer``, a number within a tolerance, a JSON answer with the
reference's fields, a regular expression) or any HTTP grader on this machine (loopback only), which takes and
gives what a grader Lambda takes and gives. One function reads a request's grader (``parse_grader``), so the
form, the API, Test grader and the simulation agree on what is allowed.

The Lambda contract (AWS's "Implementing reward functions" page for Nova): the grader gets a list of samples,
each the training record with the model's answer appended as an assistant turn and an ``id``; it returns, per
sample, ``{"id": …, "aggregate_reward_score": float}`` (a ``metrics_list`` may say more).
https://docs.aws.amazon.com/nova/latest/nova2-userguide/nova-implementing-reward-functions.html"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import orjson
import re2  # type: ignore[import-untyped]

REWARD_FUNCTIONS_URL = "https://docs.aws.amazon.com/bedrock/latest/userguide/reward-functions.html"
LAMBDA_CONTRACT_URL = "https://docs.aws.amazon.com/nova/latest/nova2-userguide/nova-implementing-reward-functions.html"
# botocore's LambdaGraderConfig.lambdaArn (1-512 characters)
LAMBDA_ARN = re.compile(
    r"arn:(aws[a-zA-Z-]*)?:lambda:[a-z]{2}(-gov)?-[a-z]+-\d{1}:\d{12}:function:[a-zA-Z0-9-_\.]+(:(\$LATEST|[a-zA-Z0-9-_]+))?"
)
BUILTINS: dict[str, str] = {
    "exact-match": "the answer equals the reference answer (ignoring case and surrounding spaces): 1, else 0",
    "numeric": "the last number in the answer is within Tolerance of the reference's number: 1, else 0",
    "json": "the answer is a JSON object; the share of the reference's fields it gives with the same value",
    "regex": "the answer matches Pattern (a regular expression, searched in linear time): 1, else 0",
}
MAX_PATTERN = 500
MAX_URL = 2048
MAX_ANSWER_CHARS = 20_000  # what a built-in grader reads of an answer
REFERENCE_KEYS = ("answer", "solution", "final_answer", "expected")  # a reference object's answer, by name
_NUMBER = re.compile(r"-?\d+(?:,\d{3})*(?:\.\d+)?(?:[eE][-+]?\d+)?")


@dataclass(frozen=True)
class Grader:
    """One grader: a Lambda (Bedrock), a built-in or a loopback URL (the local simulation)."""

    lambda_arn: str | None = None
    builtin: str | None = None
    url: str | None = None
    tolerance: float = 1e-6
    pattern: str | None = None

    @property
    def label(self) -> str:
        if self.lambda_arn:
            return f"Lambda {self.lambda_arn}"
        if self.url:
            return f"HTTP grader {self.url}"
        extra = f" (tolerance {self.tolerance:g})" if self.builtin == "numeric" else ""
        extra = f" /{self.pattern}/" if self.builtin == "regex" else extra
        return f"built-in {self.builtin}{extra}"

    def api(self) -> dict[str, Any]:
        """As the REST API says it (CustomizationConfig.Grader)."""
        if self.lambda_arn:
            return {"LambdaArn": self.lambda_arn}
        if self.url:
            return {"Url": self.url}
        out: dict[str, Any] = {"Builtin": self.builtin}
        if self.builtin == "numeric":
            out["Tolerance"] = self.tolerance
        if self.builtin == "regex":
            out["Pattern"] = self.pattern
        return out

    def bedrock(self) -> dict[str, Any]:
        """As Bedrock's graderConfig; the built-in and URL graders are the local control plane's own
        members (Model Studio refuses them in aws mode, so they never reach AWS)."""
        if self.lambda_arn:
            return {"lambdaGrader": {"lambdaArn": self.lambda_arn}}
        if self.url:
            return {"urlGrader": {"url": self.url}}
        inner: dict[str, Any] = {"name": self.builtin}
        if self.builtin == "numeric":
            inner["tolerance"] = self.tolerance
        if self.builtin == "regex":
            inner["pattern"] = self.pattern
        return {"builtinGrader": inner}

    @classmethod
    def from_bedrock(cls, config: Mapping[str, Any] | None) -> Grader | None:
        """The grader of a graderConfig (None when it names none this code knows)."""
        if not isinstance(config, Mapping):
            return None
        if isinstance(config.get("lambdaGrader"), Mapping):
            return cls(lambda_arn=str(config["lambdaGrader"].get("lambdaArn", "")))
        if isinstance(config.get("urlGrader"), Mapping):
            return cls(url=str(config["urlGrader"].get("url", "")))
        inner = config.get("builtinGrader")
        if isinstance(inner, Mapping) and inner.get("name") in BUILTINS:
            return cls(
                builtin=str(inner["name"]),
                tolerance=float(inner.get("tolerance", 1e-6)),
                pattern=inner.get("pattern"),
            )
        return None


def grader_of(config: Mapping[str, Any] | None) -> Grader | None:
    """The grader of a job's customizationConfig (None: not an RFT config, or one naming no grader we know)."""
    rft = (config or {}).get("rftConfig")
    return Grader.from_bedrock(rft.get("graderConfig")) if isinstance(rft, Mapping) else None


def parse_grader(value: object, *, simulated: bool) -> tuple[Grader | None, list[str]]:
    """The grader a request names (CustomizationConfig.Grader), or what is wrong with it, in the form's words.
    ``simulated``: the local backend (built-in and loopback graders; no Lambda) or AWS (Lambda only)."""
    where = "Customization Config, Grader"
    if value is None:
        return None, [f"{where}: required for reinforcement fine-tuning: {_choices(simulated)}."]
    if not isinstance(value, Mapping):
        return None, [f"{where}: an object, {_choices(simulated)}."]
    known = {"LambdaArn", "Builtin", "Url", "Tolerance", "Pattern"}
    unknown = sorted(str(k)[:40] for k in value if k not in known)
    if unknown:
        return None, [f"{where}: unknown field(s) {', '.join(unknown)}; it takes {', '.join(sorted(known))}."]
    kinds = [k for k in ("LambdaArn", "Builtin", "Url") if value.get(k) is not None]
    if len(kinds) != 1:
        return None, [f"{where}: exactly one of LambdaArn, Builtin or Url ({len(kinds)} given)."]
    kind = kinds[0]
    raw = value[kind]
    if not isinstance(raw, str):
        return None, [f"{where}.{kind}: a string."]
    if kind == "LambdaArn":
        if simulated:
            return None, [
                f"{where}.LambdaArn: the local simulation cannot call AWS Lambda; choose a built-in grader "
                f"({', '.join(BUILTINS)}) or a grader URL on this machine (http://127.0.0.1:…)."
            ]
        if not (1 <= len(raw) <= 512) or not LAMBDA_ARN.fullmatch(raw):
            return None, [
                f"{where}.LambdaArn: {raw[:80]!r} is not a Lambda function ARN "
                "(arn:aws:lambda:<region>:<12-digit account>:function:<name>[:<alias or $LATEST>])."
            ]
        return Grader(lambda_arn=raw), []
    if not simulated:
        return None, [
            f"{where}.{kind}: Bedrock grades reinforcement fine-tuning with a Lambda function only; give "
            f"LambdaArn (built-in and URL graders run in the local simulation). See {REWARD_FUNCTIONS_URL}"
        ]
    if kind == "Url":
        problem = loopback_url_problem(raw)
        return (None, [f"{where}.Url: {problem}"]) if problem else (Grader(url=raw), [])
    if raw not in BUILTINS:
        return None, [f"{where}.Builtin: {raw[:40]!r} is not one of {', '.join(BUILTINS)}."]
    if raw == "numeric":
        tolerance = value.get("Tolerance", 1e-6)
        if (
            isinstance(tolerance, bool)
            or not isinstance(tolerance, int | float)
            or not math.isfinite(tolerance)
            or not 0 <= tolerance <= 1e12
        ):
            return None, [f"{where}.Tolerance: a number from 0 up (the largest difference that still scores 1)."]
        return Grader(builtin=raw, tolerance=float(tolerance)), []
    if raw == "regex":
        pattern = value.get("Pattern")
        if not isinstance(pattern, str) or not pattern or len(pattern) > MAX_PATTERN:
            return None, [f"{where}.Pattern: required for the regex grader, 1-{MAX_PATTERN} characters."]
        try:
            re2.compile(pattern)
        except re2.error as exc:
            why = exc.args[0].decode(errors="replace") if exc.args and isinstance(exc.args[0], bytes) else str(exc)
            return None, [f"{where}.Pattern: not a regular expression this grader runs ({why})."]
        return Grader(builtin=raw, pattern=pattern), []
    return Grader(builtin=raw), []


def _choices(simulated: bool) -> str:
    if simulated:
        return f'{{"Builtin": one of {", ".join(BUILTINS)}}} or {{"Url": "http://127.0.0.1:<port>/<path>"}}'
    return '{"LambdaArn": "arn:aws:lambda:<region>:<account>:function:<name>"}'


def loopback_url_problem(url: str) -> str | None:
    """Why a grader URL is refused (None: an http(s) URL on this machine). Only loopback, so a grader
    URL can never make the server call into anyone else's network."""
    if len(url) > MAX_URL:
        return f"at most {MAX_URL} characters."
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return f"{url[:80]!r} is not a URL."
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"{url[:80]!r}: an http:// or https:// URL on this machine (e.g. http://127.0.0.1:8900/grade)."
    if parts.username or parts.password:
        return "no user name or password in the URL."
    host = parts.hostname
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if not loopback:
        return f"{host!r} is not this machine; a grader URL must be on loopback (127.0.0.1, ::1 or localhost)."
    if port == 0:
        return "port 0 is not a port."
    return None


# ---- the payload and the answer -------------------------------------------------------------------
def sample(record: Mapping[str, Any], answer: str, sample_id: str) -> dict[str, Any]:
    """What a grader gets for one answer: the record with the answer as the last (assistant) turn, and an id."""
    messages = [m for m in record.get("messages") or [] if isinstance(m, Mapping)]
    out = {k: v for k, v in record.items() if k != "messages"}
    out["id"] = sample_id
    out["messages"] = [*messages, {"role": "assistant", "content": answer}]
    return out


def rewards_of(reply: object, ids: Sequence[str]) -> list[float]:
    """The rewards a grader returned, in the order of ``ids``; ValueError saying what is wrong."""
    if isinstance(reply, Mapping) and isinstance(reply.get("body"), str | list):
        body = reply["body"]  # an API Gateway-style answer: the list is in "body"
        reply = orjson.loads(body) if isinstance(body, str) else body
    if not isinstance(reply, list):
        raise ValueError(
            f"the grader returned {type(reply).__name__}, not a list of "
            '{"id": …, "aggregate_reward_score": number} (one per sample)'
        )
    scores: dict[str, float] = {}
    for item in reply:
        if not isinstance(item, Mapping) or "id" not in item:
            raise ValueError('each item the grader returns needs "id" and "aggregate_reward_score"')
        score = item.get("aggregate_reward_score")
        if isinstance(score, bool) or not isinstance(score, int | float) or not math.isfinite(score):
            raise ValueError(f"sample {str(item['id'])[:40]}: aggregate_reward_score is not a finite number")
        scores[str(item["id"])] = float(score)
    missing = [i for i in ids if i not in scores]
    if missing:
        raise ValueError(f"the grader returned no score for {len(missing)} sample(s), e.g. {missing[0]!r}")
    return [scores[i] for i in ids]


def reference_text(reference: object) -> str:
    """The reference answer as text: a string itself; an object's answer field; else its JSON."""
    if isinstance(reference, str):
        return reference
    if isinstance(reference, Mapping):
        for key in REFERENCE_KEYS:
            if isinstance(reference.get(key), str | int | float) and not isinstance(reference.get(key), bool):
                return str(reference[key])
        if len(reference) == 1:
            only = next(iter(reference.values()))
            if isinstance(only, str | int | float) and not isinstance(only, bool):
                return str(only)
    if isinstance(reference, int | float) and not isinstance(reference, bool):
        return repr(reference) if isinstance(reference, float) else str(reference)
    return orjson.dumps(reference).decode()


def builtin_reward(grader: Grader, answer: str, reference: object) -> float:
    """The reward a built-in grader gives one answer (0-1)."""
    answer = answer[:MAX_ANSWER_CHARS]
    if grader.builtin == "exact-match":
        return 1.0 if answer.strip().casefold() == reference_text(reference).strip().casefold() else 0.0
    if grader.builtin == "numeric":
        got, want = _last_number(answer), _last_number(reference_text(reference))
        return 1.0 if got is not None and want is not None and abs(got - want) <= grader.tolerance else 0.0
    if grader.builtin == "json":
        try:
            given = orjson.loads(answer.strip())
        except orjson.JSONDecodeError:
            return 0.0
        if not isinstance(given, dict):
            return 0.0
        if not isinstance(reference, Mapping) or not reference:
            return 1.0  # a JSON object, and no fields to compare
        return sum(1 for k, v in reference.items() if given.get(k) == v) / len(reference)
    if grader.builtin == "regex":
        return 1.0 if grader.pattern and re2.search(grader.pattern, answer) else 0.0
    raise ValueError(f"no built-in grader {grader.builtin!r}")


def _last_number(text: str) -> float | None:
    found = _NUMBER.findall(text)
    if not found:
        return None
    try:
        return float(found[-1].replace(",", ""))
    except ValueError:
        return None
