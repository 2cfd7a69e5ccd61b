"""What a run of the bench workload produced, normalized so that two runs compare equal when
they gave the same answers, register and e-Box, whatever the declaration numbers, batch
references and times (issue 8).

Every declaration is named by the file and line it came from (`bench-8-in-0.jsonl:17`); a
period by the (file, line) of its IN, a daily registration by the (file, line) of its
create. Numbers and references inside texts and documents
are replaced the same way, timestamps by `<time>`; what depends only on when things were
received (reception times, send times, file digests) is left out. The `counts` section
proves that nothing was doubled: one recorded decision per declaration, one e-Box message
and one return-file entry each, nothing left unpublished, no dead letter.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from pathlib import Path

TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?")
NUMBER = re.compile(r"(?<!\d)\d{12}(?!\d)")  # declaration and period numbers (ADR 0002)
REF = re.compile(r"(?<![0-9a-f])[0-9a-f]{20}(?![0-9a-f])")  # batch references
RECEPTION_KEYS = {"receivedAt", "sha256", "createdAt", "sentAt"}  # when, not what

Sql = Callable[..., list[tuple]]


class Names:
    """Declaration numbers -> "file:line", batch references -> file names."""

    def __init__(self, acks: Iterable[dict]):
        self.declarations: dict[int, str] = {}
        self.files: dict[str, str] = {}
        for ack in acks:
            self.files[ack["batchRef"]] = ack["fileName"]
            for d in ack["declarations"]:
                self.declarations[d["declarationId"]] = f"{ack['fileName']}:{d['line']}"

    def of(self, number: int | None) -> str | None:
        """The name of a declaration or period; a number not of this run stays visible."""
        return None if number is None else self.declarations.get(number, f"?{number}")

    def normal(self, value):
        """`value` (rows, JSON documents) with numbers, references and times replaced."""
        if isinstance(value, dict):
            return {k: "<reception>" if k in RECEPTION_KEYS else self.normal(v)
                    for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.normal(v) for v in value]
        if isinstance(value, bool):
            return value
        if isinstance(value, int):
            return self.declarations.get(value, value)
        if isinstance(value, str):
            text = NUMBER.sub(lambda m: self.declarations.get(int(m[0]), m[0]), value)
            text = REF.sub(lambda m: self.files.get(m[0], m[0]), text)
            return TIME.sub("<time>", text)
        if hasattr(value, "isoformat"):
            return value.isoformat()
        return value


def fingerprint(sql: Sql, outbox: Path, acks: list[dict]) -> dict:
    """The normalized outcome of the batches `acks` acknowledged, on a stack that received
    nothing else (its database at `sql`, its results files under `outbox`)."""
    names = Names(acks)
    refs = list(names.files)
    ids = list(names.declarations)
    return {
        "lines": _lines(sql, names, refs),
        "periods": _rows(sql, names, "SELECT period_id, employer_key, ssin, "
                         "joint_commission_number, worker_type, start_date, start_hour, "
                         "end_date, end_hour, planned_hours_number, cancelled, version, late, "
                         "using_joint_commission_number, using_enterprise_number "
                         "FROM register.periods"),
        "workers": _rows(sql, names, "SELECT * FROM register.workers"),
        "quota_usage": _rows(sql, names, "SELECT * FROM register.quota_usage"),
        "register_notifications": _rows(
            sql, names, "SELECT declaration_id, channel, recipient, period_id, period_before, "
            "period_after, anomaly_codes, registration_id, registration_before, "
            "registration_after FROM register.notifications"),
        # the daily registrations: each named by the file and line of its create, with the
        # declaration that last changed it (its reception times left out)
        "registrations": _rows(
            sql, names, "SELECT registration_id, period_id, employer_key, ssin, status, "
            "start_date, start_hour, end_date, end_hour, cancelled, version, "
            "last_declaration_id FROM register.registrations"),
        "ebox": _rows(sql, names, "SELECT declaration_id, recipient, employer_key, language, "
                      "subject, content, read_at IS NULL FROM notifier.ebox_messages"),
        "return_entries": _rows(sql, names, "SELECT batch_ref, line, declaration_id, result "
                                "FROM notifier.return_entries"),
        "outbox": _outbox(outbox, names),
        "events": dict(sql("SELECT topic, count(*) FROM validator_events GROUP BY topic")),
        "counts": _counts(sql, ids, refs),
    }


def _lines(sql: Sql, names: Names, refs: list[str]) -> dict[str, tuple]:
    """Per file line: type, result, anomalies, the period it concerns, the daily
    registration it created or changed, and the rest of its register row but its number
    and reception time."""
    rows = sql("SELECT batch_ref, line, declaration_type, result, anomalies, period_id, "
               "about_period_id, registration_id, employer_key, ssin, declarant, channel, "
               "declaration FROM register.declarations WHERE batch_ref = ANY(%s)", (refs,))
    return {f"{names.files[ref]}:{line}": (kind, result, [a["code"] for a in anomalies],
                                           names.of(about), names.of(registration),
                                           names.normal(rest))
            for ref, line, kind, result, anomalies, _, about, registration, *rest in rows}


def _rows(sql: Sql, names: Names, query: str) -> list:
    return sorted(json.dumps(names.normal(list(r)), sort_keys=True, default=str)
                  for r in sql(query))


def _outbox(outbox: Path, names: Names) -> dict[str, object]:
    """Each file of var/outbox, parsed: an acknowledgement, or the results, line by line."""
    found: dict[str, object] = {}
    for path in sorted(outbox.rglob("*.json*")):
        text = path.read_text("utf-8")
        body = ([json.loads(line) for line in text.splitlines()] if path.suffix == ".jsonl"
                else json.loads(text))
        found[names.normal(str(path.relative_to(outbox)))] = names.normal(body)
    return found


def _counts(sql: Sql, ids: list[int], refs: list[str]) -> dict[str, object]:
    [row] = sql(
        "SELECT (SELECT count(*) FROM intake.submissions WHERE batch_ref = ANY(%(refs)s)),"
        " (SELECT count(*) FROM intake.outbox WHERE published_at IS NULL),"
        " (SELECT count(*) FROM validator_events WHERE topic LIKE '%%Declaration.Decided'),"
        " (SELECT count(DISTINCT originator_id) FROM validator_events"
        "   WHERE topic LIKE '%%Declaration.Decided'),"
        " (SELECT count(*) FROM register.declarations WHERE declaration_id = ANY(%(ids)s)),"
        " (SELECT count(*) FROM notifier.ebox_messages),"
        " (SELECT count(DISTINCT declaration_id) FROM notifier.ebox_messages),"
        " (SELECT count(*) FROM notifier.return_entries),"
        " (SELECT count(DISTINCT (batch_ref, line)) FROM notifier.return_entries),"
        " (SELECT count(*) FROM notifier.notifications),"
        " (SELECT count(*) FROM notifier.unpublished),"
        " (SELECT count(*) FROM register.notifications),"
        " (SELECT count(*) FROM common.deadletters),"
        " (SELECT count(*) FROM intake.batches WHERE batch_ref = ANY(%(refs)s)"
        "   AND results_written_at IS NOT NULL)",
        {"ids": ids, "refs": refs})
    keys = ("submissions", "unpublished submissions", "decided events", "decided declarations",
            "register declarations", "ebox messages", "ebox declarations", "return entries",
            "return lines", "notifications sent", "unpublished notifications",
            "register notifications", "dead letters", "results files")
    return {"acknowledged": len(ids), **dict(zip(keys, row, strict=True))}


def differences(expected: dict, found: dict, shown: int = 5) -> str:
    """What differs between two fingerprints, section by section, a few items each."""
    out = []
    for section in expected.keys() | found.keys():
        a, b = expected.get(section), found.get(section)
        if a == b:
            continue
        if isinstance(a, dict) and isinstance(b, dict):
            keys = sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))
            items = [f"  {k}: {a.get(k)!r:.300} != {b.get(k)!r:.300}" for k in keys[:shown]]
            out.append(f"{section}: {len(keys)} keys differ\n" + "\n".join(items))
        elif isinstance(a, list) and isinstance(b, list):
            missing, extra = sorted(set(a) - set(b)), sorted(set(b) - set(a))
            out.append(f"{section}: {len(a)} rows expected, {len(b)} found; missing "
                       f"{missing[:shown]!r:.1000}; extra {extra[:shown]!r:.1000}")
        else:
            out.append(f"{section}: {a!r:.300} != {b!r:.300}")
    return "\n".join(out)
