"""Flexi at work in the register, as pure functions (issue 23): the rows a batch of decisions
writes (register.flexi_situations, the declaration rows), a transfer as the lists show it,
the search's filters, the CSV export and the income counter against the ceiling."""

import json
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.ceilings import Ceiling, ceilings, flexi_ceiling
from services.projections.domain import csv_rows
from services.projections.flexi import (
    BadFlexiQuery,
    FlexiFilters,
    declared_totals,
    euros,
    income,
    transfer,
)
from services.projections.projection import Rows
from tests.unit.situations import (
    RELATION,
    WORKER,
    block,
    calculation,
    cancel,
    create,
    decided,
    modify,
    state,
)

KEY = f"175110801:{WORKER}:{RELATION}"
CEILING = Ceiling(fromYear=2026, amountCents=1_800_000, confirmed=False, source="indexed")


def situation_row(rows: Rows) -> dict:
    [row] = rows.situations
    names = ("situation_key, ticket, debtor_key, ssin, relation_uuid, relation_reference, "
             "payslip_reference, year, start_date, end_date, calculation_date, wages_cents, "
             "premiums_cents, capacities, cancelled, version, received_at").split(", ")
    return dict(zip(names, row, strict=True))


def test_a_create_is_one_situation_row_and_one_declaration_row():
    made = create()
    rows = Rows.of([made])
    row = situation_row(rows)
    assert (row["situation_key"], row["ticket"], row["debtor_key"], row["ssin"],
            row["year"], row["wages_cents"], row["premiums_cents"], row["cancelled"],
            row["version"]) == (KEY, made.declaration_id, "175110801", WORKER, 2026, 9400,
                                5000, False, 1)
    assert (row["start_date"], row["end_date"], row["calculation_date"]) == (
        date(2026, 7, 1), date(2026, 7, 31), date(2026, 8, 2))
    assert json.loads(row["capacities"]) == calculation()["features"]
    assert row["received_at"] == made.received_at
    [declaration] = rows.declarations
    assert declaration[1:3] == ("FLEXI_WAGE", "A")
    assert declaration[6] == WORKER  # the beneficiary's SSIN
    assert declaration[-2] == KEY
    assert json.loads(declaration[-1])["ticket"] == made.declaration_id
    assert (rows.periods, rows.registrations) == ([], [])


def test_a_modify_replaces_and_a_cancel_keeps_the_situation_cancelled():
    made = create()
    changed = modify(680725500117, made.situation_after, calculation(5500, None))
    gone = cancel(680725500216, changed.situation_after)
    assert situation_row(Rows.of([made, changed]))["wages_cents"] == 5500
    row = situation_row(Rows.of([gone, made, changed]))  # newest version wins in a batch
    assert (row["ticket"], row["cancelled"], row["version"], row["wages_cents"]) == (
        680725500216, True, 3, 5500)


def test_a_refused_decision_is_a_declaration_row_and_no_situation_row():
    made = create()
    refused = modify(680725500117, made.situation_after, calculation(-1, None), result="B",
                     codes=("00024-152",))
    rows = Rows.of([refused])
    assert rows.situations == []
    [declaration] = rows.declarations
    assert declaration[2] == "B"
    assert json.loads(declaration[-1])["ticket"] == made.declaration_id  # the state before
    never = decided(680725500315, block("create", calculation()), None, None, result="B")
    assert Rows.of([never]).declarations[0][-1] is None


def test_a_notification_row_keeps_the_situation_before_and_after():
    from services.notifier.domain import sent
    from services.projections.projection import notification_rows
    made = create()
    changed = modify(680725500117, made.situation_after, calculation(5500, None))
    [row] = notification_rows([sent(changed, "ebox", "0403170701", changed.received_at)])
    before, after = (json.loads(side) for side in row[-2:])
    assert (before["wagesCents"], after["wagesCents"], after["version"]) == (9400, 5500, 2)
    dimona = notification_rows([sent(changed.model_copy(update={
        "situation_before": None, "situation_after": None}), "ebox", "x", made.received_at)])
    assert dimona[0][-2:] == (None, None)


def decided_row(d, situation=None) -> dict:
    """A decided transfer as services.projections.queries reads it."""
    return {"ticket": d.declaration_id, "declared": d.declaration.flexi_wage.to_json_dict(),
            "receivedAt": "2026-08-03T10:00:00+02:00", "result": d.result,
            "anomalies": [a.to_result_json() for a in d.anomalies], "situation": situation}


