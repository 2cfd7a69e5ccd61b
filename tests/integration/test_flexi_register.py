"""Flexi at work in the register on the real PostgreSQL (issue 23), from decisions built by
hand as the validator records them (tests/unit/situations.py): register.flexi_situations
and the declaration rows, the income counter over every employer with its ceiling and a
retirement, an employer's transfers with the pending ones read from intake, filters, pages
and CSV, a flexi-jobber's details, redelivery and late old versions, and the property that
the counter is the sum of the current accepted situations whatever the deliveries."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings

from schemas.declaration import Declaration
from schemas.events import DeclarationDecided, PeriodState, stable_id
from services.common.db import open_pool
from services.directory import adapter as directory
from services.directory.domain import DirectoryDocument, FlexiRetirement
from services.intake.adapter import IntakeStore
from services.intake.application import Intake
from services.intake.domain import Principal
from services.projections.application import (
    FlexiFilters,
    FlexiViews,
    Page,
    RegisterViews,
    UpdateRegister,
    csv_rows,
)
from tests.unit.factories import KROON, PARC, submitted
from tests.unit.situations import (
    RELATION,
    WORKER,
    block,
    calculation,
    cancel,
    create,
    decided,
    modify,
)
from tests.unit.test_flexi_register import deliveries

pytestmark = pytest.mark.integration
RETIRED = "50010100156"
MODIFY, CANCEL, REFUSED, AT_PARC, AUGUST, OLD = (680725500117, 680725500216, 680725500315,
                                                 680725500414, 680725500513, 680725500612)
OTHER = "018e32eb-0d2e-7792-bea7-ef3dc24b4000"
KEY = f"175110801:{WORKER}:{RELATION}"


def flexi_in(number: int, ssin: str = WORKER) -> DeclarationDecided:
    """A flexi day at Kroon on 10 July 2026, with the worker's names."""
    body = {"employer": {"employerId": 175110801},
            "worker": {"ssin": ssin, "familyName": "Maes", "givenName": "Zoë"},
            "dimonaIn": {"startDate": "2026-07-10", "startHour": "1800",
                         "endDate": "2026-07-10", "endHour": "2300",
                         "features": {"jointCommissionNumber": "XXX", "workerType": "FLX"}}}
    s = submitted(body, number=number, received=datetime(2026, 7, 1, 8, 0, tzinfo=UTC))
    after = PeriodState(period_id=number, employer_key="175110801", ssin=ssin,
                        joint_commission_number="XXX", worker_type="FLX",
                        start_date=date(2026, 7, 10), start_hour="1800",
                        end_date=date(2026, 7, 10), end_hour="2300")
    return DeclarationDecided(
        **s.model_dump(exclude={"event_type", "event_id", "origin", "schema_version"}),
        event_id=stable_id("decided", number), declaration_type="DIMONA_IN", result="A",
        period_id=number, period_after=after)


def history() -> list[DeclarationDecided]:
    """At Kroon: a July payslip created, modified and cancelled; an August one on another
    relation; a refused modify of it; at the Parc, the same worker's July payslip."""
    made = create()
    changed = modify(MODIFY, made.situation_after, calculation(5500, None))
    gone = cancel(CANCEL, changed.situation_after)
    august_calc = calculation(20_000, 1_000, "2026-08-01", "2026-08-31")
    august = decided(AUGUST, block("create", august_calc, relation=OTHER), None,
                     _state(august_calc, AUGUST, OTHER))
    refused = decided(REFUSED, block("modify", calculation(-1, None), relation=OTHER),
                      august.situation_after, None, result="B", codes=("01907-008",))
    parc_calc = calculation(30_000, None)
    at_parc = decided(AT_PARC, block("create", parc_calc, debtor=197100119), None,
                      _state(parc_calc, AT_PARC, RELATION, 197100119),
                      declarant="0876543270")
    return [flexi_in(680725377630), made, changed, gone, august, refused, at_parc]


def _state(calc, ticket, relation, debtor=175110801):
    from tests.unit.situations import state
    return state(calc, ticket=ticket, relation=relation, debtor=debtor)


