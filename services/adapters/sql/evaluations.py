"""Evaluation runs and their results (EvaluationStore)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import orjson
from sqlalchemy import Integer, Row, insert, literal, select, update
from sqlalchemy.exc import IntegrityError

from services.adapters.sql.engine import SqlBase, write_audit
from services.adapters.sql_tables import SafeString, SafeText, evaluation_results, evaluations
from services.domain.evaluations import Evaluation, EvaluationResult, EvaluationStatus
from services.domain.records import AuditEvent


def _evaluation_of(row: Row[Any]) -> Evaluation:
    values = row._asdict()
    values["estimate"] = orjson.loads(values["estimate"])
    for name in ("summary", "batch_jobs"):
        values[name] = orjson.loads(values[name]) if values[name] is not None else None
    values["status"] = EvaluationStatus(values["status"])
    return Evaluation.model_validate(values)


def _row_of(evaluation: Evaluation) -> dict[str, Any]:
    values = evaluation.model_dump()
    values["estimate"] = orjson.dumps(values["estimate"]).decode()
    for name in ("summary", "batch_jobs"):
        values[name] = orjson.dumps(values[name]).decode() if values[name] is not None else None
    values["status"] = evaluation.status.value
    return values


class SqlEvaluations(SqlBase):
    """EvaluationStore on SQL."""

    def insert_evaluation(self, evaluation: Evaluation) -> None:
        with self._engine.begin() as conn:
            conn.execute(insert(evaluations).values(**_row_of(evaluation)))

    def get_evaluation(self, evaluation_id: str) -> Evaluation | None:
        with self._engine.connect() as conn:
            row = conn.execute(select(evaluations).where(evaluations.c.id == evaluation_id)).first()
        return _evaluation_of(row) if row else None

    def list_evaluations(self, custom_model_id: str | None = None) -> list[Evaluation]:
        query = select(evaluations)
        if custom_model_id is not None:
            query = query.where(evaluations.c.custom_model_id == custom_model_id)
        with self._engine.connect() as conn:
            rows = conn.execute(query.order_by(evaluations.c.created_at.desc(), evaluations.c.id.desc()))
            return [_evaluation_of(r) for r in rows]

    def update_evaluation(
        self,
        evaluation_id: str,
        expect: Iterable[EvaluationStatus],
        audit: Sequence[AuditEvent] = (),
        **changes: object,
    ) -> Evaluation | None:
        values = dict(changes)
        if "status" in values:
            values["status"] = EvaluationStatus(str(values["status"])).value
        for name in ("estimate", "summary", "batch_jobs"):
            if name in values and values[name] is not None:
                values[name] = orjson.dumps(values[name]).decode()
        statuses = [s.value for s in expect]
        with self._engine.begin() as conn:
            changed = conn.execute(
                update(evaluations)
                .where(evaluations.c.id == evaluation_id, evaluations.c.status.in_(statuses))
                .values(**values, version=evaluations.c.version + 1)
            ).rowcount
            if not changed:
                return None
            write_audit(conn, audit)
            row = conn.execute(select(evaluations).where(evaluations.c.id == evaluation_id)).one()
        return _evaluation_of(row)

    def save_result(self, result: EvaluationResult) -> bool:
        running = (
            select(evaluations.c.id)
            .where(evaluations.c.id == result.evaluation_id, evaluations.c.status == EvaluationStatus.RUNNING.value)
            .exists()
        )
        row = select(
            literal(result.evaluation_id, SafeString(40)), literal(result.index, Integer),
            literal(result.model_dump_json(), SafeText),
        ).where(running)  # fmt: skip
        try:
            with self._engine.begin() as conn:  # one statement: a run cancelled meanwhile stores nothing more
                stored = conn.execute(
                    insert(evaluation_results)
                    .from_select(["evaluation_id", "record_index", "result"], row)
                    .returning(evaluation_results.c.record_index)  # rowcount is not said by every driver here
                ).first()
        except IntegrityError:
            return False
        return stored is not None

    def results(self, evaluation_id: str) -> list[EvaluationResult]:
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(evaluation_results.c.result)
                .where(evaluation_results.c.evaluation_id == evaluation_id)
                .order_by(evaluation_results.c.record_index)
            )
            return [EvaluationResult.model_validate_json(r.result) for r in rows]

    def result_indexes(self, evaluation_id: str) -> set[int]:
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(evaluation_results.c.record_index).where(evaluation_results.c.evaluation_id == evaluation_id)
            )
            return {r.record_index for r in rows}
