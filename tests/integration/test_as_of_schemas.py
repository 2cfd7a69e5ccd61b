"""The throwaway schemas of the register as of a moment (services/projections/as_of.py): a
process killed while it answered leaves its schema behind, and the next answer drops it;
a schema whose maker is still at work is left alone."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime

import psycopg
import pytest

from services.projections.as_of import LOCKS, PREFIX, register_as_of

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