@pytest.fixture
def world(database_url):
    directory.load(database_url, DirectoryDocument(employers=[KROON, PARC], flexi_retirements=[
        FlexiRetirement(ssin=RETIRED, retired_from=date(2020, 1, 1))]))
    pool = open_pool(database_url)
    writer = UpdateRegister(pool)
    writer.apply(history(), None)
    store = IntakeStore(pool)

    def waiting(keys):
        return [(s.declaration_id, s.declaration.flexi_wage.to_json_dict(),
                 s.received_at.isoformat()) for s in store.pending(keys, "flexi_wage")]
    views = FlexiViews(RegisterViews(pool), waiting)
    views.writer, views.url, views.pool = writer, database_url, pool
    yield views
    pool.close()


def sql(url: str, query: str, params: tuple = ()) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(query, params).fetchall()


def test_the_situations_and_the_declaration_rows(world):
    assert sql(world.url, "SELECT situation_key, ticket, year, wages_cents, premiums_cents, "
               "cancelled, version FROM register.flexi_situations ORDER BY ticket") == [
        (KEY, CANCEL, 2026, 5500, 0, True, 3),
        (f"197100119:{WORKER}:{RELATION}", AT_PARC, 2026, 30_000, 0, False, 1),
        (f"175110801:{WORKER}:{OTHER}", AUGUST, 2026, 20_000, 1_000, False, 1)]
    assert sql(world.url, "SELECT declaration_id, result, ssin, situation_key, "
               "situation->>'ticket' FROM register.declarations WHERE declaration_type = "
               "'FLEXI_WAGE' ORDER BY 1") == [
        (680725500018, "A", WORKER, KEY, "680725500018"),
        (MODIFY, "A", WORKER, KEY, str(MODIFY)), (CANCEL, "A", WORKER, KEY, str(CANCEL)),
        (REFUSED, "B", WORKER, f"175110801:{WORKER}:{OTHER}", str(AUGUST)),
        (AT_PARC, "A", WORKER, f"197100119:{WORKER}:{RELATION}", str(AT_PARC)),
        (AUGUST, "A", WORKER, f"175110801:{WORKER}:{OTHER}", str(AUGUST))]
    result = world.queries.result(MODIFY)["result"]
    assert result == history()[2].to_result_json()
    detail = world.register.declaration(MODIFY)
    assert (detail["situationKey"], detail["situation"]["wagesCents"],
            detail["worker"]["familyName"]) == (KEY, 5500, "Maes")
    assert "situation" not in world.register.declaration(680725377630)


def test_the_income_counter_over_every_employer(world):
    found = world.income(WORKER, 2026)
    # the cancelled July payslip at Kroon is out; August at Kroon and July at the Parc in
    assert (found["wagesCents"], found["premiumsCents"], found["totalCents"]) == (
        50_000, 1_000, 51_000)
    assert (found["ceilingCents"], found["ceilingConfirmed"], found["leftCents"],
            found["retiredFrom"]) == (1_800_000, False, 1_800_000 - 51_000, None)
    assert sorted(s["ticket"] for s in found["situations"]) == [AT_PARC, AUGUST]
    assert world.income(WORKER, 2025)["totalCents"] == 0
    assert world.income(WORKER, 2025)["ceilingConfirmed"] is True


def test_a_retired_flexi_jobber_has_no_ceiling(world):
    calc = calculation(150_000, None, "2026-09-01", "2026-09-30")
    world.writer.apply([decided(680725600018, block("create", calc, ssin=RETIRED), None,
                                _retired_state(calc))], None)
    found = world.income(RETIRED, 2026)
    assert (found["totalCents"], found["ceilingCents"], found["leftCents"],
            found["retiredFrom"]) == (150_000, None, None, "2020-01-01")


def _retired_state(calc):
    from tests.unit.situations import state
    return state(calc, ticket=680725600018, ssin=RETIRED)


