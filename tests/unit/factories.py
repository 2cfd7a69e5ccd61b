"""Builders of events for unit tests."""

from collections.abc import Iterable
from datetime import UTC, datetime

from schemas.declaration import Declaration
from schemas.events import DeclarationSubmitted, PeriodState, RegistrationState, stable_id
from services.directory.domain import (
    Directory,
    DirectoryEmployer,
    FlexiEligibility,
    Identity,
    Mandate,
    SystemChoice,
)

RECEIVED = datetime(2026, 7, 7, 18, 0, tzinfo=UTC)  # 20:00 in Brussels, the eve of IN
KROON = DirectoryEmployer(employer_id=175110801, enterprise_number="0403170701",
                          name="Brasserie De Kroon")
PARC = DirectoryEmployer(employer_id=197100119, enterprise_number="0876543270",
                         name="Hôtel du Parc", language="fr", secured_channels_only=True)
SECRETARIAT = "0477472701"
MANDATES = [Mandate(declarant=SECRETARIAT, employer_id=175110801, **{"from": "2020-01-01"})]
IN = {"employer": {"employerId": 175110801}, "worker": {"ssin": "85073003328"},
      "dimonaIn": {"startDate": "2026-07-08", "startHour": "0800", "endDate": "2026-07-08",
                   "endHour": "1400",
                   "features": {"jointCommissionNumber": "XXX", "workerType": "FLX"}}}


def submitted(body: dict, number: int = 680725377630, employer_key: str = "175110801",
              declarant: str | None = "0403170701", received: datetime = RECEIVED,
              channel: str = "webservice") -> DeclarationSubmitted:
    return DeclarationSubmitted(
        event_id=stable_id("submitted", number), occurred_at=received,
        correlation_id=str(number), declaration_id=number, employer_key=employer_key,
        received_at=received, channel=channel, declarant=declarant,
        declaration=Declaration.model_validate(body))


class FakeContext:
    """The rules' context over plain dictionaries."""

    def __init__(self, periods: dict[int, PeriodState] | None = None,
                 employers: Iterable[DirectoryEmployer] = (KROON, PARC),
                 flexi: Iterable[FlexiEligibility] = (), identities: Iterable[Identity] = (),
                 quotas: dict[tuple, dict[int, dict]] | None = None,
                 registrations: Iterable[RegistrationState] = (),
                 choices: Iterable[SystemChoice] = ()):
        self.directory = Directory(employers, MANDATES, flexi, identities, choices)
        self.periods = periods or {}
        self.quotas = quotas or {}
        self.registered = {r.registration_id: r for r in registrations}

    def period(self, period_id: int) -> PeriodState | None:
        return self.periods.get(period_id)

    def relation(self, employer_key: str, ssin: str) -> list[PeriodState]:
        return [p for p in self.periods.values()
                if (p.employer_key, p.ssin) == (employer_key, ssin)]

    def quota(self, kind: str, subject: str, year: int) -> dict[int, dict]:
        return self.quotas.get((kind, subject, year), {})

    def registration(self, registration_id: int) -> RegistrationState | None:
        return self.registered.get(registration_id)

    def registrations(self, employer_key: str, ssin: str) -> list[RegistrationState]:
        return [r for r in self.registered.values() if (r.employer_key, r.ssin) == (
            employer_key, ssin)]

    def registration_system(self, employer_key: str, moment: datetime) -> str | None:
        return self.directory.daily_registration_system(employer_key, moment)
