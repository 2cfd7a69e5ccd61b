"""The daily registration's rules (issue 22; docs/rules.md, "Daily registration"): one test
per rule and code, on an in-memory context."""

import inspect
import re
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemas.catalogue import catalogue
from schemas.events import DeclarationDecided, RegistrationState
from services.directory.domain import SystemChoice
from services.validator.domain import REGISTRATION_RULES, RULES, decide, parties, result_of
from services.validator.domain.registrations import BLOCK
from tests.unit.factories import PARC, FakeContext, submitted
from tests.unit.rulebook import OTHER_SSIN, SSIN, codes, period, utc

KEY = "175110801"
PID = 680725377630  # the fixed worker's period (JC XXX, OTH), open since 2026-01-01
REG = 680725300001  # a registration recorded earlier on it
NUMBER = 680725400099  # the declaration decided
FIXED = period("OTH", start=date(2026, 1, 1), pid=PID)
CHOSEN = SystemChoice(employer_key=KEY, system="dimona", chosen_at=utc("2025-12-01 09:00"),
                      chosen_by="0403170701")


def block(action: str, **fields) -> dict:
    names = {"registration_id": "registrationId", "period_id": "periodId",
             "start_date": "startDate", "start_hour": "startHour", "end_date": "endDate",
             "end_hour": "endHour"}
    return {"dailyRegistration": {"action": action, **{
        names[k]: v for k, v in fields.items() if v is not None}}}


def create(**fields) -> dict:
    return block("create", **({"period_id": PID, "start_date": "2026-07-08",
                               "start_hour": "0800", "end_date": "2026-07-08",
                               "end_hour": "1630"} | fields))


def update(**fields) -> dict:
    return block("update", **({"registration_id": REG} | fields))


def cancel(**fields) -> dict:
    return block("cancel", **({"registration_id": REG} | fields))


def registered(start="2026-07-08", start_hour="0800", end=None, end_hour="1630",
               rid=REG, **kw) -> RegistrationState:
    return RegistrationState(
        registration_id=rid, period_id=kw.pop("period_id", PID), employer_key=KEY,
        ssin=kw.pop("ssin", SSIN), start_date=date.fromisoformat(start), start_hour=start_hour,
        end_date=date.fromisoformat(end or start), end_hour=end_hour, **kw)


def register(body: dict, *periods, registrations=(), choices=(CHOSEN,),
             at: str = "2026-07-07 10:00", **kw) -> DeclarationDecided:
    periods = periods or (FIXED,)
    ctx = FakeContext({p.period_id: p for p in periods}, registrations=registrations,
                      choices=choices)
    return decide(submitted(body, number=NUMBER, received=utc(at), **kw), ctx)


# --- the decision ---------------------------------------------------------------------------

def test_a_create_on_a_fixed_workers_period_opens_a_registration_under_its_number():
    d = register(create())
    assert (d.result, codes(d), d.declaration_type) == ("A", [], "DAILY_REGISTRATION")
    assert (d.registration_id, d.period_id, d.registration_before) == (NUMBER, PID, None)
    assert d.registration_after == registered(rid=NUMBER)
    assert (d.period_before, d.period_after) == (None, None)  # the period is unchanged
    assert d.to_result_json()["dailyRegistration"] == {"id": NUMBER, "periodId": PID}


def test_an_update_and_a_cancel_change_the_registration_they_name():
    d = register(update(end_hour="1700"), registrations=[registered()])
    assert (d.result, d.registration_id, d.period_id) == ("A", REG, PID)
    assert d.registration_before == registered()
    assert d.registration_after == registered(end_hour="1700", version=2)
    d = register(cancel(), registrations=[registered()])
    assert (d.result, d.registration_after) == ("A", registered(cancelled=True, version=2))


def test_a_refused_create_names_no_registration_a_refused_update_the_one_it_names():
    d = register(create(), choices=())
    assert (d.result, d.registration_id, d.period_id, d.registration_after) == (
        "B", None, None, None)
    assert "dailyRegistration" not in d.to_result_json()
    d = register(update(end_hour="0700"), registrations=[registered()])
    assert (d.result, d.registration_id, d.period_id) == ("B", REG, PID)
    assert (d.registration_before, d.registration_after) == (registered(), None)


