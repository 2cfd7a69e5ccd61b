"""The register's routes over fakes: an employer's register is read by the employer, its
mandataries and auditors; anyone else gets 404, as if it did not exist."""

import pytest

from services.projections.application import BadQuery
from services.projections.domain import quarter_bounds
from tests.unit.api.fakes import AUDITOR, KROON, NOBODY, PARC, app_with, fake_readers

ITEMS = [{"periodId": 1, "ssin": "85073003328", "familyName": "Claes", "givenName": "Stefan",
          "jointCommissionNumber": "XXX", "workerType": "FLX", "startDate": "2026-06-02",
          "startHour": "18:03", "endDate": "2026-06-03", "endHour": "05:03",
          "plannedHoursNumber": None, "cancelled": False}]


class Register:
    """RegisterViews over Kroon's register (NSSO 175110801)."""

    def __init__(self) -> None:
        self.searches: list[tuple] = []

    def search(self, presentation, employer, filters, page, month):
        if presentation == "monthly" and month is None:
            raise BadQuery("the monthly overview needs a month (YYYY-MM)")
        self.searches.append((presentation, employer, filters, page, month))
        return {"employer": {"name": "Kroon"}, "criteria": {}, "total": 7,
                "offset": page.offset, "limit": page.limit, "items": ITEMS}

    def period(self, period_id):
        return {"period": {"employerKey": "175110801", "periodId": 1}} if period_id == 1 \
            else None

    def declaration(self, declaration_id):
        if declaration_id != 2:
            return None
        return {"technical": {"declarant": "0477472701"}, "employerKey": "175110801"}

    def quotas(self, employer, year, ssin):
        return {"year": year, "ssin": ssin}

    def registrations(self, employer, filters, page):
        self.searches.append(("registrations", employer, filters, page, None))
        return {"employer": {"name": "Kroon"}, "criteria": {}, "total": 3,
                "offset": page.offset, "limit": page.limit, "items": [REGISTRATION]}

    def presence(self, employer, quarter):
        quarter_bounds(quarter)  # BadQuery as the register's
        self.searches.append(("presence", employer, None, None, quarter))
        return {"quarter": quarter, "workers": [{
            "ssin": "85073003328", "familyName": "Claes", "givenName": "Stefan",
            "periodIds": [1], "totalDays": 1, "totalHours": 8.0, "days": [
                {"date": "2026-07-08", "hours": 8.0, "registrations": 1, "open": False}]}]}


REGISTRATION = {"registrationId": 5, "periodId": 1, "ssin": "85073003328", "status": "active",
                "startDate": "2026-07-08", "startHour": "1800", "endDate": "2026-07-09",
                "endHour": "0200", "cancelled": False, "hours": 8.0}


@pytest.fixture
def register():
    return Register()


@pytest.fixture
def client(register):
    return app_with(fake_readers(register=register))[1]


READERS = [(KROON, 200), (AUDITOR, 200), (PARC, 404), (NOBODY, 401)]


@pytest.mark.parametrize(("headers", "status"), READERS)
def test_a_search_is_scoped_to_the_employers_the_token_may_read(client, headers, status):
    answer = client.get("/register/periods?employer=175110801", headers=headers)
    assert answer.status_code == status
    if status == 404:
        assert answer.json()["detail"] == "no register of employer 175110801 for this token"


def test_the_filters_and_the_page_reach_the_register(client, register):
    answer = client.get("/register/workers?employer=0403170701&from=2026-06-01&to=2026-06-30"
                        "&jc=XXX&workerType=FLX&excludeCancelled=true&limit=5&offset=10",
                        headers=KROON)
    assert answer.status_code == 200 and answer.json()["total"] == 7
    [(presentation, employer, filters, page, month)] = register.searches
    assert (presentation, employer, month) == ("workers", "0403170701", None)
    assert (str(filters.active_from), str(filters.active_to), filters.worker_type,
            filters.exclude_cancelled) == ("2026-06-01", "2026-06-30", "FLX", True)
    assert (page.limit, page.offset) == (5, 10)


def test_a_search_as_csv_counts_every_match(client):
    answer = client.get("/register/periods?employer=175110801&format=csv", headers=KROON)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert answer.headers["X-Total-Count"] == "7"
    assert answer.headers["Content-Disposition"] == 'attachment; filename="periods.csv"'
    assert "85073003328" in answer.text and len(answer.text.splitlines()) == 2


