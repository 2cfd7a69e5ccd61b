"""What a confirmation says (seed 002, "Confirmation of receipt"). Pure."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from schemas.events import DeclarationDecided, stable_id
from services.directory.domain import DirectoryEmployer

SUBJECTS = {
    "nl": "Dimona-bevestiging {type} {number}: {status}",
    "fr": "Confirmation Dimona {type} {number} : {status}",
    "de": "Dimona-Bestätigung {type} {number}: {status}",
    "en": "Dimona confirmation {type} {number}: {status}",
}
STATUS = {
    "nl": {"A": "Aanvaard", "W": "Aanvaard (waarschuwing)", "B": "Geweigerd",
           "S": "In afwachting"},
    "fr": {"A": "Acceptée", "W": "Acceptée (avertissement)", "B": "Refusée",
           "S": "En attente"},
    "de": {"A": "Angenommen", "W": "Angenommen (Warnung)", "B": "Abgelehnt",
           "S": "Ausstehend"},
    "en": {"A": "Accepted", "W": "Accepted with warning", "B": "Refused", "S": "Pending"},
}


class EboxMessage(BaseModel):
    model_config = ConfigDict(frozen=True)
    message_id: str
    declaration_id: int
    recipient: str
    employer_key: str
    language: str
    subject: str
    content: dict


def recipient_of(decided: DeclarationDecided, employer: DirectoryEmployer | None) -> str:
    """The declarant's e-Box; without a declarant (non-secured channel), the employer's."""
    if decided.declarant:
        return decided.declarant
    if employer is not None and employer.enterprise_number:
        return employer.enterprise_number
    return decided.employer_key


def confirmation(decided: DeclarationDecided, employer: DirectoryEmployer | None,
                 batch_sender: bool) -> EboxMessage | None:
    """The e-Box message for a decision; None for a batch sender (its return file has it)."""
    if batch_sender:
        return None
    language = employer.language if employer and employer.language in SUBJECTS else "nl"
    recipient = recipient_of(decided, employer)
    worker = decided.declaration.worker
    refs = decided.declaration.references
    content = {
        "declarations": {
            "type": decided.declaration_type, "declarationId": decided.declaration_id,
            "result": decided.result, "status": STATUS[language][decided.result],
            "anomalies": [a.to_result_json() for a in decided.anomalies],
            "sentAt": decided.received_at.isoformat(), "periodId": decided.period_id,
            "references": refs.to_json_dict() if refs else {},
            **identification(decided, language)},
        "employer": {"name": employer.name if employer else None,
                     "enterpriseNumber": employer.enterprise_number if employer else None,
                     "employerId": employer.employer_id if employer else None},
        "employees": [{"ssin": worker.ssin, "familyName": worker.family_name,
                       "givenName": worker.given_name}] if worker else [],
        "periodBefore": _period(decided.period_before),
        "periodAfter": _period(decided.period_after),
    }
    subject = SUBJECTS[language].format(type=decided.declaration_type,
                                        number=decided.declaration_id,
                                        status=STATUS[language][decided.result])
    return EboxMessage(
        message_id=str(stable_id("ebox", decided.event_id, recipient)),
        declaration_id=decided.declaration_id, recipient=recipient,
        employer_key=decided.employer_key, language=language, subject=subject,
        content=content)


def identification(decided: DeclarationDecided, language: str) -> dict:
    """A final result after S says so: the message shows both results and the SSIN found."""
    if decided.identified_ssin is None:
        return {}
    return {"identification": {"previousResult": "S", "previousStatus": STATUS[language]["S"],
                               "identifiedSsin": decided.identified_ssin}}


def _period(state) -> dict | None:
    return state.model_dump(mode="json") if state is not None else None
