"""A distillation's teacher as Bedrock's request names it (``distillationConfig.teacherModelConfig``): botocore's
pattern for the identifier, the model behind an ARN or an inference profile, and the teacher a recorded config
names. Pure, so the local simulation (a student answers like its teacher) and the method agree."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

# botocore's TeacherModelIdentifier: a foundation-model ARN or id, or an inference profile (ARN or id)
TEACHER_PATTERN = re.compile(
    r"(arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}:((:foundation-model/([a-z0-9-]{1,63}[.]{1}[a-z0-9-]{1,63}"
    r"([.]?[a-z0-9-]{1,63})([:][a-z0-9-]{1,63}){0,2})|(([0-9a-zA-Z][_-]?)+)$)|([0-9]{12}:inference-profile/"
    r"[a-zA-Z0-9-:.]+$)))|([a-z0-9-]{1,63}[.]{1}[a-z0-9-]{1,63}([.]?[a-z0-9-]{1,63})([:][a-z0-9-]{1,63}){0,2})"
)
# the geographies of cross-Region inference profiles (CDK's CrossRegionInferenceProfileRegion, bedrock-2026-methods B10)
PROFILE_GEOS = ("us", "eu", "apac", "us-gov", "global", "jp", "au", "ca")
MAX_IDENTIFIER = 2048


def teacher_model_id(identifier: str) -> str:
    """The Bedrock model id behind a teacher identifier: an ARN's resource, an inference profile's model
    (its geography prefix removed), or Model Studio's own catalog id."""
    model = identifier.removeprefix("bedrock:")
    if model.startswith("arn:"):
        model = model.rsplit("/", 1)[-1] if "/" in model else model
    geo, _, rest = model.partition(".")
    return rest if geo in PROFILE_GEOS and rest else model


def teacher_of(config: Mapping[str, Any] | None) -> tuple[str, int | None] | None:
    """(teacher identifier, longest answer in tokens or None) of a Bedrock customizationConfig."""
    teacher = ((config or {}).get("distillationConfig") or {}).get("teacherModelConfig") or {}
    identifier = teacher.get("teacherModelIdentifier")
    if not isinstance(identifier, str):
        return None
    length = teacher.get("maxResponseLengthForInference")
    return identifier, length if isinstance(length, int) else None
