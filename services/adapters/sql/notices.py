"""The outbox and its deliveries (NoticeStore): fanned out to receivers, claimed by one dispatcher at a
time (several replicas may run one), finished with the receiver's answer."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import Row, and_, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from services.adapters.sql.engine import SqlBase
from services.adapters.sql_tables import deliveries, notice_prefs, outbox
from services.domain.notices import Delivery, Notice, NoticePrefs

_NOTICE = ("id", "event", "model_id", "model_name", "status", "at", "detail", "actor_id")


def _notice(row: Row[Any]) -> Notice:
    return Notice.model_validate({k: getattr(row, k) for k in _NOTICE})


def _delivery(row: Row[Any]) -> Delivery:
    return Delivery.model_validate(
        {k: getattr(row, k) for k in ("notice_id", "receiver", "state", "attempts", "next_at", "answer", "updated_at")}
    )


class SqlNotices(SqlBase):
    def notices(self, limit: int = 200, since: datetime | None = None) -> list[Notice]:
        query = select(outbox)
        if since is not None:
            query = query.where(outbox.c.at > since)
        with self._engine.connect() as conn:
            rows = conn.execute(query.order_by(outbox.c.at.desc(), outbox.c.id).limit(limit))
            return [_notice(r) for r in rows]

    def unfanned(self, limit: int = 100) -> list[Notice]:
        with self._engine.connect() as conn:
            rows = conn.execute(select(outbox).where(outbox.c.fanned_out.is_(False)).order_by(outbox.c.at).limit(limit))
            return [_notice(r) for r in rows]

    def fan_out(self, notice_id: str, receivers: Sequence[str], now: datetime) -> None:
        """Create the notice's deliveries (once, whoever else does it at the same time) and mark it."""
        with self._engine.begin() as conn:
            taken = conn.execute(
                update(outbox).where(outbox.c.id == notice_id, outbox.c.fanned_out.is_(False)).values(fanned_out=True)
            ).rowcount
            if not taken:
                return
            for receiver in dict.fromkeys(receivers):
                try:
                    with conn.begin_nested():
                        conn.execute(
                            insert(deliveries).values(
                                notice_id=notice_id,
                                receiver=receiver,
                                state="pending",
                                attempts=0,
                                next_at=now,
                                answer="",
                                updated_at=now,
                            )
                        )
                except IntegrityError:
                    continue

    def claim(self, owner: str, now: datetime, seconds: float, limit: int = 20) -> list[tuple[Delivery, Notice]]:
        """Deliveries due now that no other dispatcher holds, held by ``owner`` for ``seconds``."""
        due = and_(
            deliveries.c.state.in_(("pending", "retrying")),
            deliveries.c.next_at <= now,
            or_(deliveries.c.claimed_until.is_(None), deliveries.c.claimed_until < now),
        )
        with self._engine.connect() as conn:
            candidates = conn.execute(
                select(deliveries.c.notice_id, deliveries.c.receiver)
                .where(due)
                .order_by(deliveries.c.next_at)
                .limit(limit)
            ).all()
        claimed = []
        for notice_id, receiver in candidates:
            with self._engine.begin() as conn:
                mine = conn.execute(
                    update(deliveries)
                    .where(deliveries.c.notice_id == notice_id, deliveries.c.receiver == receiver, due)
                    .values(claimed_by=owner, claimed_until=now + timedelta(seconds=seconds))
                ).rowcount
                if mine:
                    row = conn.execute(
                        select(deliveries, outbox)
                        .join(outbox, outbox.c.id == deliveries.c.notice_id)
                        .where(deliveries.c.notice_id == notice_id, deliveries.c.receiver == receiver)
                    ).one()
                    claimed.append((_delivery(row), _notice(row)))
        return claimed

    def finish(self, delivery: Delivery, owner: str) -> bool:
        """Record what became of a claimed delivery (only by the dispatcher that holds it)."""
        with self._engine.begin() as conn:
            return bool(
                conn.execute(
                    update(deliveries)
                    .where(
                        deliveries.c.notice_id == delivery.notice_id,
                        deliveries.c.receiver == delivery.receiver,
                        deliveries.c.claimed_by == owner,
                    )
                    .values(
                        state=delivery.state,
                        attempts=delivery.attempts,
                        next_at=delivery.next_at,
                        answer=delivery.answer,
                        updated_at=delivery.updated_at,
                        claimed_by=None,
                        claimed_until=None,
                    )
                ).rowcount
            )

    def deliveries(self, limit: int = 500) -> list[tuple[Delivery, Notice]]:
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(deliveries, outbox)
                .join(outbox, outbox.c.id == deliveries.c.notice_id)
                .order_by(deliveries.c.updated_at.desc())
                .limit(limit)
            )
            return [(_delivery(r), _notice(r)) for r in rows]

    def notice_prefs(self, user_ids: Sequence[str]) -> dict[str, NoticePrefs]:
        if not user_ids:
            return {}
        with self._engine.connect() as conn:
            rows = conn.execute(select(notice_prefs).where(notice_prefs.c.user_id.in_(list(user_ids))))
            return {
                r.user_id: NoticePrefs(
                    user_id=r.user_id,
                    events=None if r.events is None else tuple(orjson.loads(r.events)),
                    scope=r.scope,
                    email=r.email,
                    seen_at=r.seen_at,
                )
                for r in rows
            }

    def save_notice_prefs(self, prefs: NoticePrefs, now: datetime) -> None:
        values = {
            "events": None if prefs.events is None else orjson.dumps(list(prefs.events)).decode(),
            "scope": prefs.scope,
            "email": prefs.email,
            "seen_at": prefs.seen_at,
            "updated_at": now,
        }
        with self._engine.begin() as conn:
            changed = conn.execute(
                update(notice_prefs).where(notice_prefs.c.user_id == prefs.user_id).values(**values)
            ).rowcount
            if changed:
                return
            try:
                with conn.begin_nested():
                    conn.execute(insert(notice_prefs).values(user_id=prefs.user_id, **values))
            except IntegrityError:  # saved by someone else at the same moment: this one wins
                conn.execute(update(notice_prefs).where(notice_prefs.c.user_id == prefs.user_id).values(**values))
