"""No personal data in the logs (services.common.logs): SSINs are masked in messages,
arguments and tracebacks; exceptions that carry input values (a worker's name) are written
without them; other numbers are left alone."""

from __future__ import annotations

import io
import logging
import subprocess
import sys
import textwrap
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from schemas.declaration import Declaration
from services.common.logs import PersonalDataFilter, mask

SSIN = "85073003328"
NAME = "Zwartbleskwartel"


@pytest.fixture
def logged():
    """A logger writing through the filter; call the fixture to read what was written."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    handler.addFilter(PersonalDataFilter())
    logger = logging.getLogger(f"test_logs.{id(out)}")
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    yield logger, out.getvalue
    logger.removeHandler(handler)


def invalid_declaration() -> ValidationError:
    """A declaration whose SSIN (a number) and family name (a list) are of the wrong type:
    pydantic shows each as its `input_value`."""
    try:
        Declaration.model_validate(
            {
                "employer": {"employerId": 175110801},
                "worker": {"ssin": int(SSIN), "familyName": [NAME], "givenName": NAME},
                "dimonaIn": {
                    "startDate": "2026-07-08",
                    "features": {"jointCommissionNumber": "XXX", "workerType": "FLX"},
                },
            }
        )
    except ValidationError as exc:
        assert NAME in str(exc) and SSIN in str(exc)  # what the filter must keep out
        return exc
    raise AssertionError("the declaration was valid")


def test_ssins_in_messages_and_arguments_are_masked(logged):
    log, written = logged
    log.info(f"worker {SSIN} declared")
    log.info("worker %s, as a number %d, formatted %s", SSIN, int(SSIN), "85.07.30-033.28")
    log.info("GET /register/workers?employer=175110801&ssin=%s HTTP/1.1", SSIN)
    log.info("%(ssin)s in a mapping", {"ssin": SSIN})
    assert SSIN not in written() and "85.07.30-033.28" not in written()
    assert written().splitlines() == [
        "INFO worker <ssin> declared",
        "INFO worker <ssin>, as a number <ssin>, formatted <ssin>",
        "INFO GET /register/workers?employer=175110801&ssin=<ssin> HTTP/1.1",
        "INFO <ssin> in a mapping",
    ]


def test_declaration_nsso_and_enterprise_numbers_are_not_masked(logged):
    log, written = logged
    numbers = (
        "declaration 680725377630, NSSO 175110801, enterprise 0403170701, "
        "13 digits 1234567890123, 10 digits 0477472701"
    )
    log.info(numbers)
    assert written() == f"INFO {numbers}\n"


@given(st.integers(min_value=0, max_value=10**13 - 1))
def test_only_numbers_of_eleven_digits_are_masked(number):
    text = f"n={number:0{len(str(number))}d};"
    assert (mask(text) == "n=<ssin>;") == (len(str(number)) == 11)


def test_ssins_in_tracebacks_are_masked(logged):
    log, written = logged
    try:
        try:
            raise KeyError(SSIN)
        except KeyError as exc:
            raise ValueError(f"no worker {SSIN}") from exc
    except ValueError:
        log.exception("lookup failed")
    text = written()
    assert SSIN not in text
    assert "KeyError: '<ssin>'" in text and "ValueError: no worker <ssin>" in text
    assert "The above exception was the direct cause" in text and "Traceback" in text


def test_a_name_in_a_validation_error_is_never_logged(logged):
    log, written = logged
    exc = invalid_declaration()
    try:
        raise RuntimeError(f"cannot decode: {exc}") from exc
    except RuntimeError as wrapper:
        log.exception("decoding failed")
        log.error("decoding failed: %s (%r)", wrapper, exc)
    log.error("as the message itself: %s", exc)
    log.error(exc)
    text = written()
    assert NAME not in text and SSIN not in text
    assert "(worker.ssin: string_type; worker.familyName: string_type; input not shown)" in text
    assert text.count("2 validation error(s)") == 6


def test_a_database_error_is_logged_without_its_details(logged):
    """psycopg's text has the DETAIL line, which shows the row; the eventsourcing library
    wraps it as `IntegrityError(str(e)) from e`."""
    log, written = logged

    class NotNullViolation(Exception):
        diag = SimpleNamespace(
            sqlstate="23502",
            message_primary=(
                'null value in column "employer_key" of relation "workers" violates not-null '
                "constraint"
            ),
        )

    class BadInput(Exception):
        diag = SimpleNamespace(
            sqlstate="22P02", message_primary=f'invalid input syntax for type bigint: "{NAME}"'
        )

    for error in (NotNullViolation, BadInput):
        raw = f"{error.diag.message_primary}\nDETAIL:  Failing row contains ({SSIN}, {NAME})."
        try:
            try:
                raise error(raw)
            except error as exc:
                raise RuntimeError(str(exc)) from exc
        except RuntimeError:
            log.exception("relay failed")
    text = written()
    assert NAME not in text and SSIN not in text and "DETAIL" not in text
    assert "RuntimeError: 23502: null value in column" in text
    assert 'RuntimeError: 22P02: invalid input syntax for type bigint: "..."' in text


def test_filtering_twice_changes_nothing(logged):
    log, written = logged
    log.handlers[0].addFilter(PersonalDataFilter())  # e.g. on a logger and on a handler
    try:
        raise invalid_declaration()
    except ValidationError:
        log.exception("worker %s: %s", SSIN, "100% done")
    assert written().startswith("ERROR worker <ssin>: 100% done\nTraceback")


def test_configure_filters_uvicorn_faststream_warnings_and_uncaught_exceptions():
    """In a process as the services start it: uvicorn's loggers, even with handlers of their
    own, a Python warning, an exception in a thread and an uncaught one are all masked."""
    program = textwrap.dedent(f"""
        import logging, logging.config, sys, threading, warnings
        import faststream  # noqa: F401  (its logger has its own handler, made at import)
        from services.common import logs
        logs.configure()
        logging.config.dictConfig({{"version": 1, "disable_existing_loggers": False,
            "handlers": {{"out": {{"class": "logging.StreamHandler",
                                  "stream": "ext://sys.stderr"}}}},
            "loggers": {{"uvicorn.access": {{"handlers": ["out"], "propagate": False,
                                           "level": "INFO"}}}}}})
        logging.getLogger("uvicorn.access").info('"GET /x?ssin={SSIN} HTTP/1.1" 200')
        logging.getLogger("uvicorn.error").error("Exception in ASGI application {SSIN}")
        logging.getLogger("faststream").info("faststream {SSIN}")
        warnings.warn("warned about {SSIN}")
        def crash():
            raise ValueError("thread {SSIN}")
        thread = threading.Thread(target=crash)
        thread.start()
        thread.join()
        raise ValueError("uncaught {SSIN}")
    """)
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, timeout=60
    )
    text = done.stdout + done.stderr
    assert done.returncode == 1, text
    assert SSIN not in text
    for shown in (
        "/x?ssin=<ssin>",
        "ASGI application <ssin>",
        "faststream <ssin>",
        "warned about <ssin>",
        "ValueError: thread <ssin>",
        "ValueError: uncaught <ssin>",
    ):
        assert shown in text, text