# --- which fields each action needs (-001) or forbids (-005) --------------------------------

@pytest.mark.parametrize(("body", "code"), [
    (create(period_id=None), "00913-001"),
    (create(start_date=None), "00910-001"),
    (create(start_hour=None), "00777-001"),
    (create(end_date=None), "00911-001"),
    (create(registration_id=REG), "01085-005"),
    (update(registration_id=None, end_hour="1700"), "01085-001"),
    (update(period_id=PID, end_hour="1700"), "00913-005"),
    (cancel(registration_id=None), "01085-001"),
    (cancel(period_id=PID), "00913-005"),
    (cancel(start_date="2026-07-08"), "00910-005"),
    (cancel(start_hour="0800"), "00777-005"),
    (cancel(end_date="2026-07-08"), "00911-005"),
    (cancel(end_hour="1630"), "00778-005"),
])
def test_each_action_needs_and_forbids_its_fields(body, code):
    d = register(body, registrations=[registered()])
    assert d.result == "B" and codes(d)[0] == code


def test_the_end_hour_is_optional_in_a_create_and_every_date_and_hour_in_an_update():
    assert register(create(end_hour=None)).result == "A"
    for change in ({"start_hour": "0900"}, {"end_hour": "1700"},
                   {"start_date": "2026-07-09", "end_date": "2026-07-09"},
                   {"end_date": "2026-07-09", "end_hour": "0300", "start_hour": "2200"}):
        assert codes(register(update(**change), registrations=[registered()])) == [], change


# --- the declarant, the channel, the employer's system ------------------------------------

def test_a_declarant_without_the_employers_mandate_is_refused():
    assert codes(register(create(), declarant="0999999999")) == ["90256-155"]
    assert codes(register(create(), declarant="0477472701")) == []  # the secretariat


def test_an_employer_on_secured_channels_only_takes_no_registration_without_token():
    parc = period("OTH", start=date(2026, 1, 1), pid=PID).model_copy(
        update={"employer_key": PARC.key})
    chosen = CHOSEN.model_copy(update={"employer_key": PARC.key})
    d = register(create(), parc, choices=[chosen], declarant=None, channel="web-unsecured")
    assert codes(d) == ["90256-342"]


def test_without_the_dimona_system_chosen_by_the_reception_a_registration_is_refused():
    assert codes(register(create(), choices=())) == ["00913-461"]
    later = CHOSEN.model_copy(update={"chosen_at": utc("2026-07-07 10:01")})
    assert codes(register(create(), choices=[later], at="2026-07-07 10:00")) == ["00913-461"]
    assert codes(register(create(), choices=[later], at="2026-07-07 10:01")) == []
    both = CHOSEN.model_copy(update={"system": "dimona+cashRegister"})
    assert codes(register(create(), choices=[both])) == []
    other = CHOSEN.model_copy(update={"employer_key": PARC.key})
    assert codes(register(create(), choices=[other])) == ["00913-461"]


# --- the registration named, the period ----------------------------------------------------

def test_an_update_or_a_cancel_of_an_unknown_registration():
    assert codes(register(update(end_hour="1700"))) == ["01085-354"]
    assert codes(register(cancel())) == ["01085-354"]


def test_a_cancelled_registration_takes_no_update_and_no_second_cancel():
    gone = registered(cancelled=True, version=2)
    assert codes(register(update(end_hour="1700"), registrations=[gone])) == ["01085-355"]
    assert codes(register(cancel(), registrations=[gone])) == ["01085-355"]


def test_a_create_on_an_unknown_period():
    assert codes(register(create(period_id=680725999999))) == ["00913-354"]


def test_no_new_presence_on_a_cancelled_period_but_a_registration_may_be_cancelled():
    cancelled = FIXED.model_copy(update={"cancelled": True})
    assert codes(register(create(), cancelled)) == ["00913-355"]
    assert codes(register(update(end_hour="1700"), cancelled,
                          registrations=[registered()])) == ["00913-355"]
    assert codes(register(cancel(), cancelled, registrations=[registered()])) == []


