"""Who gets which notice: the one rule, used by the bell, by the e-mail receivers of the dispatcher, and
by the preferences people choose (their own models' events, or every model's for an admin).

Someone who never chose gets every event: about the models they created, or, as an admin, about
every model (and the team's monthly budget, which is no model's)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Literal

from services.domain.errors import Forbidden, InvalidRequest
from services.domain.identity import Actor
from services.domain.notices import Notice, NoticePrefs
from services.notices.events import EVENTS
from services.ports import CustomModelStore, NoticeStore


class Subscriptions:
    def __init__(
        self,
        store: NoticeStore,
        customs: CustomModelStore,
        admins: Sequence[str],
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._store = store
        self._customs = customs
        self._admins = frozenset(admins)
        self._clock = clock

    def prefs_for(self, user_id: str, admin: bool) -> NoticePrefs:
        """What they chose, or the default, as their role is now (``admin``)."""
        return _as_now(self._store.notice_prefs([user_id]).get(user_id), user_id, admin)

    def choose(
        self, actor: Actor, *, events: Sequence[str] | None, scope: Literal["own", "all"], email: bool
    ) -> NoticePrefs:
        """Store what ``actor`` wants: ``events`` (None: every one), about their own models or all."""
        if events is not None:
            unknown = [e for e in events if e not in EVENTS]
            if unknown:
                raise InvalidRequest(
                    f"Events: no event called {', '.join(map(repr, unknown))}; the events are {', '.join(EVENTS)}.",
                    [f"Events: unknown event {e!r}" for e in unknown],
                )
        if scope == "all" and not actor.is_admin:
            raise Forbidden(
                f"Notices about every model are for admins; {actor.name} ({actor.id}) is a member and gets "
                "those about the models they created."
            )
        current = self.prefs_for(actor.id, actor.is_admin)
        chosen = NoticePrefs(
            user_id=actor.id,
            events=None if events is None else tuple(dict.fromkeys(events)),
            scope=scope,
            email=email,
            seen_at=current.seen_at,
        )
        self._store.save_notice_prefs(chosen, self._clock())
        return chosen

    @staticmethod
    def wants(prefs: NoticePrefs, notice: Notice, owner: str | None) -> bool:
        if prefs.events is not None and notice.event not in prefs.events:
            return False
        return prefs.scope == "all" or (owner is not None and owner == prefs.user_id)

    def _owners(self, notices: Sequence[Notice]) -> dict[str, str | None]:
        wanted = {n.model_id for n in notices if n.model_id}
        return {m.id: m.created_by for m in self._customs.list_custom() if m.id in wanted}

    def notices_for(self, actor: Actor, limit: int = 50) -> list[Notice]:
        """The in-app notices ``actor`` gets, newest first."""
        return self._notices(self.prefs_for(actor.id, actor.is_admin), limit)

    def _notices(self, prefs: NoticePrefs, limit: int) -> list[Notice]:
        found = self._store.notices(max(200, limit * 4))
        owners = self._owners(found)
        return [n for n in found if self.wants(prefs, n, owners.get(n.model_id or ""))][:limit]

    def unread(self, actor: Actor, limit: int = 50) -> tuple[list[Notice], list[Notice]]:
        """(their notices, those newer than the last they marked read): kept in the database, so
        what was read stays read in every browser and replica."""
        prefs = self.prefs_for(actor.id, actor.is_admin)
        notices = self._notices(prefs, limit)
        return notices, [n for n in notices if prefs.seen_at is None or n.at > prefs.seen_at]

    def mark_read(self, actor: Actor, upto: datetime) -> None:
        prefs = self.prefs_for(actor.id, actor.is_admin)
        if prefs.seen_at is None or upto > prefs.seen_at:
            self._store.save_notice_prefs(prefs.model_copy(update={"seen_at": upto}), self._clock())

    def email_receivers(self, notice: Notice) -> list[str]:
        """mailto: the model's owner and the admins, each if the notice is one they want by e-mail."""
        owner = None
        if notice.model_id:
            model = self._customs.get_custom(notice.model_id)
            owner = model.created_by if model is not None else None
        people = list(dict.fromkeys([*([owner] if owner else []), *sorted(self._admins)]))
        stored = self._store.notice_prefs(people)
        found = []
        for person in people:
            prefs = _as_now(stored.get(person), person, person in self._admins)
            if "@" in person and prefs.email and self.wants(prefs, notice, owner):
                found.append(f"mailto:{person}")
        return found


def _as_now(chosen: NoticePrefs | None, user_id: str, admin: bool) -> NoticePrefs:
    """What someone chose, as their role is now: an admin's "every model" ends with the admin role
    (a demoted admin gets their own models' notices); someone who never chose gets the default."""
    if chosen is None:
        return _default(user_id, admin)
    if chosen.scope == "all" and not admin:
        return chosen.model_copy(update={"scope": "own"})
    return chosen


def _default(user_id: str, admin: bool) -> NoticePrefs:
    """Someone who never chose: every event, about the models they created, or every model for an admin."""
    return NoticePrefs(user_id=user_id, scope="all" if admin else "own")
