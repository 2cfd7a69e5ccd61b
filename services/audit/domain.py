"""The auditor's pure parts (docs/adr/0007-audit.md): the verification of each recorded log
against its hash chain, and the timeline an auditor reads. No SQL here.

Two logs are recorded, each in the order of its own sequence: `validator`, the event store
(every reception with its raw request, every decision with its anomalies and rule version),
and `notifier`, the notifications sent. Every record is chained to the one before it in
its log: hash = SHA-256(previous hash, position, every column of the record). The chain
itself, which the logs' writers extend, is services.common.auditchain.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic.alias_generators import to_camel

from schemas.events import DeclarationDecided, NotificationSent, Origin
from services.common.auditchain import GENESIS, Link, link_hash
from services.validator.eventlog import rules_of

LOGS = ("validator", "notifier")
BRUSSELS = ZoneInfo("Europe/Brussels")


@dataclass(frozen=True)
class Break:
    """The first place where a log and its chain disagree."""

    log: str
    position: int
    problem: str

    def __str__(self) -> str:
        return f"{self.log} log, position {self.position}: {self.problem}"


@dataclass
class Verified:
    """What verifying one log found: how many records, the last position, the first break."""

    log: str
    records: int = 0
    last_position: int = 0
    checkpoints: int = 0
    broken: Break | None = None
    hashes: dict[int, bytes] = field(default_factory=dict, repr=False)
    """The recomputed hash at each checkpoint's position."""


def verify(log: str, records: Iterable[tuple[int, bytes]], links: Iterable[Link],
           checkpoints: Mapping[int, bytes], exported: Mapping[int, bytes] | None = None
           ) -> Verified:
    """Recompute a log's chain from its records (position, content) and compare it with the
    stored links, both in position order, then with the stored checkpoints and those kept
    outside the database (`exported`); stops at the first break."""
    found = Verified(log)
    exported = exported or {}
    previous, digest = 0, GENESIS
    for position, content, link in _paired(records, links):
        if link is None:
            found.broken = Break(log, position, "this record has no link: it was inserted "
                                 "afterwards, or its position was changed")
            return found
        if content is None:
            found.broken = Break(log, position, "this record was removed (its link remains)")
            return found
        if link.previous != previous:
            found.broken = _skipped(log, previous, link)
            return found
        digest = link_hash(digest, position, content)
        if digest != link.hash:
            found.broken = Break(log, position, "this record was altered or re-ordered")
            return found
        if position in checkpoints or position in exported:
            found.hashes[position] = digest
        previous, found.records, found.last_position = position, found.records + 1, position
    found.checkpoints = len(checkpoints)
    found.broken = (check_checkpoints(found, checkpoints, "checkpoint")
                    or check_checkpoints(found, exported, "exported checkpoint"))
    return found


def _skipped(log: str, previous: int, link: Link) -> Break:
    if link.previous > previous:
        return Break(log, link.previous, "this record was removed, with its link")
    return Break(log, previous, "this record was inserted afterwards (the chain skips it)")


def check_checkpoints(found: Verified, checkpoints: Mapping[int, bytes],
                      kind: str) -> Break | None:
    """A checkpoint whose hash differs, or past the end of the log, means the chain was
    rewritten or its tail removed. `kind` names where the checkpoints come from."""
    for position in sorted(checkpoints):
        if position > found.last_position:
            return Break(found.log, position, f"a {kind} is at this position, past the last "
                         f"record ({found.last_position}): records were removed from the end")
        if found.hashes.get(position) != checkpoints[position]:
            return Break(found.log, position, f"the {kind} here does not match: the chain "
                         "was rewritten up to here")
    return None


def _paired(records: Iterable[tuple[int, bytes]], links: Iterable[Link]
            ) -> Iterator[tuple[int, bytes | None, Link | None]]:
    """Records and links merged on position: (position, content or None, link or None)."""
    records, links = iter(records), iter(links)
    record, link = next(records, None), next(links, None)
    while record is not None or link is not None:
        if link is None or (record is not None and record[0] < link.position):
            yield record[0], record[1], None
            record = next(records, None)
        elif record is None or link.position < record[0]:
            yield link.position, None, link
            link = next(links, None)
        else:
            yield record[0], record[1], link
            record, link = next(records, None), next(links, None)


# The timeline -----------------------------------------------------------------------------

What = Literal["received", "decided", "identified", "notified"]
ORDER: dict[str, int] = {"received": 0, "decided": 1, "identified": 2, "notified": 3}


@dataclass(frozen=True)
class Entry:
    """One line of an auditor's timeline: what happened to a declaration, when, and where it
    is recorded (log and position)."""

    at: datetime
    declaration_id: int
    what: What
    log: str
    position: int
    details: dict

    def to_json(self) -> dict:
        return {"at": self.at.isoformat(), "declarationId": self.declaration_id,
                "event": self.what, "log": self.log, "position": self.position,
                **self.details}


