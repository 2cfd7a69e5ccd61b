"""PostgreSQL plumbing shared by the adapters: pools and idempotent schema creation."""

from __future__ import annotations

import psycopg
from psycopg_pool import ConnectionPool

SCHEMA_LOCK = 4_242_001  # pg advisory lock key serialising DDL across processes


def open_pool(database_url: str, max_size: int = 4, wait_s: float = 30.0,
              check: bool = False) -> ConnectionPool:
    """A pool of connections; taking one waits `wait_s` at most (then
    psycopg_pool.PoolTimeout: the database counts as away, services.common.outages). With
    `check`, each connection is checked as it is taken (one round trip more): after
    PostgreSQL restarted, the ones that died are replaced instead of failing whoever draws
    them; for the HTTP edge, whose requests are not delivered again as a consumer's batch is."""
    pool = ConnectionPool(database_url, min_size=1, max_size=max_size, open=False,
                          timeout=wait_s, check=ConnectionPool.check_connection if check else None)
    pool.open(wait=True, timeout=60)
    return pool


def ensure_schema(database_url: str, ddl: str) -> None:
    """Run CREATE ... IF NOT EXISTS statements, one process at a time."""
    with psycopg.connect(database_url, autocommit=False) as conn:
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
        conn.execute(ddl)
        conn.commit()