def test_a_transfer_shows_what_it_set_or_what_it_declared():
    from services.projections.projection import situation_json
    made = create()
    accepted = transfer(**_args(decided_row(made, situation_json(made.situation_after))))
    assert (accepted["status"], accepted["action"], accepted["situationKey"],
            accepted["relation"], accepted["year"], accepted["startDate"],
            accepted["wagesCents"], accepted["premiumsCents"], accepted["totalCents"],
            accepted["cancelled"], accepted["version"]) == (
        "A", "create", KEY, {"uuid": RELATION, "reference": "contract-12"}, 2026,
        "2026-07-01", 9400, 5000, 14400, False, 1)
    refused = modify(680725500117, made.situation_after, calculation(7700, 100, "2026-09-01",
                                                                     "2026-09-30"),
                     result="B", codes=("00024-152",))
    shown = transfer(**_args(decided_row(refused, situation_json(made.situation_after))))
    assert (shown["status"], shown["anomalies"], shown["startDate"], shown["wagesCents"],
            shown["premiumsCents"], shown["cancelled"]) == (
        "B", ["00024-152"], "2026-09-01", 7700, 100, None)
    refused_cancel = cancel(680725500216, made.situation_after, result="B")
    shown = transfer(**_args(decided_row(refused_cancel,
                                         situation_json(made.situation_after))))
    assert (shown["action"], shown["startDate"], shown["year"], shown["wagesCents"]) == (
        "cancel", "2026-07-01", 2026, 9400)
    pending = transfer(680725500414, block("create", calculation(1000, None)),
                       "2026-08-04T10:00:00+02:00", None)
    assert (pending["status"], pending["result"], pending["year"], pending["wagesCents"],
            pending["version"]) == ("pending", None, 2026, 1000, None)


def _args(row: dict) -> dict:
    return {"ticket": row["ticket"], "declared": row["declared"],
            "received_at": row["receivedAt"], "result": row["result"],
            "anomalies": row["anomalies"], "situation": row["situation"]}


def test_the_filters_select_a_worker_a_year_and_calculation_periods():
    item = transfer(1, block("create", calculation()), "2026-08-04T10:00:00+02:00", None)
    assert FlexiFilters().matches(item)
    assert FlexiFilters(ssin=WORKER, year=2026).matches(item)
    assert not FlexiFilters(ssin="90050100151").matches(item)
    assert not FlexiFilters(year=2025).matches(item)
    assert FlexiFilters(start_from=date(2026, 7, 31), start_to=date(2026, 8, 15)).matches(item)
    assert not FlexiFilters(start_from=date(2026, 8, 1), start_to=date(2026, 8, 15)
                            ).matches(item)
    assert FlexiFilters(ssin=WORKER, year=2026, start_from=date(2026, 1, 1),
                        start_to=date(2026, 1, 2)).criteria() == {
        "ssin": WORKER, "year": 2026, "from": "2026-01-01", "to": "2026-01-02"}
    with pytest.raises(BadFlexiQuery):
        FlexiFilters(start_from=date(2026, 1, 1))
    with pytest.raises(BadFlexiQuery):
        FlexiFilters(start_from=date(2026, 2, 1), start_to=date(2026, 1, 1))


def test_the_csv_export_has_one_row_per_transfer():
    item = transfer(7, block("create", calculation()), "2026-08-04T10:00:00+02:00", None)
    header, row = csv_rows("flexi-wages", [item])
    found = dict(zip(header, row, strict=True))
    assert (found["status"], found["ticket"], found["relationUuid"],
            found["relationReference"], found["capacities"], found["wagesCents"],
            found["premiumsCents"], found["cancelled"], found["anomalies"]) == (
        "pending", 7, RELATION, "contract-12", "-017/050-", 9400, 5000, "", "")


def test_declared_totals_sum_each_code_over_the_capacities():
    calc = calculation(9400, 5000)
    calc["features"].append({"employerCategory": "017", "workerCode": "450",
                             "financialElements": [{"code": "0001001000", "amountCents": 100},
                                                   {"code": "0001001000"}]})
    assert declared_totals(calc) == (9500, 5000)
    assert declared_totals(None) == (0, 0)


def counted(wages: int, premiums: int = 0, *, year: int = 2026, start: str = "2026-07-01",
            cancelled: bool = False, key: str = "k") -> dict:
    return {"situationKey": key, "wagesCents": wages, "premiumsCents": premiums,
            "year": year, "startDate": start, "cancelled": cancelled}


def test_the_income_counts_every_situation_not_cancelled_of_the_year():
    found = income([counted(9400, 5000), counted(5500, key="b"),
                    counted(100_000, cancelled=True, key="c"), counted(7, year=2025, key="d")],
                   WORKER, 2026, CEILING)
    assert (found["wagesCents"], found["premiumsCents"], found["totalCents"],
            found["ceilingCents"], found["ceilingConfirmed"], found["leftCents"],
            found["exceededCents"]) == (14900, 5000, 19900, 1_800_000, False,
                                        1_800_000 - 19900, 0)
    assert [s["situationKey"] for s in found["situations"]] == ["k", "b"]
    over = income([counted(1_700_000, 200_000)], WORKER, 2026, CEILING)
    assert (over["leftCents"], over["exceededCents"]) == (0, 100_000)
    unknown = income([counted(1)], WORKER, 2023, None)
    assert (unknown["ceilingCents"], unknown["leftCents"], unknown["ceilingConfirmed"]) == (
        None, None, None)


