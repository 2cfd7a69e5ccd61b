"""The benchmark's workload: seeded, the documented mix, and declarations intake accepts."""

from collections import Counter
from datetime import date

from pydantic import TypeAdapter

from dimona.bench.workload import (
    REGISTRATION_KINDS,
    WAVE_1,
    WAVE_2,
    WAVE_3,
    Workload,
    directory,
    lines,
)
from schemas.declaration import Declaration
from services.directory.domain import DirectoryDocument
from services.validator.domain.identifiers import valid_nsso, valid_ssin

DAY = date(2026, 11, 23)


def test_the_same_seed_gives_the_same_files_and_another_seed_others():
    first = list(lines(Workload(2000, first_day=DAY).first_wave(), "in"))
    assert first == list(lines(Workload(2000, first_day=DAY).first_wave(), "in"))
    assert first != list(lines(Workload(2000, seed=9, first_day=DAY).first_wave(), "in"))


def test_the_mix_is_the_documented_one():
    workload = Workload(20_000, first_day=DAY)
    share = (Counter(workload.kinds) + Counter(workload.follow_up_kinds)
             + Counter(workload.registration_kinds))
    weights = dict(WAVE_1 + WAVE_2 + WAVE_3)
    total = sum(weights.values())
    assert sum(share.values()) == 20_000
    for kind, weight in weights.items():
        assert abs(share[kind] / 20_000 - weight / total) < 0.01, kind
    # the daily registrations: about a tenth of the workload
    registrations = sum(share[k] for k in REGISTRATION_KINDS)
    assert 0.09 < registrations / 20_000 < 0.11, registrations


def test_every_line_is_a_declaration_and_only_the_refused_ones_break_an_identifier():
    workload = Workload(3000, first_day=DAY)
    adapter = TypeAdapter(Declaration)
    first = list(workload.first_wave())
    for kind, body in zip(workload.kinds, first, strict=True):
        declaration = adapter.validate_python(body)
        assert valid_nsso(declaration.employer.employer_id)
        if kind != "REFUSED":
            assert valid_ssin(declaration.worker.ssin)
    periods = list(range(680_000_000_000, 680_000_000_000 + len(first)))
    follow_ups = list(workload.second_wave(periods))
    assert len(follow_ups) == len(workload.follow_up_kinds)
    about = [next(iter(f.values()))["periodId"] for f in follow_ups
             if "dailyRegistration" not in f]
    assert len(set(about)) == len(about)  # never two changes of one period
    opened_by = dict(zip(periods, workload.kinds, strict=True))
    assert {opened_by[p] for p in about} <= {"OTH", "FLX", "STU"}  # never a refused IN


def test_the_directory_mandates_the_bench_secretariat_for_every_employer():
    document = DirectoryDocument.model_validate(directory(40))
    assert len(document.employers) == len(document.mandates) == 40
    assert document.declarants[0].batch_sender


def waves(workload: Workload) -> tuple[list[dict], list[int], list[dict], list[int], list[dict]]:
    """The three waves, with the numbers intake would give (in file order)."""
    first = list(workload.first_wave())
    periods = list(range(680_000_000_000, 680_000_000_000 + len(first)))
    second = list(workload.second_wave(periods))
    changes = list(range(690_000_000_000, 690_000_000_000 + len(second)))
    return first, periods, second, changes, list(workload.third_wave(periods, changes))


def test_the_registrations_are_valid_and_the_same_seed_gives_the_same_ones():
    workload = Workload(20_000, first_day=DAY)
    first, periods, second, changes, third = waves(workload)
    assert (second, third) == waves(Workload(20_000, first_day=DAY))[2:5:2]
    assert second != waves(Workload(20_000, seed=9, first_day=DAY))[2]
    adapter = TypeAdapter(Declaration)
    opened = dict(zip(periods, zip(workload.kinds, first, strict=True), strict=True))
    ended = {f[k]["periodId"] for f in second for k in ("dimonaOut", "dimonaCancel") if k in f}
    creates = {n: f["dailyRegistration"] for n, f in zip(changes, second, strict=True)
               if "dailyRegistration" in f}
    assert len(creates) == workload.follow_up_kinds.count("REGISTRATION") > 1000
    worked: set[tuple[int, str]] = set()
    for create in creates.values():
        adapter.validate_python({"dailyRegistration": create})
        assert create["action"] == "create"
        kind, body = opened[create["periodId"]]  # a period the first wave opened, earlier
        declared = body["dimonaIn"]
        assert (kind, declared["features"]) == (
            "OTH", {"jointCommissionNumber": "XXX", "workerType": "OTH"})
        assert create["periodId"] not in ended  # neither ended nor cancelled before
        start, end = date.fromisoformat(create["startDate"]), date.fromisoformat(
            create["endDate"])
        last = date.fromisoformat(declared.get("endDate", "9999-12-31"))
        # every day of the shift inside the period, from tomorrow on (never late)
        assert DAY <= date.fromisoformat(declared["startDate"]) <= start <= end <= last
        assert (create["startHour"], create["endHour"], (end - start).days) in {
            ("1100", "1500", 0), ("1800", "0200", 1)}
        assert (create["periodId"], create["startDate"]) not in worked  # no overlap
        worked.add((create["periodId"], create["startDate"]))
    # the third wave: updates and cancels of the second wave's creates, never two of one
    assert len(third) == len(workload.registration_kinds) > 100
    named = [f["dailyRegistration"]["registrationId"] for f in third]
    assert len(set(named)) == len(named) and set(named) <= set(creates)
    actions = Counter(f["dailyRegistration"]["action"] for f in third)
    assert actions == {"update": workload.registration_kinds.count("REGISTRATION_UPDATE"),
                       "cancel": workload.registration_kinds.count("REGISTRATION_CANCEL")}
    for f in third:
        change = adapter.validate_python(f).daily_registration
        if change.action == "update":  # the end hour moves: a real change (never 90480-444)
            assert f["dailyRegistration"].keys() == {"action", "registrationId", "endHour"}
            assert change.end_hour != creates[change.registration_id]["endHour"]
        else:
            assert f["dailyRegistration"].keys() == {"action", "registrationId"}
