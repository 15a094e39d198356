"""Calls per model and day (UsageStore); evaluation runs and their results (EvaluationStore)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import orjson
from sqlalchemy import Row, case, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from services.adapters.sql.engine import SqlBase, write_audit
from services.adapters.sql_tables import evaluation_results, evaluations, model_calls
from services.domain.calls import CALL_SUMS, CallCount
from services.domain.evaluations import Evaluation, EvaluationResult, EvaluationStatus
from services.domain.records import AuditEvent


def _evaluation_of(row: Row[Any]) -> Evaluation:
    values = row._asdict()
    values["estimate"] = orjson.loads(values["estimate"])
    values["summary"] = orjson.loads(values["summary"]) if values["summary"] is not None else None
    values["status"] = EvaluationStatus(values["status"])
    return Evaluation.model_validate(values)


def _row_of(evaluation: Evaluation) -> dict[str, Any]:
    values = evaluation.model_dump()
    values["estimate"] = orjson.dumps(values["estimate"]).decode()
    values["summary"] = orjson.dumps(values["summary"]).decode() if values["summary"] is not None else None
    values["status"] = evaluation.status.value
    return values


class SqlEvaluations(SqlBase):
    """UsageStore and EvaluationStore on SQL."""

    def count_call(self, count: CallCount) -> None:
        values = count.model_dump()
        dialect = self._engine.dialect.name
        make = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = make(model_calls).values(**values)
        later = case(
            (model_calls.c.last_at.is_(None), statement.excluded.last_at),
            (statement.excluded.last_at > model_calls.c.last_at, statement.excluded.last_at),
            else_=model_calls.c.last_at,
        )
        statement = statement.on_conflict_do_update(
            index_elements=["model_id", "day"],
            set_={name: model_calls.c[name] + statement.excluded[name] for name in CALL_SUMS} | {"last_at": later},
        )
        with self._engine.begin() as conn:
            conn.execute(statement)

    def call_counts(self, model_id: str | None = None, since_day: str = "") -> list[CallCount]:
        query = select(model_calls).where(model_calls.c.day >= since_day)
        if model_id is not None:
            query = query.where(model_calls.c.model_id == model_id)
        with self._engine.connect() as conn:
            rows = conn.execute(query.order_by(model_calls.c.day, model_calls.c.model_id))
            return [CallCount.model_validate(r._asdict()) for r in rows]

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
        for name in ("estimate", "summary"):
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
        try:
            with self._engine.begin() as conn:
                conn.execute(
                    insert(evaluation_results).values(
                        evaluation_id=result.evaluation_id,
                        record_index=result.index,
                        result=result.model_dump_json(),
                    )
                )
        except IntegrityError:
            return False
        return True

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
