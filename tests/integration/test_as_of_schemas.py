"""The throwaway schemas of the register as of a moment (services/projections/as_of.py): a
process killed while it answered leaves its schema behind, and the next answer drops it;
a schema whose maker is still at work is left alone; a server keeps its latest answers
for a while."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import UTC, datetime

import psycopg
import pytest

from services.projections.as_of import LOCKS, PREFIX, KeptAnswers, register_as_of

pytestmark = pytest.mark.integration

# Enters an as-of answer, says its schema's name, then waits to be killed inside it.
ANSWERING = """
import sys, time
from datetime import UTC, datetime
from services.projections.as_of import register_as_of
with register_as_of(sys.argv[1], datetime.now(UTC), ["175110801"]) as schema:
    print(schema, flush=True)
    time.sleep(600)
"""


def as_of_schemas(conn: psycopg.Connection) -> set[str]:
    return {name for (name,) in conn.execute(
        "SELECT nspname FROM pg_namespace WHERE starts_with(nspname, %s)", (PREFIX,))}


def test_a_killed_answer_s_schema_is_dropped_by_the_next_and_a_busy_one_is_kept(world):
    killed = subprocess.Popen([sys.executable, "-c", ANSWERING, world.url],
                              stdout=subprocess.PIPE, text=True)
    left = killed.stdout.readline().strip()
    killed.kill()  # SIGKILL: its `finally` never runs
    killed.wait()
    busy = f"{PREFIX}busy0000000000"
    with psycopg.connect(world.url, autocommit=True) as other:
        other.execute(f"CREATE SCHEMA {busy}")  # its maker (this connection) holds its lock
        other.execute("SELECT pg_advisory_lock(%s, hashtext(%s))", (LOCKS, busy))
        assert {left, busy} <= as_of_schemas(other)

        with register_as_of(world.url, datetime.now(UTC), ["175110801"]) as mine:
            during = as_of_schemas(other)
        after = as_of_schemas(other)
        other.execute(f"DROP SCHEMA {busy}")

    assert left.startswith(PREFIX)
    assert left not in during  # dropped before this answer was made
    assert {busy, mine} <= during
    assert busy in after and mine not in after


def test_a_server_keeps_its_latest_answers_for_the_next_pages(world):
    """KeptAnswers (the HTTP edge's and the web pages' as-of reads): the same moment and
    employer read again from the schema made for the first; at most `size` kept, none used
    beyond `keep_s`; threads asking at once wait for one schema; a moment not yet settled is
    answered and dropped."""
    first, second, third = (datetime(2026, 1, 1, 10, m, tzinfo=UTC) for m in (0, 1, 2))
    kept = KeptAnswers(world.pool, world.url, size=2, keep_s=600)
    with psycopg.connect(world.url, autocommit=True) as conn:
        with kept.schema(first, ["175110801"]) as one:
            pass
        with kept.schema(first, ["175110801"]) as again:
            assert again == one
        names: list[str] = []

        def read() -> None:
            with kept.schema(second, ["175110801"]) as name:
                names.append(name)
        threads = [threading.Thread(target=read) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(names) == 3 and len(set(names)) == 1
        assert as_of_schemas(conn) == {one, names[0]}
        with kept.schema(third, None) as everyone:  # beyond the size: the oldest dropped
            pass
        assert as_of_schemas(conn) == {names[0], everyone}
        kept.keep_s = 0
        with kept.schema(first, ["175110801"]) as fresh:
            assert fresh != one and as_of_schemas(conn) == {names[0], everyone, fresh}
        assert as_of_schemas(conn) == set()  # nothing kept beyond keep_s
        with kept.schema(datetime.now(UTC), ["175110801"]) as now:
            assert now in as_of_schemas(conn)
        assert as_of_schemas(conn) == set()  # not settled: not kept
        kept.keep_s = 600
        with kept.schema(first, ["175110801"]):
            pass
        kept.close()
        assert as_of_schemas(conn) == set()


def test_a_kept_answer_whose_maker_lost_its_session_is_made_again(world):
    """A database restart ends the session holding a kept schema's lock (and a crash
    empties its unlogged tables): the next read makes the answer again."""
    moment = datetime(2026, 1, 1, 10, 0, tzinfo=UTC)
    kept = KeptAnswers(world.pool, world.url)
    with kept.schema(moment, ["175110801"]) as before:
        pass
    with psycopg.connect(world.url, autocommit=True) as conn:
        [(ended,)] = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' "
            "AND classid = %s AND objid::int = hashtext(%s)", (LOCKS, before)).fetchall()
        assert ended
        with kept.schema(moment, ["175110801"]) as after:
            assert after != before and as_of_schemas(conn) == {after}
        kept.close()
        assert as_of_schemas(conn) == set()


def test_none_kept_when_told_so(world):
    """The CLI's readers keep none (`as_of_kept=0`): a command's answer is dropped once
    read, as it reads it once."""
    kept = KeptAnswers(world.pool, world.url, size=0)
    with kept.schema(datetime(2026, 1, 1, 10, 0, tzinfo=UTC), ["175110801"]) as name:
        with psycopg.connect(world.url) as conn:
            assert as_of_schemas(conn) == {name}
    with psycopg.connect(world.url) as conn:
        assert as_of_schemas(conn) == set()
