"""Builders of events for unit tests."""

from datetime import UTC, datetime

from schemas.declaration import Declaration
from schemas.events import DeclarationSubmitted, PeriodState, stable_id
from services.directory.domain import DirectoryEmployer, EmployerIndex

RECEIVED = datetime(2026, 7, 8, 6, 30, tzinfo=UTC)
KROON = DirectoryEmployer(employer_id=175110801, enterprise_number="0403170701",
                          name="Brasserie De Kroon")
IN = {"employer": {"employerId": 175110801}, "worker": {"ssin": "85073003328"},
      "dimonaIn": {"startDate": "2026-07-08", "startHour": "0800", "endDate": "2026-07-08",
                   "endHour": "1400",
                   "features": {"jointCommissionNumber": "XXX", "workerType": "FLX"}}}


def submitted(body: dict, number: int = 680725377630, employer_key: str = "175110801",
              declarant: str | None = "0403170701") -> DeclarationSubmitted:
    return DeclarationSubmitted(
        event_id=stable_id("submitted", number), occurred_at=RECEIVED,
        correlation_id=str(number), declaration_id=number, employer_key=employer_key,
        received_at=RECEIVED, channel="webservice", declarant=declarant,
        declaration=Declaration.model_validate(body))


class FakeContext:
    def __init__(self, periods: dict[int, PeriodState] | None = None,
                 employers: list[DirectoryEmployer] = (KROON,)):
        self.employers = EmployerIndex(list(employers))
        self.periods = periods or {}

    def period(self, period_id: int) -> PeriodState | None:
        return self.periods.get(period_id)
