"""Test grader: a reinforcement fine-tuning grader run on the first records of the training data with a candidate
answer, before anything is paid. The answer is the one given, or else each record's own reference answer (a
grader that does not give full marks to the reference answer is worth knowing about before a job runs). The
grader is read by the one function for graders (services/domain/graders.py) and the data through the one rule
for a user's data (an upload, or an S3 URI in an allowed bucket). In aws mode the grader is a Lambda function
Model Studio invokes with its own credentials, so only functions in the customization role's account and the
configured regions are invoked."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from services.customization.base import Collaborators, ServiceBase
from services.customization.checks import Checks
from services.customization.common import DataInput
from services.domain.errors import InvalidRequest
from services.domain.graders import Grader, parse_grader, reference_text, sample
from services.domain.text import text_problem
from services.ports import GraderRunner

MAX_TRIAL_RECORDS = 10
MAX_CANDIDATE_CHARS = 20_000
MAX_LINE_BYTES = 1024 * 1024


@dataclass(frozen=True)
class TrialRow:
    line: int
    prompt: str  # the last user turn, shortened
    answer: str
    reward: float


@dataclass(frozen=True)
class GraderTrial:
    grader: str  # what people read: "built-in exact-match", "Lambda arn:…"
    rows: tuple[TrialRow, ...]

    @property
    def mean(self) -> float:
        return sum(r.reward for r in self.rows) / len(self.rows) if self.rows else 0.0


class GraderTrials(ServiceBase):
    def __init__(self, parts: Collaborators, checks: Checks, graders: GraderRunner | None) -> None:
        super().__init__(parts)
        self._checks = checks
        self._graders = graders

    def test_grader(
        self,
        options: Mapping[str, Any] | None,
        training: DataInput | None,
        candidate: str | None = None,
        records: int = 5,
    ) -> GraderTrial:
        """The grader's rewards for the first ``records`` records (at most 10); InvalidRequest saying what is
        wrong with the grader, the data or the answer; ProviderError when the grader cannot answer."""
        grader, problems = parse_grader((options or {}).get("Grader"), simulated=self._config.simulated)
        if candidate is not None and candidate.strip():
            said = text_problem("Candidate answer", candidate, max_chars=MAX_CANDIDATE_CHARS, multiline=True)
            if said:
                problems.append(said)
        if not 1 <= records <= MAX_TRIAL_RECORDS:
            problems.append(f"Records: from 1 to {MAX_TRIAL_RECORDS}.")
        if training is None:
            problems.append("Training Data: upload a .jsonl file or give an s3:// URI to test the grader on.")
        if grader is not None and grader.lambda_arn:
            problems += self._lambda_problems(grader)
        if problems or grader is None or training is None:
            raise InvalidRequest(
                f"{len(problems)} problem(s) with the grader test:\n- " + "\n- ".join(problems), problems
            )
        if self._graders is None:
            raise InvalidRequest("Model Studio has no grader runner configured here.")
        found = self._records(training, records)
        answers = [
            candidate if candidate and candidate.strip() else reference_text(r.get("reference_answer"))
            for _, r in found
        ]
        samples = [
            sample(record, answer, f"line-{line}") for (line, record), answer in zip(found, answers, strict=True)
        ]
        rewards = self._graders.grade(grader, samples)
        rows = tuple(
            TrialRow(line, _prompt(record), answer[:500], reward)
            for (line, record), answer, reward in zip(found, answers, rewards, strict=True)
        )
        return GraderTrial(grader.label, rows)

    def _lambda_problems(self, grader: Grader) -> list[str]:
        """A Lambda Model Studio may invoke: in the customization role's account and a configured region."""
        assert grader.lambda_arn is not None
        parts = grader.lambda_arn.split(":")
        region, account = parts[3], parts[4]
        role_account = (self._config.role_arn or "").split(":")[4:5]
        out = []
        if region not in self._config.job_regions:
            out.append(
                f"Customization Config, Grader.LambdaArn: Test grader invokes functions in the configured regions "
                f"({', '.join(self._config.job_regions)}), not {region}."
            )
        if role_account and account != role_account[0]:
            out.append(
                "Customization Config, Grader.LambdaArn: Test grader invokes functions in the customization role's "
                f"account ({role_account[0]}) only, not {account}."
            )
        return out

    def _records(self, training: DataInput, wanted: int) -> list[tuple[int, dict[str, Any]]]:
        found: list[tuple[int, dict[str, Any]]] = []
        problems: list[str] = []
        with self._checks.opened(training) as stream:
            for line, raw in enumerate(stream, start=1):
                if len(found) >= wanted or len(problems) >= 5:
                    break
                if not raw.strip():
                    continue
                if len(raw) > MAX_LINE_BYTES:
                    problems.append(f"Training Data, line {line}: longer than {MAX_LINE_BYTES:,} bytes.")
                    continue
                try:
                    record = orjson.loads(raw)
                except orjson.JSONDecodeError:
                    problems.append(f"Training Data, line {line}: not a JSON object.")
                    continue
                if not isinstance(record, dict) or "reference_answer" not in record:
                    problems.append(f"Training Data, line {line}: no reference_answer for the grader.")
                    continue
                found.append((line, record))
        if problems or not found:
            problems = problems or ["Training Data: no record to test the grader on."]
            raise InvalidRequest(f"{len(problems)} problem(s) with the data:\n- " + "\n- ".join(problems), problems)
        return found


def _prompt(record: Mapping[str, Any]) -> str:
    for message in reversed(record.get("messages") or []):
        if isinstance(message, Mapping) and message.get("role") == "user":
            content = message.get("content")
            return (content if isinstance(content, str) else orjson.dumps(content).decode())[:200]
    return ""
