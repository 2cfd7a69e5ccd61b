"""The benchmark's workload: what a social secretariat sends in a busy week, generated from
a seed (the same seed gives the same files, byte for byte).

It comes in two waves, as it does for a real batch sender: the declarations that need no
period number (the INs), then, once their acknowledgement gave the period numbers, the
OUTs, UPDATEs and CANCELs about those periods.

The mix (of the total; docs/performance.md):

    IN  regular workers (OTH, JC XXX/140/149, a third with an end)       56 %
    IN  flexi day contracts (FLX, JC XXX/140, start and end hours)       16 %
    IN  students (STU, JC XXX/124/149, planned hours, end in the week)   10 %
    IN  refused: invalid SSIN, end before start, unknown JC              5 %
    OUT of a regular period without an end                                6 %
    UPDATE: a flexi day ends later, a student's planned hours change      4 %
    CANCEL of a regular period without an end                            3 %
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
WAVE_2 = (("OUT", 6), ("UPDATE", 4), ("CANCEL", 3))
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
    first_day: date = field(default_factory=lambda: date.today() + timedelta(days=1))
    kinds: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        rng = random.Random(self.seed)
        total = sum(w for _, w in WAVE_1 + WAVE_2)
        second = round(self.declarations * sum(w for _, w in WAVE_2) / total)
        first = self.declarations - second
        self.kinds = rng.choices([k for k, _ in WAVE_1], [w for _, w in WAVE_1], k=first)
        self.follow_up_kinds = rng.choices([k for k, _ in WAVE_2], [w for _, w in WAVE_2],
                                           k=second)

    def first_wave(self) -> Iterator[dict]:
        """The INs, in the order of the file."""
        rng = random.Random(self.seed + 1)
        for n, kind in enumerate(self.kinds):
            yield _IN[kind](n + self.worker_offset, rng, employer_id(n % self.employers),
                            _day(self.first_day, n))

    def second_wave(self, period_ids: list[int]) -> Iterator[dict]:
        """OUT, UPDATE and CANCEL about the periods the first wave opened; `period_ids[n]`
        is the number intake gave line n + 1 of the first wave."""
        by_kind: dict[str, list[tuple[int, int]]] = {"OTH": [], "FLX": [], "STU": []}
        for n, (kind, period) in enumerate(zip(self.kinds, period_ids, strict=True)):
            if kind in by_kind and not (kind == "OTH" and _has_end(n)):
                by_kind[kind].append((n, period))
        rng = random.Random(self.seed + 2)
        regular = iter(rng.sample(by_kind["OTH"], len(by_kind["OTH"])))
        changed = iter(rng.sample(by_kind["FLX"] + by_kind["STU"],
                                  len(by_kind["FLX"]) + len(by_kind["STU"])))
        for kind in self.follow_up_kinds:
            if kind == "UPDATE":
                n, period = next(changed)
                yield _update(self.kinds[n], period)
            else:
                n, period = next(regular)
                yield (_out(period, _day(self.first_day, n)) if kind == "OUT"
                       else {"dimonaCancel": {"periodId": period}})


def lines(declarations: Iterator[dict], reference: str) -> Iterator[str]:
    for i, d in enumerate(declarations):
        yield json.dumps({**d, "references": {"declaration": f"{reference}-{i + 1}"}},
                         separators=(",", ":")) + "\n"


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


def _update(kind: str, period: int) -> dict:
    if kind == "FLX":
        return {"dimonaUpdate": {"periodId": period, "endHour": "2300"}}
    return {"dimonaUpdate": {"periodId": period, "plannedHoursNumber": 40}}