def reception_entry(position: int, decision: DeclarationDecided,
                    origin: Origin | None) -> Entry:
    """What was received, from whom, through which channel (from the recorded decision)."""
    worker, flexi = decision.declaration.worker, decision.declaration.flexi_wage
    return Entry(decision.received_at, decision.declaration_id, "received", "validator",
                 position, {
                     "declarationType": decision.declaration_type,
                     "channel": decision.channel, "via": origin and origin.via,
                     "declarant": decision.declarant, "token": origin and origin.token,
                     "employer": decision.employer_key,
                     "ssin": (worker and worker.ssin) or (flexi and flexi.beneficiary.ssin),
                     "periodId": decision.declaration.period_id,
                     "batchRef": decision.batch_ref, "line": decision.line,
                     "fileName": origin and origin.file_name,
                     "fileSha256": origin and origin.file_sha256,
                     "raw": origin and origin.raw, **_registration_named(decision),
                     **_situation_named(decision)})


def _registration_named(decision: DeclarationDecided) -> dict:
    """A daily registration's action and number (its create's declaration number); nothing
    for a Dimona declaration, whose entries stay as they were."""
    registration = decision.declaration.daily_registration
    if registration is None:
        return {}
    return {"action": registration.action, "registrationId": decision.registration_id}


def _registration_change(decision: DeclarationDecided) -> dict:
    """What a daily registration's decision changed: the registration before and after."""
    if decision.declaration.daily_registration is None:
        return {}
    return {**_registration_named(decision), **{
        side: state and {to_camel(k): v for k, v in state.model_dump(
            mode="json", include=REGISTRATION_FIELDS).items()}
        for side, state in (("registrationBefore", decision.registration_before),
                            ("registrationAfter", decision.registration_after))}}


REGISTRATION_FIELDS = {"start_date", "start_hour", "end_date", "end_hour", "cancelled",
                       "version"}


def _situation_named(decision: DeclarationDecided) -> dict:
    """A Flexi at work declaration's action and situation (debtor:SSIN:relation UUID);
    nothing for the other declarations."""
    flexi = decision.declaration.flexi_wage
    if flexi is None:
        return {}
    return {"action": flexi.action, "situationKey": flexi.situation_key}


def _situation_change(decision: DeclarationDecided) -> dict:
    """What a Flexi at work decision changed: the situation before and after (its ticket,
    calculation period, totals in cents, income year, cancelled, version)."""
    if decision.declaration.flexi_wage is None:
        return {}
    return {**_situation_named(decision), **{
        side: state and _situation_side(state)
        for side, state in (("situationBefore", decision.situation_before),
                            ("situationAfter", decision.situation_after))}}


def _situation_side(state) -> dict:
    c = state.calculation
    return {"ticket": state.ticket, "startDate": c and c.start_date.isoformat(),
            "endDate": c and c.end_date.isoformat(), "wagesCents": state.wages_cents,
            "premiumsCents": state.premiums_cents, "year": state.year,
            "cancelled": state.cancelled, "version": state.version}


def decision_entry(position: int, at: datetime, decision: DeclarationDecided,
                   employer: dict | None = None) -> Entry:
    """What the validator answered and why: result, anomalies (each with the rules that can
    raise its code), rule version, and the facts the rules read: the period before, the
    quotas exceeded (both as the decision recorded them) and `employer`, the directory's
    entry of the employer as of reception (services.directory.adapter.employers_as_of)."""
    final = decision.identified_ssin is not None
    return Entry(at, decision.declaration_id, "identified" if final else "decided",
                 "validator", position, {
                     "result": decision.result, "periodId": decision.period_id,
                     "anomalies": [{"code": a.code, "severity": a.severity,
                                    "label": a.label_en, "rules": [
                                        r.to_json() for r in rules_of(
                                            a.code, decision.declaration_type)]}
                                   for a in decision.anomalies],
                     "ruleVersion": decision.rule_version,
                     "identifiedSsin": decision.identified_ssin,
                     **_registration_change(decision), **_situation_change(decision),
                     "facts": _facts(decision, employer)})


def _facts(decision: DeclarationDecided, employer: dict | None) -> dict:
    before = decision.period_before
    return {"periodBefore": before and {to_camel(k): v for k, v in before.model_dump(
                mode="json", by_alias=True).items()},
            "quotas": [{"code": a.code, **a.quota.to_result_json()}
                       for a in decision.anomalies if a.quota is not None],
            "employer": employer}


def notification_entry(position: int, sent: NotificationSent) -> Entry:
    """A confirmation sent: an e-Box message or a return-file entry."""
    return Entry(sent.occurred_at, sent.declaration_id, "notified", "notifier", position, {
        "notificationId": str(sent.event_id), "channel": sent.channel,
        "recipient": sent.recipient, "result": sent.result,
        "anomalyCodes": list(sent.anomaly_codes), "batchRef": sent.batch_ref,
        "line": sent.line})