def test_a_retired_flexi_jobber_has_no_ceiling_from_the_work_in_retirement_on():
    whole_year = income([counted(150_000)], WORKER, 2026, CEILING, date(2025, 6, 1))
    assert (whole_year["totalCents"], whole_year["ceilingCents"], whole_year["leftCents"],
            whole_year["retiredFrom"]) == (150_000, None, None, "2025-06-01")
    mid_year = income([counted(10_000, start="2026-05-01", key="may"),
                       counted(20_000, start="2026-07-01", key="july")],
                      WORKER, 2026, CEILING, date(2026, 7, 1))
    assert (mid_year["totalCents"], mid_year["subjectCents"], mid_year["ceilingCents"],
            mid_year["leftCents"]) == (30_000, 10_000, 1_800_000, 1_790_000)
    assert [s["retired"] for s in mid_year["situations"]] == [False, True]


def test_the_ceilings_of_the_data_file():
    assert [(c.from_year, c.amount_cents, c.confirmed) for c in ceilings()] == [
        (2024, 1_200_000, True), (2025, 1_800_000, True), (2026, 1_800_000, False)]
    assert flexi_ceiling(2023) is None
    assert flexi_ceiling(2024).amount_cents == 1_200_000
    assert flexi_ceiling(2031).confirmed is False
    assert "NOT CONFIRMED" in flexi_ceiling(2027).source


def test_euros_for_people():
    assert [euros(c) for c in (9400, 5, 123_456_78, -250, None)] == [
        "94.00", "0.05", "123,456.78", "-2.50", "-"]


# The property: whatever the order and the redeliveries, the counter is the sum of the
# accepted situations' current amounts. The register's merge is modelled here (only moving
# forward by version, each event applied once); tests/integration/test_flexi_register.py
# checks the same property on the real PostgreSQL.

AMOUNTS = st.integers(min_value=0, max_value=500_000)
STEP = st.tuples(st.sampled_from(["modify", "cancel", "refused"]), AMOUNTS, AMOUNTS)


def histories(draw_steps: list, relation: str, first_ticket: int) -> list:
    """The decisions of one situation: a create, then modify/cancel/refused steps (after a
    cancel, a modify step creates the situation again, as the validator allows)."""
    calc = calculation(draw_steps[0][1], draw_steps[0][2])
    made = decided(first_ticket, block("create", calc, relation=relation), None,
                   state(calc, ticket=first_ticket, relation=relation))
    decisions, current = [made], made.situation_after
    for n, (kind, wages, premiums) in enumerate(draw_steps[1:], 1):
        ticket = first_ticket + n
        calc = calculation(wages, premiums)
        if kind == "modify":
            after = state(calc, ticket=ticket, relation=relation, version=current.version + 1)
            action = "create" if current.cancelled else "modify"
            decisions.append(decided(ticket, block(action, calc, relation=relation),
                                     current, after))
            current = after
        elif kind == "cancel" and not current.cancelled:
            after = current.model_copy(update={"ticket": ticket, "cancelled": True,
                                               "version": current.version + 1})
            decisions.append(decided(ticket, block("cancel", relation=relation), current,
                                     after))
            current = after
        else:
            decisions.append(decided(ticket, block("modify", calc, relation=relation),
                                     current, None, result="B"))
    return decisions


@st.composite
def deliveries(draw):
    """Decisions of a few situations of one worker, delivered in batches: redeliveries,
    and older versions after newer ones."""
    relations = [f"018e32eb-0d2e-7792-bea7-ef3dc24b40{n:02x}" for n in range(
        draw(st.integers(1, 3)))]
    decisions = [d for i, r in enumerate(relations) for d in histories(
        draw(st.lists(STEP, min_size=1, max_size=5)), r, 680725600000 + 100 * i)]
    order = draw(st.lists(st.sampled_from(decisions), min_size=len(decisions),
                          max_size=3 * len(decisions)))
    order = order + decisions  # every decision arrives at least once
    sizes = draw(st.lists(st.integers(1, 4), min_size=len(order), max_size=len(order)))
    batches, at = [], 0
    for size in sizes:
        if at < len(order):
            batches.append(order[at:at + size])
            at += size
    return decisions, batches


def apply_model(batches) -> dict[str, dict]:
    """The register's merge: each event once; a situation row only moves forward."""
    seen, rows = set(), {}
    for batch in batches:
        fresh = [d for d in {d.event_id: d for d in batch}.values() if d.event_id not in seen]
        seen |= {d.event_id for d in fresh}
        for row in Rows.of(fresh).situations:
            key, version = row[0], row[15]
            if key not in rows or rows[key]["version"] < version:
                rows[key] = {"situationKey": key, "wagesCents": row[11],
                             "premiumsCents": row[12], "year": row[7],
                             "startDate": row[8].isoformat(), "cancelled": row[14],
                             "version": version}
    return rows


@settings(max_examples=200, deadline=None)
@given(deliveries())
def test_the_counter_is_the_sum_of_the_current_accepted_situations(delivered):
    decisions, batches = delivered
    found = income(apply_model(batches).values(), WORKER, 2026, CEILING)
    latest = {}
    for d in decisions:
        s = d.situation_after
        if d.result in ("A", "W") and (s.situation_key not in latest
                                       or latest[s.situation_key].version < s.version):
            latest[s.situation_key] = s
    expected = sum(s.wages_cents + s.premiums_cents for s in latest.values()
                   if not s.cancelled)
    assert found["totalCents"] == expected
