"""Bedrock's model invocation logging, as a distillation needs it: whether each configured region delivers its
invocation logs (text included) to S3 and where (GetModelInvocationLoggingConfiguration), turning it on for an
admin (PutModelInvocationLoggingConfiguration, to a bucket Model Studio may use), and how many logged calls a
filter picks, and how many of those Bedrock can use, before anything is submitted.
https://docs.aws.amazon.com/bedrock/latest/userguide/model-invocation-logging.html"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from services.customization.base import Collaborators, ServiceBase
from services.customization.checks import Checks
from services.datasets.invocation_logs import LogScan
from services.domain.errors import InvalidRequest, ProviderError
from services.domain.identity import Actor, require_admin
from services.domain.invocation_logs import InvocationLogs, parse_invocation_logs
from services.domain.records import AuditEvent
from services.domain.s3uri import user_uri
from services.ports import AuditStore


@dataclass(frozen=True)
class RegionLogging:
    region: str
    destination: str | None  # s3://bucket/prefix/ the region's logs go to; None: not to S3, or off
    problem: str = ""  # why it could not be read (Bedrock did not answer)


class InvocationLogging(ServiceBase):
    def __init__(self, parts: Collaborators, checks: Checks, audit: AuditStore | None) -> None:
        super().__init__(parts)
        self._checks = checks
        self._audit = audit

    def status(self) -> list[RegionLogging]:
        """Each configured region's invocation logging: where it delivers, or that it does not."""
        out = []
        for region in self._config.job_regions:
            try:
                out.append(RegionLogging(region, self._backend(region).logging_destination()))
            except ProviderError as exc:
                out.append(RegionLogging(region, None, f"Bedrock did not say: {exc}"))
        return out

    def enable(self, region: str, s3_uri: str, *, actor: Actor) -> RegionLogging:
        """Turn invocation logging on in ``region``, delivering to ``s3_uri`` (an admin's act, audited): a bucket
        Model Studio may use, so distillation can read the logs back."""
        require_admin(actor, "turn on invocation logging")
        if region not in self._config.job_regions:
            raise InvalidRequest(f"Region: {region!r} is not configured ({', '.join(self._config.job_regions)}).")
        bucket, key = user_uri(s3_uri, self._config.allowed_buckets, what="Logs location")
        uri = f"s3://{bucket}/{key.strip('/')}/" if key.strip("/") else f"s3://{bucket}/"
        before = self._backend(region).logging_destination()
        self._backend(region).enable_logging(uri)
        if self._audit is not None:
            self._audit.record_audit(
                [
                    AuditEvent(
                        at=self._clock(), actor_id=actor.id, actor_name=actor.name, action="enable-invocation-logging",
                        before=before or "off", after=uri, request_id=actor.request_id, detail=f"region {region}",
                    )
                ]
            )  # fmt: skip
        return RegionLogging(region, uri)

    def count(self, source: Mapping[str, Any] | None, teacher: str | None = None) -> tuple[InvocationLogs, LogScan]:
        """The logged calls a source's filter picks, and those Bedrock can use (with ``teacher``: when the logged
        answers train the student, only the teacher's own calls)."""
        logs, problems = parse_invocation_logs(source)
        if logs is None:
            raise InvalidRequest("; ".join(problems), problems)
        return logs, self._checks.scan_logs(logs, teacher if logs.use_prompt_response else None)
