"""The notifier on the real embedded PostgreSQL (issue 6): e-Box messages with the workers'
names, return-file entries, the log of NotificationSent, the register's copy of it, and
the e-Box's reading use cases."""

from __future__ import annotations

import psycopg
import pytest

from services.common.db import open_pool
from services.directory import adapter as directory
from services.directory.cache import Snapshot
from services.directory.domain import DirectoryDocument, EmployerIndex, Identity
from services.notifier.application import NotifyDecisions
from services.notifier.ebox import ReadEbox
from services.notifier.outbox import Outbox
from services.notifier.queries import Ebox, ReturnEntries, SentLog
from services.projections.application import UpdateRegister, catch_up_notifications
from services.projections.queries import RegisterQueries
from tests.integration.test_exactly_once import OPEN_IN, PERIOD, decider
from tests.unit.factories import IN, KROON, submitted

pytestmark = pytest.mark.integration
OUT = {"dimonaOut": {"periodId": PERIOD, "endDate": "2026-07-09"}}
NAMED_IN = {**OPEN_IN, "worker": {"ssin": "85073003328", "familyName": "Janssens",
                                  "givenName": "Els"}}
AN = Identity(family_name="Peeters", given_name="An", birth_date="1990-05-01",
              ssin="90050100151")


def notifier(database_url: str, batch_senders: tuple[str, ...] = ()) -> NotifyDecisions:
    declarants = {d: {"batchSender": True} for d in batch_senders}
    return NotifyDecisions(Outbox(open_pool(database_url)),
                           lambda: Snapshot(EmployerIndex([KROON]), declarants))


def count(database_url: str, query: str) -> int:
    with psycopg.connect(database_url) as conn:
        return conn.execute(query).fetchone()[0]


def employees(ebox: Ebox, declaration_id: int) -> list[dict]:
    [listed] = [m for m in ebox.messages(recipient="0403170701")[1]
                if m["declarationId"] == declaration_id]
    return ebox.message(listed["messageId"])["content"]["employees"]


def test_messages_name_the_worker_of_a_later_out_and_come_once(database_url):
    directory.load(database_url, DirectoryDocument(employers=[KROON], identities=[AN]))
    decide, notify = decider(database_url), notifier(database_url)
    first = decide([submitted(NAMED_IN, number=PERIOD),
                    submitted({**IN, "worker": {"ssin": AN.ssin}}, number=680725377828)])
    notify(first, None)
    out = decide([submitted(OUT, number=680725377729)])
    notify(out, None)  # another batch: the OUT's name comes from what the notifier saw
    notify(first + out, None)  # redelivered: nothing new
    ebox = Ebox(open_pool(database_url))
    assert employees(ebox, 680725377729) == [
        {"ssin": "85073003328", "familyName": "Janssens", "givenName": "Els"}]
    # An IN that gives only the SSIN: the name comes from the identities.
    assert employees(ebox, 680725377828) == [
        {"ssin": AN.ssin, "familyName": "Peeters", "givenName": "An"}]
    assert count(database_url, "SELECT count(*) FROM notifier.ebox_messages") == 3
    total, page = ebox.messages(employer_keys=["175110801"], limit=2, offset=1)
    assert total == 3 and [m["declarationId"] for m in page] == [
        m["declarationId"] for m in ebox.messages(employer_keys=["175110801"])[1][1:]]
    assert count(database_url, "SELECT count(*) FROM notifier.unpublished") == 3  # for the relay


def test_a_batch_senders_lines_become_return_file_entries_in_line_order(database_url):
    decided = decider(database_url)(
        [submitted(OPEN_IN, number=PERIOD),
         submitted({**IN, "worker": {"ssin": "72011136173"}}, number=680725377828)])
    lines = [d.model_copy(update={"batch_ref": "b-1", "line": n})
             for n, d in zip((2, 1), decided, strict=True)]
    notifier(database_url, ("0403170701",))(lines, None)  # Kroon as a batch sender
    assert count(database_url, "SELECT count(*) FROM notifier.ebox_messages") == 0
    entries = ReturnEntries(open_pool(database_url))
    assert [(e["line"], e["result"]) for e in entries.of("b-1")] == [(1, "B"), (2, "A")]
    assert entries.counts(["b-1", "b-2"]) == {"b-1": 2, "b-2": 0}


