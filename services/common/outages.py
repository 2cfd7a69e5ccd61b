"""What an outage looks like from a client: the errors that mean PostgreSQL or the broker is
away for a while (restarting, a network cut), not that the request is wrong. The CLI rides
through them (dimona/retry.py); the HTTP edge answers them 503 with Retry-After
(services/api/errors.py). Anything else is a real failure."""

from __future__ import annotations

import psycopg
from aiokafka import errors as kafka
from eventsourcing import persistence

DATABASE = "the database"
BROKER = "the broker"

# A psycopg.OperationalError without an SQLSTATE is the client's: a connection refused or
# cut, a pool that found none in time (psycopg_pool.PoolTimeout). From the server: 08 a
# connection exception, 57P a server shutting down or starting (AdminShutdown,
# CannotConnectNow), 53300 too many connections. Other operational errors (a deadlock, a
# query cancelled) are answered as failures, not as an outage.
AWAY_SQLSTATES = ("08", "57P", "53300")
BROKER_AWAY = (kafka.KafkaConnectionError, kafka.KafkaTimeoutError, kafka.NodeNotReadyError,
               kafka.RequestTimedOutError)


def away(exc: BaseException | None) -> str | None:
    """`DATABASE` or `BROKER` when `exc`, or an exception it was raised from, says that one
    is away; None otherwise."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if database_away(exc):
            return DATABASE
        if isinstance(exc, BROKER_AWAY):
            return BROKER
        exc = exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)
    return None


def database_away(exc: BaseException) -> bool:
    if isinstance(exc, psycopg.OperationalError):
        return exc.sqlstate is None or exc.sqlstate.startswith(AWAY_SQLSTATES)
    # eventsourcing raises its own from psycopg's (followed by `away`); a pool of its own
    # that found no connection in time has no cause
    return isinstance(exc, persistence.ConnectionUnavailableError)


def reason(exc: BaseException) -> str:
    """The first line of what the driver said, to say why in one line."""
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
