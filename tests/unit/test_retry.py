"""Riding through an outage (dimona/retry.py, services/common/outages.py): what counts as
the database or the broker being away, the backoff and its deadline, one line per outage,
streams that go on where they were, and the CLI's commands run again only while they have
printed nothing."""

from __future__ import annotations

import psycopg
import pytest
from aiokafka.errors import KafkaConnectionError
from click.testing import CliRunner
from eventsourcing import persistence
from psycopg_pool import PoolTimeout

from dimona.retry import GaveUp, Retry
from services.common.outages import BROKER, DATABASE, away

SHUTDOWN = psycopg.errors.AdminShutdown("terminating connection due to administrator command")
CUT = psycopg.OperationalError("consuming input failed: server closed the connection "
                               "unexpectedly\n\tThis probably means the server terminated")


class Clock:
    """A clock that moves only when the retry sleeps."""

    def __init__(self) -> None:
        self.now, self.slept = 1000.0, []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def retry(deadline_s: float = 60) -> tuple[Retry, Clock, list[str]]:
    clock, said = Clock(), []
    return Retry(deadline_s, said.append, clock.sleep, lambda: clock.now), clock, said


def failing(*errors: Exception, then="done"):
    """A call that raises each of `errors` in turn, then returns `then`."""
    pending = list(errors)

    def call():
        if pending:
            raise pending.pop(0)
        return then
    return call


def raised_from(cause: Exception) -> Exception:
    try:
        try:
            raise cause
        except Exception as exc:
            raise RuntimeError("while reading") from exc
    except RuntimeError as wrapped:
        return wrapped


@pytest.mark.parametrize(("error", "what"), [
    (SHUTDOWN, DATABASE), (CUT, DATABASE), (PoolTimeout("no connection after 3 s"), DATABASE),
    (psycopg.errors.CannotConnectNow("the database system is starting up"), DATABASE),
    (persistence.ConnectionUnavailableError("pool timeout"), DATABASE),
    (raised_from(CUT), DATABASE), (raised_from(KafkaConnectionError("no broker")), BROKER),
    (psycopg.errors.DeadlockDetected("deadlock"), None),  # a failure, not an outage
    (psycopg.errors.UndefinedTable("no table"), None), (ValueError("bad input"), None)])
def test_what_counts_as_an_outage(error, what):
    assert away(error) == what


def test_a_call_is_tried_again_with_backoff_and_one_line_per_outage():
    retrying, clock, said = retry()
    resets = []
    retrying.on_outage(lambda: resets.append("pool dropped"))
    assert retrying.call(failing(SHUTDOWN, CUT, CUT, CUT)) == "done"
    assert clock.slept == [0.5, 1.0, 2.0, 4.0]
    assert said == ["dimona: the database is away; retrying for up to 60 s (terminating "
                    "connection due to administrator command)"]
    assert resets == ["pool dropped"]  # once: what registers again is reset again
    assert retrying.call(failing(KafkaConnectionError("Unable to bootstrap"))) == "done"
    assert len(said) == 2 and said[1].startswith("dimona: the broker is away;")
    assert clock.slept[-1] == 0.5  # a new outage starts its backoff again


def test_a_failure_that_is_no_outage_is_raised_at_once():
    retrying, clock, said = retry()
    with pytest.raises(psycopg.errors.UndefinedTable):
        retrying.call(failing(psycopg.errors.UndefinedTable("no table")))
    assert (clock.slept, said) == ([], [])


def test_past_the_deadline_the_call_gives_up_in_one_line():
    retrying, clock, said = retry(deadline_s=10)
    with pytest.raises(GaveUp) as gave_up:
        retrying.call(failing(*[CUT] * 100))
    assert sum(clock.slept) <= 10 < sum(clock.slept) + 5
    assert str(gave_up.value).startswith("the database is still away after 8 s; giving up "
                                         "(DIMONA_RETRY_DEADLINE_S=10): consuming input")
    assert "\n" not in str(gave_up.value) and len(said) == 1
    assert gave_up.value.__cause__ is None and gave_up.value.__suppress_context__


def test_a_deadline_of_zero_never_retries():
    retrying, clock, said = retry(deadline_s=0)
    with pytest.raises(GaveUp, match="not retrying"):
        retrying.call(failing(CUT))
    assert (clock.slept, said) == ([], [])