def timeline(declaration_ids: Sequence[int], entries: Iterable[Entry]) -> list[Entry]:
    """Entries in the order the declarations were given (oldest received first), each
    declaration's own entries in the order they happened."""
    rank = {d: i for i, d in enumerate(declaration_ids)}
    return sorted(entries, key=lambda e: (rank.get(e.declaration_id, len(rank)), e.at,
                                          ORDER[e.what], e.position))


def text(entry: Entry) -> list[str]:
    """An entry as readable lines: the first says what happened and where it is recorded;
    the raw request or the anomalies follow, indented."""
    head = (f"{entry.at.astimezone(BRUSSELS):%Y-%m-%d %H:%M:%S.%f}"[:-3]
            + f"  {entry.declaration_id}  {entry.what:<10}  ")
    where = f"  [{entry.log} #{entry.position}]"
    shown = {"received": _received, "notified": _notified}.get(entry.what, _decided)
    first, *more = shown(entry.details)
    return [head + first + where, *(INDENT + line for line in more)]


INDENT = " " * 8


def _received(d: dict) -> list[str]:
    raw = [] if d["raw"] is None else ["raw " + d["raw"].rstrip("\n").replace(
        "\n", "\n" + INDENT + "    ")]
    return [f"{d['declarationType']}{_action(d)} {d['channel']} via {d['via'] or '-'} from "
            f"{d['declarant'] or 'nobody (non-secured)'}"
            + (f" token {d['token']}" if d["token"] else "") + f", employer {d['employer']}"
            + (f", file {d['fileName']} line {d['line']}" if d["batchRef"] else ""), *raw]


def _notified(d: dict) -> list[str]:
    return [f"{d['channel']} to {d['recipient']}: {d['result']} "
            + (" ".join(d["anomalyCodes"]) or "no anomaly")]


def _decided(d: dict) -> list[str]:
    return [f"{d['result']}"
            + (f", registration {d['registrationId']}" if d.get("registrationId") else "")
            + (f", situation {d['situationKey']}" if d.get("situationKey") else "")
            + (f", period {d['periodId']}" if d["periodId"] else "")
            + (f", SSIN found {d['identifiedSsin']}" if d["identifiedSsin"] else "")
            + f", rules {d['ruleVersion'] or 'unknown'}",
            *(line for a in d["anomalies"] for line in _anomaly(a)), *_sides(d)]


def _anomaly(a: dict) -> list[str]:
    """An anomaly, then why: "  00663-005 ← sectors.control_cards_presence (docs/sources.md
    §2.2): <summary>" for each rule that can raise it."""
    why = [f"  {a['code']} ← {r['function'].removeprefix(RULES_PACKAGE)}"
           + (f" ({r['source']})" if r["source"] else "") + f": {r['summary']}"
           for r in a["rules"]]
    return [f"anomaly {a['code']} ({a['severity']}) {a['label']}",
            *(why or [f"  {a['code']} ← no rule of this version yields it"])]


RULES_PACKAGE = "services.validator.domain."


def _action(d: dict) -> str:
    """" create of registration N" after a daily registration's type, " modify of situation
    K" after a Flexi at work declaration's; "" for a Dimona."""
    if "action" not in d:
        return ""
    if "situationKey" in d:
        return f" {d['action']} of situation {d['situationKey']}"
    number = f" of registration {d['registrationId']}" if d["action"] != "create" else ""
    return f" {d['action']}{number}"


def _sides(d: dict) -> list[str]:
    """A daily registration before and after its decision, as "start - end"; a Flexi at
    work situation as its calculation period and totals."""
    if "situationBefore" in d:
        return [f"{side} {_payslip(d[key])}" for side, key in (
            ("before", "situationBefore"), ("after", "situationAfter"))]
    if "registrationBefore" not in d:
        return []
    return [f"{side} {_span(d[key])}" for side, key in (
        ("before", "registrationBefore"), ("after", "registrationAfter"))]


def _payslip(s: dict | None) -> str:
    """A situation as "2026-07-01 - 2026-07-31 wages 9400 premiums 5000 cents"."""
    if s is None:
        return "-"
    return (f"{s['startDate'] or '-'} - {s['endDate'] or '-'} wages {s['wagesCents']} "
            f"premiums {s['premiumsCents']} cents, year {s['year']}, ticket {s['ticket']}"
            + (" cancelled" if s["cancelled"] else "") + f" (version {s['version']})")


def _span(r: dict | None) -> str:
    if r is None:
        return "-"
    end = f"{r['endDate']} {r['endHour'] or 'open'}"
    return (f"{r['startDate']} {r['startHour']} - {end}"
            + (" cancelled" if r["cancelled"] else "") + f" (version {r['version']})")
