"""The benchmark's workload: what a social secretariat sends in a busy week, generated from
a seed (the same seed gives the same files, byte for byte).

It comes in three waves, as it does for a real batch sender: the declarations that need
no period number (the INs); then, once their acknowledgement gave the period numbers, the
OUTs, UPDATEs and CANCELs about those periods and the daily registrations (horeca) of the
fixed workers' periods (OTH, JC XXX); then, once those acknowledgements gave the
registration numbers, the updates and cancellations of some registrations.

The mix (weights out of 111; docs/performance.md):

    IN  regular workers (OTH, JC XXX/140/149, a third with an end)        56
    IN  flexi day contracts (FLX, JC XXX/140, start and end hours)        16
    IN  students (STU, JC XXX/124/149, planned hours, end in the week)    10
    IN  refused: invalid SSIN, end before start, unknown JC               5
    OUT of a regular period without an end                                 6
    UPDATE: a flexi day ends later, a student's planned hours change       4
    CANCEL of a regular period without an end                             3
    daily registration created (a shift with its end, on a day of an
      OTH JC XXX period no OUT or CANCEL touches)                          8
    daily registration updated (its end hour half an hour later)           2
    daily registration cancelled                                           1

The registrations are 11 of 111 (9.9 %). The employers must have chosen the Dimona system
for them: the benchmark records that choice for each when it loads the directory
(dimona.bench.run.load_directory).
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

from services.validator.domain.identifiers import nsso_check
from services.validator.domain.moments import quarter_start

WAVE_1 = (("OTH", 56), ("FLX", 16), ("STU", 10), ("REFUSED", 5))
WAVE_2 = (("OUT", 6), ("UPDATE", 4), ("CANCEL", 3), ("REGISTRATION", 8))
WAVE_3 = (("REGISTRATION_UPDATE", 2), ("REGISTRATION_CANCEL", 1))
REGISTRATION_KINDS = ("REGISTRATION", "REGISTRATION_UPDATE", "REGISTRATION_CANCEL")
# A registration's shift: (start hour, end hour, whether it ends the next day). The night
# shift is taken only where the period still runs the next day.
DAY_SHIFT, NIGHT_SHIFT = ("1100", "1500", False), ("1800", "0200", True)
REGISTRATION_DAYS = 14  # a registration falls on one of the first 14 days of its period
DECLARANT = "0447990040"  # the benchmark's social secretariat (mod-97 valid)
TOKEN = "bench-secretariat-token"


def ssin(n: int) -> str:
    """A valid national register number (born 1940-1999) for worker number n."""
    first9 = f"{40 + n % 60:02d}{1 + n // 60 % 12:02d}{1 + n // 720 % 28:02d}" \
             f"{1 + n // 20160 % 997:03d}"
    return f"{first9}{97 - int(first9) % 97:02d}"


def employer_id(n: int) -> int:
    """A valid definitive NSSO number (docs/sources.md §8.3) for employer number n."""
    base = 1_000_000 + 7 * n
    return base * 100 + nsso_check(base)


def enterprise_number(n: int) -> str:
    base = 20_000_000 + 13 * n
    return f"0{base}{97 - base * 100 % 97:02d}"


def directory(employers: int, batch_sender: bool = True) -> dict:
    """The directory document the benchmark loads (docs/interface.md §6). A batch sender gets
    results files only; any other declarant also an e-Box message per declaration."""
    return {
        "employers": [{"employerId": employer_id(n), "enterpriseNumber": enterprise_number(n),
                       "name": f"Bench employer {n}", "language": "nl" if n % 3 else "fr",
                       "securedChannelsOnly": False, "active": True}
                      for n in range(employers)],
        "declarants": [{"enterpriseNumber": DECLARANT, "name": "Bench secretariat",
                        "token": TOKEN, "batchSender": batch_sender}],
        "mandates": [{"declarant": DECLARANT, "employerId": employer_id(n),
                      "from": "2020-01-01", "to": None} for n in range(employers)],
    }


@dataclass
class Workload:
    """`declarations` in total over `employers` employers; `seed` fixes every choice."""

    declarations: int
    employers: int = 40
    seed: int = 8
    worker_offset: int = 0  # the first worker's number
    ins_only: bool = False  # every declaration in the first wave (an official file's INs)
    first_day: date = field(default_factory=lambda: date.today() + timedelta(days=1))
    kinds: list[str] = field(default_factory=list)
    _follow_ups_of: tuple[list[int], list[dict]] | None = field(
        default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        rng = random.Random(self.seed)
        total = sum(w for _, w in WAVE_1 + WAVE_2 + WAVE_3)
        later = 0 if self.ins_only else self.declarations  # shared with waves 2 and 3
        second = round(later * sum(w for _, w in WAVE_2) / total)
        third = round(later * sum(w for _, w in WAVE_3) / total)
        first = self.declarations - second - third
        self.kinds = rng.choices([k for k, _ in WAVE_1], [w for _, w in WAVE_1], k=first)
        self.follow_up_kinds = rng.choices([k for k, _ in WAVE_2], [w for _, w in WAVE_2],
                                           k=second)
        self.registration_kinds = rng.choices([k for k, _ in WAVE_3],
                                              [w for _, w in WAVE_3], k=third)

    def first_wave(self) -> Iterator[dict]:
        """The INs, in the order of the file."""
        rng = random.Random(self.seed + 1)
        for n, kind in enumerate(self.kinds):
            yield _IN[kind](n + self.worker_offset, rng, employer_id(n % self.employers),
                            _day(self.first_day, n))

    def second_wave(self, period_ids: list[int]) -> Iterator[dict]:
        """OUT, UPDATE and CANCEL about the periods the first wave opened, and the daily
        registrations of its fixed workers' periods; `period_ids[n]` is the number intake
        gave line n + 1 of the first wave."""
        yield from self._follow_ups(period_ids)

    def third_wave(self, period_ids: list[int], change_ids: list[int]) -> Iterator[dict]:
        """Updates and cancellations of registrations the second wave created, never two
        of one; `change_ids[n]` is the number intake gave line n + 1 of the second wave
        (a registration's number is the number of its create)."""
        created = [(body["dailyRegistration"], number) for kind, body, number in zip(
            self.follow_up_kinds, self._follow_ups(period_ids), change_ids, strict=True)
            if kind == "REGISTRATION"]
        rng = random.Random(self.seed + 3)
        for kind, (create, number) in zip(self.registration_kinds,
                                          rng.sample(created, len(created)), strict=False):
            if kind == "REGISTRATION_UPDATE":
                yield {"dailyRegistration": {"action": "update", "registrationId": number,
                                             "endHour": _later(create["endHour"])}}
            else:
                yield {"dailyRegistration": {"action": "cancel", "registrationId": number}}

    def _follow_ups(self, period_ids: list[int]) -> list[dict]:
        """The second wave's bodies (computed once for the same period numbers: the third
        wave asks again)."""
        if self._follow_ups_of is None or self._follow_ups_of[0] != period_ids:
            self._follow_ups_of = (list(period_ids), self._plan_follow_ups(period_ids))
        return self._follow_ups_of[1]

    def _plan_follow_ups(self, period_ids: list[int]) -> list[dict]:
        by_kind: dict[str, list[tuple[int, int]]] = {"OTH": [], "FLX": [], "STU": []}
        for n, (kind, period) in enumerate(zip(self.kinds, period_ids, strict=True)):
            if kind in by_kind and not (kind == "OTH" and _has_end(n)):
                by_kind[kind].append((n, period))
        rng = random.Random(self.seed + 2)
        regular = iter(rng.sample(by_kind["OTH"], len(by_kind["OTH"])))
        changed = iter(rng.sample(by_kind["FLX"] + by_kind["STU"],
                                  len(by_kind["FLX"]) + len(by_kind["STU"])))
        follow_ups, ended = [], set()
        for kind in self.follow_up_kinds:
            if kind == "UPDATE":
                n, period = next(changed)
                follow_ups.append(_update(self.kinds[n], period))
            elif kind in ("OUT", "CANCEL"):
                n, period = next(regular)
                ended.add(period)
                follow_ups.append(_out(period, _day(self.first_day, n)) if kind == "OUT"
                                  else {"dimonaCancel": {"periodId": period}})
            else:
                follow_ups.append({})  # a registration: chosen below
        days = iter(self._registration_days(period_ids, ended, rng))
        return [body or _registration(*next(days)) for body in follow_ups]

    def _registration_days(self, period_ids: list[int], ended: set[int],
                           rng: random.Random) -> list[tuple[int, date, bool]]:
        """(period, day, whether the period still runs the next day) for every
        registration of the second wave, drawn without repetition from the first days of
        the fixed workers' periods (OTH, JC XXX) that no OUT or CANCEL touches: at most one
        registration per worker and day, so that none overlaps another."""
        days = []
        for kind, body, period in zip(self.kinds, self.first_wave(), period_ids, strict=True):
            declared = body["dimonaIn"]
            if kind != "OTH" or declared["features"]["jointCommissionNumber"] != "XXX" \
                    or period in ended:
                continue
            start = date.fromisoformat(declared["startDate"])
            last = (date.fromisoformat(declared["endDate"]) if "endDate" in declared
                    else start + timedelta(days=REGISTRATION_DAYS))
            days += [(period, day, day < last) for day in (
                start + timedelta(days=i) for i in range(REGISTRATION_DAYS)) if day <= last]
        return rng.sample(days, self.follow_up_kinds.count("REGISTRATION"))


def referenced(declarations: Iterator[dict], reference: str) -> Iterator[dict]:
    """Each declaration with the sender's own reference, `<reference>-<line>`."""
    for i, d in enumerate(declarations):
        yield {**d, "references": {"declaration": f"{reference}-{i + 1}"}}


def lines(declarations: Iterator[dict], reference: str) -> Iterator[str]:
    for d in referenced(declarations, reference):
        yield json.dumps(d, separators=(",", ":")) + "\n"


def _day(first: date, n: int) -> date:
    """Within four weeks from tomorrow: never late, never too early for a flexi IN (at most
    31 days before its quarter); each worker has one period, so none overlap."""
    return first + timedelta(days=n % 28)


def _in(employer: int, worker: str, jc: str, worker_type: str, **period) -> dict:
    return {"employer": {"employerId": employer}, "worker": {"ssin": worker},
            "dimonaIn": {**period, "features": {"jointCommissionNumber": jc,
                                                "workerType": worker_type}}}


def _has_end(n: int) -> bool:
    return n % 3 == 0


def _regular(n: int, rng: random.Random, employer: int, start: date) -> dict:
    period = {"startDate": start.isoformat()}
    if _has_end(n):
        period["endDate"] = (start + timedelta(days=rng.randint(0, 90))).isoformat()
    return _in(employer, ssin(n), rng.choice(("XXX", "140", "149")), "OTH", **period)


def _flexi(n: int, rng: random.Random, employer: int, start: date) -> dict:
    day, hour = start.isoformat(), rng.choice((7, 8, 10, 12, 16))
    return _in(employer, ssin(n), rng.choice(("XXX", "140")), "FLX", startDate=day,
               startHour=f"{hour:02d}00", endDate=day, endHour=f"{hour + rng.randint(3, 6):02d}00")


def _student(n: int, rng: random.Random, employer: int, start: date) -> dict:
    end = min(start + timedelta(days=6),  # in the quarter of the start (…-421)
              quarter_start(quarter_start(start) + timedelta(days=100)) - timedelta(days=1))
    return _in(employer, ssin(n), rng.choice(("XXX", "124", "149")), "STU",
               startDate=start.isoformat(), endDate=end.isoformat(),
               plannedHoursNumber=rng.randint(8, 38))


def _refused(n: int, rng: random.Random, employer: int, start: date) -> dict:
    """Three blocking errors: an SSIN with wrong check digits (00024-003), an end before
    the start, an unknown joint committee."""
    body = _regular(n, rng, employer, start)
    broken = body["dimonaIn"]
    match n % 3:
        case 0:
            body["worker"]["ssin"] = ssin(n)[:9] + f"{(int(ssin(n)[9:]) + 1) % 100:02d}"
        case 1:
            broken["endDate"] = (start - timedelta(days=2)).isoformat()
        case _:
            broken["features"]["jointCommissionNumber"] = "998"
    return body


_IN = {"OTH": _regular, "FLX": _flexi, "STU": _student, "REFUSED": _refused}


def _out(period: int, start: date) -> dict:
    return {"dimonaOut": {"periodId": period,
                          "endDate": (start + timedelta(days=100)).isoformat()}}


def _registration(period: int, day: date, runs_next_day: bool) -> dict:
    """A shift with its end: the night one (18:00 to 02:00) where the period still runs the
    next day, else the day one (11:00 to 15:00)."""
    start, end, next_day = NIGHT_SHIFT if runs_next_day else DAY_SHIFT
    return {"dailyRegistration": {
        "action": "create", "periodId": period, "startDate": day.isoformat(),
        "startHour": start, "endDate": (day + timedelta(days=next_day)).isoformat(),
        "endHour": end}}


def _later(hour: str) -> str:
    """Half an hour later: 0200 -> 0230, 1500 -> 1530 (never past midnight)."""
    return f"{hour[:2]}30"


def _update(kind: str, period: int) -> dict:
    if kind == "FLX":
        return {"dimonaUpdate": {"periodId": period, "endHour": "2300"}}
    return {"dimonaUpdate": {"periodId": period, "plannedHoursNumber": 40}}
