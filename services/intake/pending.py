"""Intake's read of what it recorded and has not seen decided (docs/interface.md §9): the
declarations still in its outbox, for the lists that show a transfer "pending" until its
decision is in the register (Flexi at work). The outbox keeps a declaration until the
reconciler finds its decision in the event store."""

from __future__ import annotations

from collections.abc import Sequence

from psycopg_pool import ConnectionPool

from schemas.events import DeclarationSubmitted

# Only the outbox's narrow rows are scanned, then joined; the kind is read from the event.
PENDING = """
SELECT s.event FROM intake.outbox o JOIN intake.submissions s USING (declaration_id)
WHERE s.employer_key = ANY(%s)
  AND jsonb_typeof(s.event::jsonb #> ARRAY['declaration', %s]) = 'object'
ORDER BY s.declaration_id"""


class PendingSubmissions:
    def __init__(self, pool: ConnectionPool):
        self.pool = pool

    def of_kind(self, employer_keys: Sequence[str], kind: str) -> list[DeclarationSubmitted]:
        """The submissions of these employers, of one kind (the Declaration's member, e.g.
        `flexi_wage`), that intake has not seen decided yet, by number."""
        with self.pool.connection() as conn:
            rows = conn.execute(PENDING, (list(employer_keys), kind)).fetchall()
        return [DeclarationSubmitted.model_validate_json(r[0]) for r in rows]