def test_an_employers_transfers_filtered_paged_and_exported(world):
    def tickets(filters=None, page=None, employer="175110801") -> list:
        found = world.transfers(employer, filters or FlexiFilters(), page or Page())
        return [found["total"]] + [(i["ticket"], i["status"]) for i in found["items"]]

    every = [(680725500018, "A"), (MODIFY, "A"), (CANCEL, "A"), (REFUSED, "B"),
             (AUGUST, "A")]
    assert tickets() == [5, *every]  # by ticket; the Parc's is not Kroon's
    assert tickets(employer="0403170701") == tickets()
    assert tickets(employer="197100119") == [1, (AT_PARC, "A")]
    assert tickets(FlexiFilters(ssin="90050100151")) == [0]
    assert tickets(FlexiFilters(year=2025)) == [0]
    # calculation periods with a day from 15 August: the August payslip (its refused modify
    # shows the July period it declared)
    assert tickets(FlexiFilters(start_from=date(2026, 8, 15), start_to=date(2026, 9, 1))
                   ) == [1, (AUGUST, "A")]
    assert tickets(page=Page(limit=2, offset=1)) == [5, *every[1:3]]
    found = world.transfers("175110801", FlexiFilters(ssin=WORKER, year=2026))
    items = {i["ticket"]: i for i in found["items"]}
    assert found["criteria"] == {"ssin": WORKER, "year": 2026}
    assert (items[CANCEL]["cancelled"], items[CANCEL]["wagesCents"],
            items[CANCEL]["version"]) == (True, 5500, 3)
    assert (items[REFUSED]["anomalies"], items[REFUSED]["wagesCents"],
            items[REFUSED]["cancelled"]) == (["01907-008"], -1, None)
    assert (items[AUGUST]["familyName"], items[AUGUST]["relation"]) == (
        "Maes", {"uuid": OTHER, "reference": "contract-12"})
    header, *lines = csv_rows("flexi-wages", found["items"])
    first = dict(zip(header, lines[0], strict=True))
    assert (first["status"], first["ticket"], first["relationUuid"], first["capacities"],
            first["wagesCents"], first["premiumsCents"]) == (
        "A", 680725500018, RELATION, "-017/050-", 9400, 5000)


def test_a_transfer_is_pending_until_decided(world):
    intake = Intake(IntakeStore(world.pool))
    calc = calculation(7_000, None, "2026-09-01", "2026-09-30")
    flexi = block("create", calc, relation="018e32eb-0d2e-7792-bea7-ef3dc24b4999")
    [ticket] = intake.submit([Declaration.model_validate({"flexiWage": flexi})],
                             Principal("declarant", "0403170701"))
    found = world.transfers("175110801", FlexiFilters(ssin=WORKER))
    assert found["total"] == 6
    pending = found["items"][-1]
    assert (pending["ticket"], pending["status"], pending["result"], pending["year"],
            pending["wagesCents"], pending["familyName"]) == (
        ticket, "pending", None, 2026, 7_000, "Maes")
    assert world.transfers("175110801", FlexiFilters(year=2025))["total"] == 0
    assert world.transfers("175110801", FlexiFilters(), Page(limit=1, offset=5)
                           )["items"][0]["ticket"] == ticket
    assert world.transfers("197100119", FlexiFilters())["total"] == 1  # not the Parc's
    assert world.decision(ticket) is None
    from tests.unit.situations import state
    world.writer.apply([decided(ticket, flexi, None, state(calc, ticket=ticket, relation=(
        "018e32eb-0d2e-7792-bea7-ef3dc24b4999")))], None)
    found = world.transfers("175110801", FlexiFilters(ssin=WORKER))
    assert (found["total"], found["items"][-1]["status"]) == (6, "A")  # not twice
    answer = world.decision(ticket)
    assert (answer["answer"]["result"], answer["answer"]["situation"]["wagesCents"],
            answer["employerKey"], answer["declarant"]) == ("A", 7_000, "175110801",
                                                            "0403170701")


