"""/api/invocation-logging and /api/invocation-log-counts: Bedrock's invocation logs as a distillation's data:
whether each region delivers them to S3 and where, turning that on (admins), and how many logged calls a filter
picks and Bedrock can use, before a job is submitted."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.deps import Svc, Who
from api.errors import ERRORS
from api.schemas import HpName, Pascal

router = APIRouter(tags=["invocation logs"])


class RegionLoggingOut(BaseModel):
    Region: str
    Enabled: bool  # text delivered to S3
    S3Uri: str | None
    Problem: str = ""


class LoggingList(BaseModel):
    Regions: list[RegionLoggingOut]


class EnableLogging(Pascal):
    Region: str = Field(max_length=32)
    S3Uri: str = Field(max_length=1024, description="Where the logs go: a bucket Model Studio may use.")


class LogCount(Pascal):
    InvocationLogs: dict[HpName, Any] = Field(max_length=3, description="As TrainingDataSource.InvocationLogs.")
    TeacherModelId: str | None = Field(
        None, max_length=2048, description="With UsePromptResponse: only the teacher's own logged calls count."
    )


class LogCountOut(BaseModel):
    Files: int
    Calls: int
    Matched: int
    Usable: int
    Skipped: dict[str, int]
    PromptTokens: int
    AnswerTokens: int
    Summary: str


@router.get("/invocation-logging", response_model=LoggingList, responses=ERRORS)
def logging_status(s: Svc, actor: Who) -> LoggingList:
    return LoggingList(
        Regions=[
            RegionLoggingOut(Region=r.region, Enabled=r.destination is not None, S3Uri=r.destination, Problem=r.problem)
            for r in s.customization.logging.status()
        ]
    )


@router.put("/invocation-logging", response_model=RegionLoggingOut, responses=ERRORS)
def enable_logging(body: EnableLogging, s: Svc, actor: Who) -> RegionLoggingOut:
    done = s.customization.logging.enable(body.Region, body.S3Uri, actor=actor)
    return RegionLoggingOut(Region=done.region, Enabled=True, S3Uri=done.destination)


@router.post("/invocation-log-counts", response_model=LogCountOut, responses=ERRORS)
def count_logs(body: LogCount, s: Svc, actor: Who) -> LogCountOut:
    """The logged calls under S3Uri that the filter picks, and those Bedrock can use; nothing is created."""
    logs, scan = s.customization.logging.count(body.InvocationLogs, body.TeacherModelId)
    return LogCountOut(
        Files=scan.files, Calls=scan.calls, Matched=scan.matched, Usable=scan.usable, Skipped=dict(scan.skipped),
        PromptTokens=scan.prompt_tokens, AnswerTokens=scan.answer_tokens, Summary=scan.in_words(logs),
    )  # fmt: skip
