"""When each provisioned throughput or on-demand deployment was last invoked, from CloudWatch:
AWS/Bedrock ``Invocations`` by ``ModelId`` (the ARN it is called by), hourly sums, one GetMetricData per
region per round."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from services.domain.calls import Watched
from services.domain.errors import ProviderUnavailable

MAX_QUERIES = 500  # GetMetricData takes at most 500 metric queries per call


class CloudWatchInvocations:
    def __init__(self, client_for: Callable[[str], Any]) -> None:
        self._client_for = client_for

    def last_invocations(
        self, targets: Mapping[str, Watched], since: datetime, now: datetime
    ) -> dict[str, datetime | None]:
        found: dict[str, datetime | None] = dict.fromkeys(targets)
        by_region: dict[str, list[tuple[str, str]]] = {}
        for key, target in targets.items():
            by_region.setdefault(target.region, []).append((key, target.arn))
        for region, wanted in by_region.items():
            for start in range(0, len(wanted), MAX_QUERIES):
                batch = wanted[start : start + MAX_QUERIES]
                queries = [
                    {
                        "Id": f"m{i}",
                        "MetricStat": {
                            "Metric": {
                                "Namespace": "AWS/Bedrock",
                                "MetricName": "Invocations",
                                "Dimensions": [{"Name": "ModelId", "Value": arn}],
                            },
                            "Period": 3600,
                            "Stat": "Sum",
                        },
                        "ReturnData": True,
                    }
                    for i, (_, arn) in enumerate(batch)
                ]
                try:
                    pages = (
                        self._client_for(region)
                        .get_paginator("get_metric_data")
                        .paginate(MetricDataQueries=queries, StartTime=since, EndTime=now, ScanBy="TimestampDescending")
                    )
                    for page in pages:
                        for result in page.get("MetricDataResults", []):
                            key = batch[int(result["Id"][1:])][0]
                            called = [t for t, v in zip(result["Timestamps"], result["Values"], strict=False) if v > 0]
                            if called:
                                latest, known = max(called), found[key]
                                found[key] = latest if known is None or latest > known else known
                except (ClientError, BotoCoreError) as exc:
                    raise ProviderUnavailable(
                        f"CloudWatch could not say when the throughput was invoked: {exc}"
                    ) from exc
        return found
