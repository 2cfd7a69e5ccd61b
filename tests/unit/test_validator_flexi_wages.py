"""The validator's use case with Flexi at work situations, over the in-memory event store:
a situation created, modified (replaced whole) and cancelled; redeliveries decided once; a
batch's situations and relations loaded in one query (issue 23)."""

from datetime import date

from services.validator.application import DecideDeclarations
from services.validator.domain import Situation
from services.validator.eventstore import ValidatorApplication
from tests.unit.factories import submitted
from tests.unit.rulebook import SSIN, dimona_in, utc
from tests.unit.test_rules_flexi_wages import (
    NEWCO,
    PREMIUM,
    SITUATION,
    UUID,
    FlexiContext,
    calculation,
    cancel,
    element,
    feature,
    flexi,
    modify,
)

AT = utc("2026-08-03 10:00")
IN = 680725377630  # the flexi day in July, decided first
FIRST, SECOND, THIRD = 680725400099, 680725400196, 680725400293


def validator(app: ValidatorApplication) -> DecideDeclarations:
    ctx = FlexiContext(employers=[*FlexiContext().directory.employers.by_id.values(), NEWCO])
    return DecideDeclarations(app, lambda: ctx.directory)


def flexi_day_in(app: ValidatorApplication) -> None:
    body = dimona_in("FLX", start="2026-07-04", endDate="2026-07-04", startHour="1800",
                     endHour="2300")
    [d] = validator(app)([submitted(body, number=IN, received=utc("2026-07-01 10:00"))])
    assert d.result == "A"


def sub(body: dict, number: int, at=AT):
    return submitted(body, number=number, received=at)


def stored(app: ValidatorApplication) -> Situation | None:
    return app.load_many([Situation.create_id(SITUATION)]).get(Situation.create_id(SITUATION))


JULY = calculation()  # a wage of 450.00 and a one-off premium of 25.00
CORRECTED = calculation("2026-07-01", "2026-07-31", "2026-08-02",
                        feature(element(amount=30000), valid_from="2026-07-04",
                                worker_code="450"))


def test_a_situation_created_modified_and_cancelled():
    app = ValidatorApplication()
    flexi_day_in(app)
    decide = validator(app)
    [created] = decide([sub(flexi(calc=JULY, payslipReference="P1"), FIRST)])
    assert (created.result, created.situation_before) == ("A", None)
    assert stored(app).current == created.situation_after
    [modified] = decide([sub(modify(CORRECTED), SECOND)])
    assert (modified.result, modified.situation_before) == ("A", created.situation_after)
    [cancelled] = decide([sub(cancel(), THIRD)])
    assert cancelled.result == "A"
    states = [d.situation_after for d in (created, modified, cancelled)]
    assert [(s.ticket, s.version, s.cancelled, s.wages_cents, s.premiums_cents)
            for s in states] == [(FIRST, 1, False, 45000, 2500), (SECOND, 2, False, 30000, 0),
                                 (THIRD, 3, True, 30000, 0)]
    situation = stored(app)
    assert (situation.version, situation.current) == (3, cancelled.situation_after)
    events = list(app.repository.event_store.get(Situation.create_id(SITUATION)))
    assert [type(e).__name__ for e in events] == ["Opened", "Changed", "Changed"]
    assert [e.declaration_id for e in events[1:]] == [SECOND, THIRD]


def test_a_modify_replaces_the_whole_situation():
    app = ValidatorApplication()
    flexi_day_in(app)
    validator(app)([sub(flexi(calc=JULY, payslipReference="P1",
                              relation={"uuid": UUID, "reference": "C-17"}), FIRST)])
    [d] = validator(app)([sub(modify(CORRECTED), SECOND)])
    after = stored(app).current
    assert after == d.situation_after
    assert (after.payslip_reference, after.relation_reference) == (None, None)
    [capacity] = after.calculation.features
    assert (capacity.worker_code, capacity.valid_from) == ("450", date(2026, 7, 4))
    assert [e.code for e in capacity.financial_elements] == ["0001001000"]  # no premium left
    assert after.calculation.calculation_date == date(2026, 8, 2)


def test_a_redelivered_flexi_wage_is_decided_and_recorded_once():
    app = ValidatorApplication()
    flexi_day_in(app)
    first = validator(app)([sub(flexi(calc=JULY), FIRST)])
    again = validator(app)([sub(flexi(calc=JULY), FIRST)])  # a fresh validator
    assert [d.model_dump_json() for d in again] == [d.model_dump_json() for d in first]
    assert stored(app).version == 1
    modified = validator(app)([sub(modify(CORRECTED), SECOND)] * 2)  # twice in one batch
    assert [d.result for d in modified] == ["A", "A"] and modified[0] == modified[1]
    again = validator(app)([sub(modify(CORRECTED), SECOND)])
    assert again == modified[:1] and stored(app).version == 2


def test_a_create_its_modify_and_a_second_create_in_one_batch():
    app = ValidatorApplication()
    flexi_day_in(app)
    decided = validator(app)([sub(flexi(calc=JULY), FIRST), sub(modify(CORRECTED), SECOND),
                              sub(flexi(calc=JULY), THIRD)])
    assert [(d.result, [a.code for a in d.anomalies]) for d in decided] == [
        ("A", []), ("A", []), ("B", ["90900-333"])]
    assert stored(app).current == decided[1].situation_after
    assert decided[2].situation_before == decided[1].situation_after


def test_a_refused_declaration_leaves_the_stored_situation_as_it_was():
    app = ValidatorApplication()
    flexi_day_in(app)
    [created] = validator(app)([sub(flexi(calc=JULY), FIRST)])
    bad = calculation("2026-07-01", "2026-07-31", "2026-07-31",
                      feature(element(), element(PREMIUM, 100, 13)))
    [refused] = validator(app)([sub(modify(bad), SECOND)])
    assert (refused.result, refused.situation_after) == ("B", None)
    assert (stored(app).version, stored(app).current) == (1, created.situation_after)


def test_without_a_flexi_dimona_the_situation_is_recorded_with_a_warning():
    app = ValidatorApplication()
    [d] = validator(app)([sub(flexi(calc=JULY), FIRST)])
    assert (d.result, [a.code for a in d.anomalies]) == ("W", ["00024-152"])
    assert stored(app).current == d.situation_after


def test_a_batch_loads_its_situations_and_relations_in_one_query():
    app = ValidatorApplication()
    flexi_day_in(app)
    asked: list[set] = []
    load_many = app.load_many

    def counting(ids):
        ids = set(ids)
        if ids:
            asked.append(ids)
        return load_many(ids)

    app.load_many = counting
    uuids = [f"3f2504e0-4f89-41d3-9a0c-{n:012d}" for n in range(20)]
    batch = [sub(flexi(calc=JULY, relation={"uuid": u}), FIRST + 97 * i)
             for i, u in enumerate(uuids)]
    decided = validator(app)(batch)
    assert [d.result for d in decided] == ["A"] * 20
    assert len(asked) == 1  # situations, relations, all at once
    assert {Situation.create_id(f"175110801:{SSIN}:{u}") for u in uuids} <= asked[0]
