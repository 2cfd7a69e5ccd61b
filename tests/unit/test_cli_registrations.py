"""`dimona register registrations|presence` and the period's registrations (issue 22): JSON,
CSV and tables for people, over the fixed answers of tests/unit/test_cli_output.py's fake
client."""

import csv
import io
import json

import pytest

from tests.unit.test_cli_output import EMPLOYER, PERIOD_DETAIL, FakeRegister, run  # noqa: F401

ROW = {"status": "active", "registrationId": 680725400018, "receivedAt":
       "2026-07-08T17:00:00+02:00", "startDate": "2026-07-08", "startHour": "1800",
       "startAt": "2026-07-08T18:00:00+02:00", "endDate": "2026-07-09", "endHour": "0200",
       "endAt": "2026-07-09T02:00:00+02:00", "cancelled": False, "hours": 8.0,
       "periodId": 680725377630, "ssin": "85073003328", "familyName": "Maes",
       "givenName": "Zoë", "version": 2, "lastDeclarationId": 680725400117,
       "lastDeclarationAt": "2026-07-08T18:00:00+02:00"}
PRESENCE = {"employer": EMPLOYER, "quarter": "2026Q3", "from": "2026-07-01",
            "to": "2026-09-30", "totals": {"workers": 1, "days": 2, "hours": 8.0},
            "workers": [{"ssin": "85073003328", "familyName": "Maes", "givenName": "Zoë",
                         "periodIds": [680725377630], "totalDays": 2, "totalHours": 8.0,
                         "days": [{"date": "2026-07-08", "hours": 8.0, "registrations": 1,
                                   "open": False},
                                  {"date": "2026-07-10", "hours": 0.0, "registrations": 1,
                                   "open": True}]}]}


@pytest.fixture(autouse=True)
def registrations(monkeypatch):
    asked = []

    def listed(self, employer, filters, page):
        asked.append((employer, filters, page))
        return {"employer": EMPLOYER, "criteria": {"periodId": filters.period_id},
                "total": 1, "offset": page.offset, "limit": page.limit, "items": [ROW]}

    def presence(self, employer, quarter):
        from services.projections.domain import quarter_bounds
        quarter_bounds(quarter)
        return PRESENCE

    def period(self, period_id):
        return {**PERIOD_DETAIL, "registrations": [ROW]} if period_id == 11 else None
    monkeypatch.setattr(FakeRegister, "registrations", listed, raising=False)
    monkeypatch.setattr(FakeRegister, "presence", presence, raising=False)
    monkeypatch.setattr(FakeRegister, "period", period)
    return asked


def test_registrations_as_json_csv_and_a_table(run, registrations):  # noqa: F811
    as_json = run("register", "registrations", "--employer", "175110801", "--period",
                  "680725377630", "--from", "2026-07-01", "--to", "2026-07-31",
                  "--limit", "5", "--json")
    assert as_json.exit_code == 0 and json.loads(as_json.output) == [ROW]
    [(employer, filters, page)] = registrations
    assert (employer, filters.period_id, str(filters.start_from), str(filters.start_to),
            page.limit, page.offset) == ("175110801", 680725377630, "2026-07-01",
                                         "2026-07-31", 5, 0)
    rows = list(csv.reader(io.StringIO(run("register", "registrations", "--employer",
                                           "175110801", "--csv").output)))
    assert rows[0][:8] == ["status", "registrationId", "receivedAt", "startDate", "startAt",
                           "endDate", "endAt", "cancelled"]
    assert rows[1][:2] == ["active", "680725400018"] and len(rows) == 2
    shown = run("register", "registrations", "--employer", "175110801").output
    for text in ("680725400018", "Maes Zoë", "2026-07-09T02:00:00+02:00", "8.0",
                 "1 to 1 of 1 results", "Brasserie Zoë"):
        assert text in shown


def test_presence_as_json_csv_and_a_table(run):  # noqa: F811
    assert json.loads(run("register", "presence", "--employer", "175110801", "--quarter",
                          "2026Q3", "--json").output) == PRESENCE
    assert run("register", "presence", "--employer", "175110801", "--quarter", "2026Q3",
               "--csv").output.splitlines() == [
        "ssin,familyName,givenName,periodIds,date,hours,registrations,open",
        "85073003328,Maes,Zoë,-680725377630-,2026-07-08,8.0,1,False",
        "85073003328,Maes,Zoë,-680725377630-,2026-07-10,0.0,1,True"]
    shown = run("register", "presence", "--employer", "175110801", "--quarter",
                "2026Q3").output
    for text in ("2026Q3 (2026-07-01 to 2026-09-30)", "2026-07-10", "open", "2 days",
                 "periods 680725377630", "1 workers, 2 days, 8.0 hours"):
        assert text in shown


@pytest.mark.parametrize("args", [
    ("presence", "--employer", "175110801", "--quarter", "2026-07"),
    ("presence", "--employer", "175110801", "--quarter", "2026Q3", "--json", "--csv"),
    ("registrations", "--employer", "175110801", "--json", "--csv")])
def test_a_wrong_query_is_a_usage_error(run, args):  # noqa: F811
    done = run("register", *args)
    assert done.exit_code == 2


def test_the_period_shows_its_daily_registrations(run):  # noqa: F811
    shown = run("register", "period", "11").output
    assert "Daily registrations:" in shown and "680725400018" in shown
    assert "2026-07-08T18:00:00+02:00" in shown