def test_a_stream_goes_on_after_the_last_item_it_yielded():
    retrying, clock, said = retry()
    calls = []

    def rows(last):
        calls.append(last)
        start = last or 0
        for n in range(start + 1, 8):
            if n in (3, 6) and n not in broken:
                broken.add(n)
                raise CUT
            yield n
    broken: set[int] = set()
    assert list(retrying.stream(rows)) == [1, 2, 3, 4, 5, 6, 7]
    assert calls == [None, 2, 5]
    assert len(said) == 2  # two outages: rows flowed in between


def test_the_cli_runs_a_command_again_while_it_has_printed_nothing(monkeypatch):
    from dimona import retry as module
    from dimona.cli import batches, main
    from tests.unit.test_cli_output import FakeClient
    monkeypatch.setattr(module.Retry, "__init__", with_no_pause(module.Retry.__init__))
    results = iter([SHUTDOWN, CUT, None])

    class Client(FakeClient):
        def result(self, declaration_id):
            error = next(results)
            if error:
                raise error
            return {"result": {"declarationId": declaration_id, "declarationType": "IN",
                               "result": "A", "anomalies": []}}
    monkeypatch.setattr(batches, "StackClient", Client)
    done = CliRunner().invoke(main, ["status", "12", "--json"])
    assert done.exit_code == 0, done.output
    assert done.stdout.count("declarationId") == 1
    assert done.stderr.splitlines() == ["dimona: the database is away; retrying for up to "
                                        "120 s (terminating connection due to administrator "
                                        "command)"]


def test_the_cli_gives_up_past_its_deadline_and_after_printing(monkeypatch):
    from dimona import retry as module
    from dimona.cli import batches, main
    from tests.unit.test_cli_output import FakeClient
    monkeypatch.setattr(module.Retry, "__init__", with_no_pause(module.Retry.__init__))

    class Away(FakeClient):
        def result(self, declaration_id):
            raise CUT

        def dead_letters(self, limit):
            print("half a table")
            raise CUT
    monkeypatch.setattr(batches, "StackClient", Away)
    done = CliRunner().invoke(main, ["--retry-deadline", "3", "status", "12"])
    assert done.exit_code == 2 and done.stdout == ""
    assert done.stderr.splitlines()[1:] == [
        "dimona: the database is still away after 2 s; giving up (DIMONA_RETRY_DEADLINE_S=3):"
        " consuming input failed: server closed the connection unexpectedly"]
    done = CliRunner().invoke(main, ["deadletters"])
    assert done.exit_code == 2 and done.stdout == "half a table\n"  # printed once
    assert done.stderr == ("dimona: the database went away while this command was printing "
                           "(consuming input failed: server closed the connection "
                           "unexpectedly); run it again\n")


def with_no_pause(init):
    """Retry.__init__ with a clock that moves only when it sleeps, without sleeping."""
    def patched(self, *args, **kwargs):
        init(self, *args, **kwargs)
        clock = Clock()
        self.sleep, self.clock = clock.sleep, lambda: clock.now
    return patched


def test_the_clients_streams_go_on_where_their_output_is(monkeypatch):
    """A batch's results from the line after the last one yielded; the acknowledgement's
    pieces without those already yielded."""
    from types import SimpleNamespace

    from dimona.client import StackClient
    asked = []

    def results(batch_ref, after_line=0):
        asked.append(after_line)
        for line in range(after_line + 1, 7):
            if line == 4 and len(asked) == 1:
                raise CUT
            yield {"line": line}

    def acknowledgement(summary):
        asked.append("ack")
        yield from ('{"batchRef": "b", ', '"declarations": [')
        if asked.count("ack") == 1:
            raise SHUTDOWN
        yield from ('{"declarationId": 11}', ']}')
    views = SimpleNamespace(results=results, acknowledgement=acknowledgement)
    monkeypatch.setattr(StackClient, "batch_views", property(lambda self: views))
    retrying, clock, said = retry()
    client = StackClient(None, retrying)
    assert [r["line"] for r in client.batch_results("b")] == [1, 2, 3, 4, 5, 6]
    assert asked == [0, 3]
    assert "".join(client.acknowledgement({})) == ('{"batchRef": "b", "declarations": ['
                                                   '{"declarationId": 11}]}')
    assert len(said) == 2
