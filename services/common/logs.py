"""Logging for every process (the services, `dimona up`), with no personal data in the logs.

SSINs are masked wherever they appear in a record (message, arguments, traceback) by
`PersonalDataFilter`: 11 digits not inside a longer number, or the formatted
`YY.MM.DD-XXX.CC`, become `<ssin>`. Nothing of the number is kept: its first six digits are
the birth date. Declaration and period numbers (12 digits), NSSO numbers (9) and enterprise
numbers (10) are not masked: they are not the personal data of a natural person.

Names cannot be recognised by a pattern, so the code never logs a declaration, a worker, a
payload or a name (docs/personal-data.md). Exceptions that carry input values are written
without them: a validation error (pydantic, FastAPI) as the location and type of each
error, never its `input_value`; a database error as its SQLSTATE and primary message,
without the DETAIL that shows the failing row.
"""

from __future__ import annotations

import logging
import re
import sys
import threading
import traceback
from collections.abc import Iterator

from fastapi.exceptions import ValidationException
from pydantic import ValidationError

SSIN = re.compile(r"(?<!\d)(?:\d{11}|\d{2}\.\d{2}\.\d{2}-\d{3}\.\d{2})(?!\d)")
SSIN_MASK = "<ssin>"
# Loggers that may get handlers of their own (uvicorn's log config, faststream's logger): the
# filter is set on the logger too, so a record is masked before any handler sees it.
OWN_HANDLER_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "uvicorn.asgi", "faststream")
CAUSE = "\nThe above exception was the direct cause of the following exception:\n\n"
CONTEXT = "\nDuring handling of the above exception, another exception occurred:\n\n"


def mask(text: str) -> str:
    """`text` with every SSIN replaced by `<ssin>`."""
    return SSIN.sub(SSIN_MASK, text)


def describe(exc: BaseException) -> str:
    """The text of an exception without the input values it may carry."""
    if isinstance(exc, ValidationError | ValidationException):
        errors = exc.errors()
        shown = "; ".join(_where_and_type(e) for e in errors[:20])
        return f"{len(errors)} validation error(s) ({shown}; input not shown)"
    primary = getattr(getattr(exc, "diag", None), "message_primary", None)
    if primary:  # psycopg: DETAIL and CONTEXT show the row, the primary message a value
        value_at = primary.find(': "')  # invalid input syntax for type integer: "abc"
        shown = primary if value_at < 0 else primary[:value_at] + ': "..."'
        return f"{exc.diag.sqlstate}: {shown} (details not shown)"  # type: ignore[attr-defined]
    return _scrub(str(exc), exc)


def _where_and_type(error: object) -> str:
    """One error of a validation error, without its input: `worker.ssin: string_too_long`."""
    if not isinstance(error, dict):
        return type(error).__name__
    return f"{'.'.join(map(str, error.get('loc', ()))) or 'body'}: {error.get('type')}"


def exception_text(exc: BaseException) -> str:
    """The traceback of `exc` and the exceptions that led to it, as Python prints it, with
    each exception's text given by `describe` and every SSIN masked."""
    parts: list[str] = []
    for link, e in reversed(list(_chain(exc))):
        if e.__traceback__ is not None:
            parts.append("Traceback (most recent call last):\n")
            parts.extend(traceback.format_tb(e.__traceback__))
        text = describe(e)
        parts.append(f"{_name(type(e))}: {text}\n" if text else f"{_name(type(e))}\n")
        for i, sub in enumerate(e.exceptions if isinstance(e, BaseExceptionGroup) else ()):
            inner = exception_text(sub).rstrip("\n").replace("\n", "\n  | ")
            parts.append(f"  +-- {i + 1} --\n  | {inner}\n")
        parts.append(link)
    return mask("".join(parts).rstrip("\n"))


