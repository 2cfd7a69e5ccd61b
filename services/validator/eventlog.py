"""Read-only access to the validator's event store, for the other services: the validator's
published read module.

The event store is the system of record: the register, the e-Box and intake's recovery read
decisions from it when Kafka cannot be trusted to still hold them (the embedded broker
forgets everything when it stops); a consumer catches up from it at start
(`catch_up_from_event_store`) before it consumes dimona.decisions.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime

import orjson
import psycopg
from eventsourcing.utils import get_topic

from schemas.events import DeclarationDecided
from services.common.tracking import Apply, catch_up
from services.validator.domain import Declaration
from services.validator.domain.explain import RuleRef, rules_of
from services.validator.domain.quotas import (
    HORECA_EMPLOYER_DAYS,
    HORECA_WORKER_DAYS,
    STUDENT_HOURS,
    counts,
)
from services.validator.eventstore import EVENTS_TABLE, open_event_store

DECIDED_TOPICS = [get_topic(Declaration.Decided), get_topic(Declaration.Identified)]
# Published with the log: the aggregate a declaration's events belong to (an auditor reads
# them by declaration), the table they are stored in, and the quotas as the rules count them
# (the register shows what a period counts, and what is left, as the validator decided),
# and the rules that can raise an anomaly code (the audit log says why: rules_of).
__all__ = ["EVENTS_TABLE", "HORECA_EMPLOYER_DAYS", "HORECA_WORKER_DAYS", "STUDENT_HOURS",
           "Declaration", "EventLog", "RuleRef", "catch_up_from_event_store", "counts",
           "open_event_store", "rules_of"]
logger = logging.getLogger("dimona")


class EventLog:
    def __init__(self, database_url: str):
        self.database_url = database_url
        self.app = open_event_store(database_url, create_table=False)

    def decisions_after(self, position: int, limit: int = 1000
                        ) -> list[tuple[int, DeclarationDecided]]:
        """Recorded decisions after a notification position, oldest first."""
        return self._decisions(position, limit, None)

    def decisions_between(self, after: int, upto: int) -> list[tuple[int, DeclarationDecided]]:
        """Recorded decisions at positions in (after, upto], oldest first."""
        return self._decisions(after, max(upto - after, 1), upto)

    def _decisions(self, after: int, limit: int, upto: int | None
                   ) -> list[tuple[int, DeclarationDecided]]:
        notifications = self.app.recorder.select_notifications(
            start=after, limit=limit, stop=upto, topics=DECIDED_TOPICS,
            inclusive_of_start=False)
        return [(n.id, DeclarationDecided.model_validate(
            self.app.mapper.to_domain_event(n).decision)) for n in notifications]

    def decisions_until(self, moment: datetime, employer_keys: Sequence[str] | None = None,
                        after: int = 0, upto: int | None = None, page: int = 5000
                        ) -> Iterator[tuple[int, list[DeclarationDecided]]]:
        """The decisions the validator had recorded at `moment` (the time of their event),
        of these employers only (any employer: None), at positions in (after, upto], oldest
        first, page by page with the position read up to. The employer is found in the
        stored bytes before anything is decoded, and what is decoded is read with orjson
        alone (the events' JSON, without the library's objects): a small employer's history
        is read without decoding everyone's."""
        if employer_keys is not None and not employer_keys:
            return
        needles = [f'"employer_key":"{k}"'.encode() for k in employer_keys or ()]
        match = " OR ".join(["position(%b IN state) > 0"] * len(needles)) or "true"
        keys = set(employer_keys or ())
        position, last = after, self.last_position() if upto is None else upto
        with psycopg.connect(self.database_url) as conn:
            while position < last:
                end = min(position + page * 3, last)  # about a third are decisions
                rows = conn.execute(
                    f"SELECT state FROM {EVENTS_TABLE} WHERE notification_id > %b AND "
                    f"notification_id <= %b AND topic = ANY(%b) AND ({match}) "
                    "ORDER BY notification_id", (position, end, DECIDED_TOPICS, *needles))
                found = []
                for (state,) in rows:
                    event = orjson.loads(state)
                    if (datetime.fromisoformat(event["timestamp"]["_data_"]) <= moment and (
                            not keys or event["decision"]["employer_key"] in keys)):
                        found.append(DeclarationDecided.model_validate(event["decision"]))
                position = end
                yield position, found

    def last_position(self) -> int:
        return self.app.recorder.max_notification_id() or 0

    def decisions_of(self, declaration_ids: Iterable[int]
                     ) -> dict[int, tuple[list[DeclarationDecided], dict | None]]:
        """The recorded decisions of these declarations (a first `S`, then the final one)
        and how each came in (schemas.events.Origin as JSON), in one query."""
        by_uuid = {Declaration.create_id(i): i for i in declaration_ids}
        found = self.app.load_many(by_uuid)
        return {by_uuid[u]: ([DeclarationDecided.model_validate(d) for d in a.decisions],
                             a.origin) for u, a in found.items()}

    def decided(self, declaration_ids: Iterable[int]) -> set[int]:
        """Which of these declarations have a recorded decision."""
        by_uuid = {Declaration.create_id(i): i for i in declaration_ids}
        if not by_uuid:
            return set()
        with psycopg.connect(self.database_url) as conn:
            rows = conn.execute(
                f"SELECT originator_id FROM {EVENTS_TABLE} WHERE originator_id = ANY(%s)",
                (list(by_uuid),)).fetchall()
        return {by_uuid[r[0]] for r in rows}

    def close(self) -> None:
        self.app.close()


async def catch_up_from_event_store(database_url: str, watermark: Callable[[], int],
                                    apply: Apply, group_id: str) -> None:
    """Before consuming Kafka: apply what the event store holds beyond the watermark."""
    read = await asyncio.to_thread(catch_up, EventLog(database_url).decisions_after,
                                   watermark(), apply)
    logger.info("%s: caught up, %d decisions re-read from the event store", group_id, read)