@pytest.mark.parametrize("query", [
    "/register/monthly?employer=175110801",  # BadQuery: no month
    "/register/monthly?employer=175110801&month=2026-6",
    "/register/shifts?employer=175110801", "/register/periods",
    "/register/periods?employer=175110801&limit=0",
    "/register/periods?employer=175110801&format=xml"])
def test_a_wrong_search_is_a_problem(client, query):
    answer = client.get(query, headers=KROON)
    assert answer.status_code == 400
    assert answer.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(("headers", "status"), READERS)
def test_a_period_and_a_declaration_are_scoped_by_their_employer(client, headers, status):
    assert client.get("/register/periods/1", headers=headers).status_code == status
    assert client.get("/register/declarations/2", headers=headers).status_code == status
    assert client.get("/register/quotas/175110801", headers=headers).status_code == status


def test_unknown_details_are_not_found(client):
    assert client.get("/register/periods/9", headers=AUDITOR).status_code == 404
    assert client.get("/register/declarations/9", headers=AUDITOR).status_code == 404
    assert client.get("/register/periods/-1", headers=AUDITOR).status_code == 400


def test_quotas_of_a_year_or_of_this_one(client):
    answer = client.get("/register/quotas/175110801?year=2026&ssin=85073003328",
                        headers=KROON)
    assert answer.json() == {"year": 2026, "ssin": "85073003328"}
    assert client.get("/register/quotas/175110801", headers=KROON).json()["year"] >= 2026
    assert client.get("/register/quotas/175110801?year=1800", headers=KROON
                      ).status_code == 400


# Daily registrations (issue 22) ----------------------------------------------------------

@pytest.mark.parametrize(("headers", "status"), READERS)
def test_registrations_and_presence_are_scoped_to_the_employers_the_token_may_read(
        client, headers, status):
    assert client.get("/register/registrations?employer=175110801", headers=headers
                      ).status_code == status
    assert client.get("/register/presence?employer=175110801&quarter=2026Q3",
                      headers=headers).status_code == status


def test_the_registrations_filters_and_page_reach_the_register(client, register):
    answer = client.get("/register/registrations?employer=0403170701&period=1"
                        "&from=2026-07-01&to=2026-07-31&limit=5&offset=10", headers=KROON)
    assert answer.status_code == 200 and answer.json()["items"] == [REGISTRATION]
    [(name, employer, filters, page, _)] = register.searches
    assert (name, employer, filters.period_id, str(filters.start_from),
            str(filters.start_to), page.limit, page.offset) == (
        "registrations", "0403170701", 1, "2026-07-01", "2026-07-31", 5, 10)


def test_registrations_and_presence_as_csv(client):
    listed = client.get("/register/registrations?employer=175110801&format=csv",
                        headers=KROON)
    assert listed.headers["X-Total-Count"] == "3"
    assert listed.headers["Content-Disposition"] == (
        'attachment; filename="registrations.csv"')
    assert listed.text.splitlines()[0].startswith(
        "status,registrationId,receivedAt,startDate,startAt,endDate,endAt,cancelled")
    presence = client.get("/register/presence?employer=175110801&quarter=2026Q3&format=csv",
                          headers=KROON)
    assert presence.headers["X-Total-Count"] == "1"
    assert presence.text.splitlines() == [
        "ssin,familyName,givenName,periodIds,date,hours,registrations,open",
        "85073003328,Claes,Stefan,-1-,2026-07-08,8.0,1,False"]


@pytest.mark.parametrize("query", [
    "/register/presence?employer=175110801",  # no quarter
    "/register/presence?employer=175110801&quarter=2026Q5",
    "/register/presence?employer=175110801&quarter=2026-07",
    "/register/registrations?employer=175110801&from=2026-07-01",  # no `to`
    "/register/registrations?employer=175110801&from=2026-07-02&to=2026-07-01",
    "/register/registrations", "/register/registrations?employer=175110801&limit=0"])
def test_a_wrong_registrations_or_presence_query_is_a_problem(client, query):
    answer = client.get(query, headers=KROON)
    assert answer.status_code == 400, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