class PersonalDataFilter(logging.Filter):
    """Masks SSINs in every record: the message is formatted (with its arguments) and masked,
    the exception is rendered by `exception_text`, the stack is masked. Idempotent."""

    def filter(self, record: logging.LogRecord) -> bool:
        exceptions = [a for a in _args(record) if isinstance(a, BaseException)]
        if record.exc_info and record.exc_info[1] is not None:
            exceptions.append(record.exc_info[1])
            record.exc_text = exception_text(record.exc_info[1])
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = mask(record.exc_text)
        record.msg = mask(_scrub(_message(record), *exceptions))
        record.args = ()
        if record.stack_info:
            record.stack_info = mask(record.stack_info)
        return True


FILTER = PersonalDataFilter()


def configure(level: int = logging.INFO, fmt: str = logging.BASIC_FORMAT) -> None:
    """The logging of a process: records to stderr through `PersonalDataFilter`; Python
    warnings and uncaught exceptions (main thread and others) are logged the same way."""
    logging.basicConfig(level=level, format=fmt, force=True)
    for handler in _handlers():
        if FILTER not in handler.filters:
            handler.addFilter(FILTER)
    for name in OWN_HANDLER_LOGGERS:
        if FILTER not in logging.getLogger(name).filters:
            logging.getLogger(name).addFilter(FILTER)
    logging.captureWarnings(True)
    sys.excepthook = _log_uncaught
    threading.excepthook = _log_uncaught_in_thread


def _log_uncaught(exc_type, exc, tb) -> None:
    if issubclass(exc_type, KeyboardInterrupt):
        sys.__excepthook__(exc_type, exc, tb)
        return
    logging.getLogger("dimona").critical("uncaught exception", exc_info=(exc_type, exc, tb))


def _log_uncaught_in_thread(args: threading.ExceptHookArgs) -> None:
    if args.exc_type is SystemExit or args.exc_value is None:
        return
    name = args.thread.name if args.thread else "?"
    logging.getLogger("dimona").critical(
        "uncaught exception in thread %s",
        name,
        exc_info=(args.exc_type, args.exc_value, args.exc_traceback),
    )


def _handlers() -> Iterator[logging.Handler]:
    """The handlers of the root logger and of every logger created so far."""
    yield from logging.getLogger().handlers
    for logger in list(logging.Logger.manager.loggerDict.values()):
        if isinstance(logger, logging.Logger):
            yield from logger.handlers


def _chain(exc: BaseException) -> Iterator[tuple[str, BaseException]]:
    """`exc` and the exceptions it was raised from or while handling, newest first, each
    with the sentence that links it to the exception it led to."""
    seen: set[int] = set()
    link = ""
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield link, current
        if current.__cause__ is not None:
            link, current = CAUSE, current.__cause__
        elif current.__context__ is not None and not current.__suppress_context__:
            link, current = CONTEXT, current.__context__
        else:
            current = None


def _scrub(text: str, *exceptions: BaseException) -> str:
    """`text` with the raw text of any exception that carries input values (in the chains of
    `exceptions`) replaced by its description: wrappers repeat it, reprs show it."""
    for exc in exceptions:
        for _, e in _chain(exc):
            if _carries_input(e):
                for raw in filter(None, (repr(e), str(e))):
                    text = text.replace(raw, describe(e))
    return text


def _carries_input(exc: BaseException) -> bool:
    return isinstance(exc, ValidationError | ValidationException) or bool(
        getattr(getattr(exc, "diag", None), "message_primary", None)
    )


def _message(record: logging.LogRecord) -> str:
    try:
        return record.getMessage()
    except Exception:  # wrong arguments: keep what can be shown, never fail the caller
        return f"{record.msg} {record.args!r}"


def _args(record: logging.LogRecord) -> tuple:
    """The message (`log.error(exc)`) and the arguments of a record."""
    if isinstance(record.args, tuple):
        return (record.msg, *record.args)
    values = tuple(record.args.values()) if isinstance(record.args, dict) else ()
    return (record.msg, *values)


def _name(cls: type) -> str:
    module = cls.__module__
    return (
        cls.__qualname__ if module in ("builtins", "__main__") else f"{module}.{cls.__qualname__}"
    )