@pytest.mark.parametrize("wt", ["EXT", "FLX", "STU", "IVT", "A17"])
def test_only_a_fixed_workers_period_takes_registrations(wt):
    other = period(wt, start=date(2026, 1, 1), end=date(2026, 12, 31), pid=PID)
    assert codes(register(create(), other)) == ["00913-462"]


def test_the_start_date_lies_within_the_period():
    closed = period("OTH", start=date(2026, 7, 1), end=date(2026, 7, 31), pid=PID)
    assert codes(register(create(start_date="2026-06-30", end_date="2026-06-30"),
                          closed)) == ["00913-462"]
    assert codes(register(create(start_date="2026-08-01", end_date="2026-08-01"),
                          closed, at="2026-08-02 10:00")) == ["00913-462"]
    assert codes(register(create(start_date="2026-07-01", end_date="2026-07-01"),
                          closed)) == []
    # its last night may end the next morning
    assert codes(register(create(start_date="2026-07-31", start_hour="2200",
                                 end_date="2026-08-01", end_hour="0300"), closed)) == []
    assert codes(register(update(start_date="2026-08-01", end_date="2026-08-01"), closed,
                          registrations=[registered()])) == ["00913-462"]


def test_no_deadline_a_registration_is_accepted_whatever_its_delay():
    assert codes(register(create(), at="2026-12-24 10:00")) == []  # months late
    assert codes(register(create(), at="2026-01-01 10:00")) == []  # months ahead


# --- dates and hours -------------------------------------------------------------------------

def test_dates_outside_the_dimona_domains():
    d = register(create(start_date="1919-12-31", end_date="1919-12-31"),
                 period("OTH", start=date(1900, 1, 1), pid=PID))
    assert codes(d)[:2] == ["00910-008", "00911-008"]
    assert "00911-008" in codes(register(create(end_date="2036-01-01")))


def test_an_end_date_before_the_start_date():
    assert codes(register(create(end_date="2026-07-07"))) == ["00911-014"]


def test_on_one_day_the_end_hour_follows_the_start_hour():
    assert codes(register(create(start_hour="1630", end_hour="0800"))) == ["00778-345"]
    assert codes(register(create(start_hour="0800", end_hour="0800"))) == ["00778-345"]
    assert codes(register(create(start_hour="2200", end_date="2026-07-09",
                                 end_hour="0300"))) == []  # over midnight


def test_at_most_24_hours_of_real_time():
    assert codes(register(create(end_date="2026-07-09", end_hour="0800"))) == []
    assert codes(register(create(end_date="2026-07-09", end_hour="0801"))) == ["90480-260"]
    # 24:30 on the wall clock, 23:30 in fact: the night the clocks go forward
    assert codes(register(create(start_date="2026-03-28", start_hour="2000",
                                 end_date="2026-03-29", end_hour="2030"),
                          at="2026-03-28 10:00")) == []
    # 23:30 on the wall clock, 24:30 in fact: the night the clocks go back
    assert codes(register(create(start_date="2026-10-24", start_hour="2000",
                                 end_date="2026-10-25", end_hour="1930"),
                          at="2026-10-24 10:00")) == ["90480-260"]


def test_without_end_hour_the_end_date_is_the_start_date_or_the_next_day():
    assert codes(register(create(end_hour=None, end_date="2026-07-09"))) == []
    assert codes(register(create(end_hour=None, end_date="2026-07-10"))) == ["90480-260"]


def test_an_update_that_changes_nothing():
    assert codes(register(update(), registrations=[registered()])) == ["90480-444"]
    assert codes(register(update(end_hour="1630", start_hour="0800"),
                          registrations=[registered()])) == ["90480-444"]


# --- overlaps --------------------------------------------------------------------------------

