"""The benchmark's workload: seeded, the documented mix, and declarations intake accepts."""

from collections import Counter
from datetime import date

from pydantic import TypeAdapter

from dimona.bench.workload import WAVE_1, WAVE_2, Workload, directory, lines
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
    share = Counter(workload.kinds) + Counter(workload.follow_up_kinds)
    weights = dict(WAVE_1 + WAVE_2)
    total = sum(weights.values())
    assert sum(share.values()) == 20_000
    for kind, weight in weights.items():
        assert abs(share[kind] / 20_000 - weight / total) < 0.01, kind


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
    about = [next(iter(f.values()))["periodId"] for f in follow_ups]
    assert len(set(about)) == len(about)  # never two changes of one period
    opened_by = dict(zip(periods, workload.kinds, strict=True))
    assert {opened_by[p] for p in about} <= {"OTH", "FLX", "STU"}  # never a refused IN


def test_the_directory_mandates_the_bench_secretariat_for_every_employer():
    document = DirectoryDocument.model_validate(directory(40))
    assert len(document.employers) == len(document.mandates) == 40
    assert document.declarants[0].batch_sender