def test_a_ticket_answers_the_situation_after_or_before_when_refused(world):
    modified = world.decision(MODIFY)["answer"]
    assert (modified["ticket"], modified["action"], modified["result"],
            modified["anomalies"], modified["situationKey"]) == (MODIFY, "modify", "A", [],
                                                                 KEY)
    assert modified["situation"]["calculation"]["features"][0]["financialElements"] == [
        {"code": "0001001000", "amountCents": 5500}]
    refused = world.decision(REFUSED)["answer"]
    assert (refused["result"], refused["anomalies"][0]["code"],
            refused["situation"]["ticket"]) == ("B", "01907-008", AUGUST)
    assert world.decision(680725377630) is None  # a Dimona is no ticket


def test_a_flexi_jobbers_details_have_both_sections(world):
    found = world.worker("175110801", WORKER)
    assert found["worker"] == {"ssin": WORKER, "familyName": "Maes", "givenName": "Zoë"}
    assert [t["ticket"] for t in found["flexiAtWork"]] == [680725500018, MODIFY, CANCEL,
                                                            REFUSED, AUGUST]
    assert [(s["ticket"], s["cancelled"]) for s in found["situations"]] == [
        (CANCEL, True), (AUGUST, False)]
    assert [p["periodId"] for p in found["dimonaPeriods"]] == [680725377630]
    parc = world.worker("197100119", WORKER)
    assert ([t["ticket"] for t in parc["flexiAtWork"]], parc["dimonaPeriods"]) == (
        [AT_PARC], [])


def test_redelivery_and_late_old_versions_change_nothing(world):
    def shown() -> list:
        return [world.income(WORKER, 2026), world.worker("175110801", WORKER),
                world.transfers("175110801", FlexiFilters())]

    before = shown()
    world.writer.apply(history()[::-1], None)
    late = create().model_copy(update={"event_id": stable_id("late", 680725500018)})
    world.writer.apply([late], None)  # version 1 after version 3
    assert shown() == before
    assert sql(world.url, "SELECT ticket, version FROM register.flexi_situations WHERE "
               "situation_key = %s", (KEY,)) == [(CANCEL, 3)]


WORKERS = itertools.count(70_000_000_000)


@pytest.fixture(scope="module")
def shared(infra):
    url = infra.new_database()
    pool = open_pool(url)
    yield url, UpdateRegister(pool), FlexiViews(RegisterViews(pool))
    pool.close()


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(delivered=deliveries())
def test_the_counter_is_the_sum_of_the_current_accepted_situations(shared, delivered):
    """Any create/modify/cancel history of a few situations, delivered in batches with
    redeliveries and older versions after newer ones: the register's counter is the sum of
    the accepted situations' current amounts. Each example a worker of its own."""
    url, writer, views = shared
    decisions, batches = delivered
    ssin = f"{next(WORKERS):011d}"

    def own(d: DeclarationDecided) -> DeclarationDecided:
        return _for_worker(d, ssin)
    for batch in batches:
        writer.apply([own(d) for d in batch], None)
    latest: dict = {}
    for d in decisions:
        s = d.situation_after
        if d.result in ("A", "W") and (s.situation_key not in latest
                                       or latest[s.situation_key].version < s.version):
            latest[s.situation_key] = s
    expected = sum(s.wages_cents + s.premiums_cents for s in latest.values()
                   if not s.cancelled)
    assert views.income(ssin, 2026)["totalCents"] == expected


def _for_worker(d: DeclarationDecided, ssin: str) -> DeclarationDecided:
    """The same decision for another worker: its own situation keys and event id."""
    def moved(s):
        return s and s.model_copy(update={
            "ssin": ssin, "situation_key": s.situation_key.replace(WORKER, ssin)})
    flexi = d.declaration.flexi_wage
    declaration = d.declaration.model_copy(update={"flexi_wage": flexi.model_copy(update={
        "beneficiary": flexi.beneficiary.model_copy(update={"ssin": ssin})})})
    return d.model_copy(update={"event_id": stable_id("decided", ssin, d.event_id),
                                "declaration_id": d.declaration_id, "declaration": declaration,
                                "situation_before": moved(d.situation_before),
                                "situation_after": moved(d.situation_after)})