@pytest.mark.parametrize(("new", "existing", "overlaps"), [
    ({"start_hour": "1600", "end_hour": "2000"}, registered(), True),
    ({"start_hour": "1630", "end_hour": "2000"}, registered(), False),  # touching
    ({"start_hour": "0600", "end_hour": "0800"}, registered(), False),  # touching
    ({"start_hour": "0900", "end_hour": "1000"}, registered(), True),  # inside
    ({"start_hour": "1000", "end_hour": None}, registered(), True),  # a moment inside
    ({"start_hour": "0800", "end_hour": None}, registered(), True),  # at its start
    ({"start_hour": "1630", "end_hour": None}, registered(), False),  # at its end
    ({"start_hour": "1000", "end_hour": None}, registered(start_hour="1000", end_hour=None),
     True),  # the same moment
    ({"start_hour": "1100", "end_hour": "1200"}, registered(start_hour="1000", end_hour=None),
     False),
    ({"start_hour": "0100", "end_hour": "0500"},  # the end of last night's shift
     registered(start="2026-07-07", start_hour="2200", end="2026-07-08", end_hour="0200"),
     True),
])
def test_two_presences_of_one_worker_for_one_employer_may_not_overlap(new, existing,
                                                                      overlaps):
    d = register(create(**new), registrations=[existing])
    assert (codes(d) == ["90480-334"]) is overlaps


def test_cancelled_registrations_others_workers_and_the_registration_itself_do_not_count():
    clash = create(start_hour="0900", end_hour="1000")
    assert codes(register(clash, registrations=[registered(cancelled=True)])) == []
    assert codes(register(clash, registrations=[registered(ssin=OTHER_SSIN)])) == []
    old = period("OTH", start=date(2026, 1, 1), end=date(2026, 6, 30), pid=680725300100,
                 cancelled=True)
    on_cancelled = registered(period_id=old.period_id)
    assert codes(register(clash, FIXED, old, registrations=[on_cancelled])) == []
    assert codes(register(update(end_hour="1700"), registrations=[registered()])) == []


def test_an_update_that_moves_onto_another_presence():
    evening = registered(rid=REG + 100, start_hour="1800", end_hour="2200")
    d = register(update(end_hour="1900"), registrations=[registered(), evening])
    assert codes(d) == ["90480-334"]


# --- the rulebook ----------------------------------------------------------------------------

def test_the_registrations_rules_are_their_own_and_every_code_is_in_the_catalogue():
    assert set(REGISTRATION_RULES) & set(RULES) == {parties.no_mandate,
                                                    parties.secured_channel_only}
    source = "".join(inspect.getsource(m) for m in
                     {inspect.getmodule(r) for r in REGISTRATION_RULES})
    literal = set(re.findall(r'"(\d{5}-\d{3})"', source))
    by_block = {f"{BLOCK}-{n}" for n in re.findall(r"\{BLOCK\}-(\d{3})", source)}
    zones = set(re.findall(r'_presence\(case, "\w+", "(\d{5})"\)', source))
    presence = {f"{z}-{e}" for z in zones for e in ("001", "005")}
    assert by_block == {"90480-260", "90480-334", "90480-444"} and len(zones) == 6
    assert sorted((literal | by_block | presence) - set(catalogue())) == []


DATES = st.dates(date(2025, 1, 1), date(2027, 12, 31)).map(date.isoformat)
HOURS = st.sampled_from(["0000", "0159", "0230", "0800", "1630", "2359"])
BODIES = st.builds(
    block, st.sampled_from(["create", "update", "cancel"]),
    registration_id=st.sampled_from([None, REG, NUMBER + 100]),
    period_id=st.sampled_from([None, PID, 680725999999]),
    start_date=st.none() | DATES, start_hour=st.none() | HOURS,
    end_date=st.none() | DATES, end_hour=st.none() | HOURS)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=BODIES, chosen=st.booleans())
def test_any_registration_gets_a_consistent_decision(body, chosen):
    d = register(body, registrations=[registered()], choices=[CHOSEN] if chosen else ())
    assert d.result in ("A", "B") and d.result == result_of(d.anomalies)
    assert (d.registration_after is None) == (d.result == "B")
    if d.result == "A":
        assert d.registration_id == d.registration_after.registration_id
        assert d.period_id == d.registration_after.period_id == PID
    assert d == register(body, registrations=[registered()],
                         choices=[CHOSEN] if chosen else ())