def test_the_register_lists_the_notifications_of_a_period(database_url):
    decided = decider(database_url)([submitted(OPEN_IN, number=PERIOD),
                                     submitted(OUT, number=680725377729)])
    notifier(database_url)(decided, None)
    writer = UpdateRegister(open_pool(database_url))
    writer.apply(decided, None)
    assert catch_up_notifications(writer, page=1) == 2
    with psycopg.connect(database_url) as conn:
        sent = [n for _, n in SentLog(conn).after(0, 10)]
    writer.record(sent)  # the same ones again, from Kafka: nothing changes
    assert catch_up_notifications(writer) == 0  # the watermark moved on
    found = RegisterQueries(writer.pool).period(PERIOD)
    assert [(n["declarationId"], n["channel"], n["recipient"]) for n in
            found["notifications"]] == [(PERIOD, "ebox", "0403170701"),
                                        (680725377729, "ebox", "0403170701")]
    out = found["notifications"][1]
    assert out["periodBefore"]["endDate"] is None
    assert out["periodAfter"]["endDate"] == "2026-07-09"
    assert out["anomalyCodes"] == []


def test_reading_the_ebox_in_another_language_and_marking_read(database_url):
    decided = decider(database_url)([submitted(OPEN_IN, number=PERIOD)])
    notifier(database_url)(decided, None)
    read = ReadEbox(Ebox(open_pool(database_url)), lambda n: ["175110801", "0403170701"])
    [listed] = read.of_employer("0403170701")["items"]
    assert (listed["result"], listed["readAt"]) == ("A", None)
    shown = read.message(listed["messageId"], "fr")
    assert shown["subject"] == "Confirmation Dimona Dimona IN 680725377630 : Acceptée"
    assert "Brasserie De Kroon" in shown["text"] and "<html" in shown["html"]
    assert read.message(listed["messageId"])["shownIn"] == "nl"
    first = read.mark_read(listed["messageId"])["readAt"]
    assert first is not None and read.mark_read(listed["messageId"])["readAt"] == first
    assert read.of_declarant("0403170701", unread=True) == {
        "total": 0, "offset": 0, "limit": None, "items": []}
    assert read.message("not-a-uuid") is None
    assert read.mark_read("00000000-0000-0000-0000-000000000000") is None


def test_the_relay_publishes_in_log_order_and_forgets_what_it_published(database_url):
    decided = decider(database_url)([submitted(OPEN_IN, number=PERIOD),
                                     submitted(OUT, number=680725377729)])
    handed: list = []
    notify = notifier(database_url)
    notify.sent = handed.extend  # what the relay is handed once the batch is committed
    notify(decided, None)
    notify(decided, None)  # redelivered: nothing new is handed over
    outbox = Outbox(open_pool(database_url))
    with psycopg.connect(database_url) as conn:
        logged = conn.execute("SELECT notification_id FROM notifier.notifications "
                              "ORDER BY position").fetchall()
    pending = outbox.unpublished(10)
    assert [row[0] for row in pending] == [r[0] for r in logged] and len(pending) == 2
    assert handed == [tuple(row) for row in pending]  # the same rows, in the same order
    outbox.mark_published([pending[0][0]])
    assert [row[0] for row in outbox.unpublished(10)] == [r[0] for r in logged[1:]]
    assert count(database_url, "SELECT count(*) FROM notifier.notifications") == 2


def test_a_database_from_before_the_narrow_outbox_keeps_what_was_still_to_publish(
        database_url):
    """The relay's state used to be notifications.published_at; the migration moves the
    unpublished ones into notifier.unpublished and drops the column."""
    from services.notifier.outbox import migrate
    with psycopg.connect(database_url) as conn:  # the notifier's log as it was
        conn.execute(
            "DROP TABLE notifier.notifications, notifier.unpublished;"
            "CREATE TABLE notifier.notifications (position bigint GENERATED ALWAYS AS"
            " IDENTITY UNIQUE, notification_id uuid PRIMARY KEY, employer_key text NOT NULL,"
            " event text NOT NULL, published_at timestamptz, declaration_id bigint);"
            "CREATE INDEX notifications_unpublished ON notifier.notifications (position)"
            " WHERE published_at IS NULL;"
            "INSERT INTO notifier.notifications (notification_id, employer_key, event,"
            " published_at) VALUES (gen_random_uuid(), 'a', '{}', now()),"
            " (gen_random_uuid(), 'b', '{}', NULL), (gen_random_uuid(), 'c', '{}', NULL)")
    migrate(database_url)
    migrate(database_url)  # every start runs it: the second changes nothing
    assert [(key, event) for _, key, event in Outbox(open_pool(database_url)).unpublished(10)
            ] == [("b", "{}"), ("c", "{}")]
    assert count(database_url, "SELECT count(*) FROM information_schema.columns WHERE "
                 "table_schema = 'notifier' AND column_name = 'published_at'") == 0
