"""Render an e-Box confirmation message (the NSSO "confirmation of receipt") as text or HTML.

The message content stored with an e-Box message is language-neutral (codes, numbers, ISO dates,
anomaly labels in every catalogue language), so the same message can be shown in any of the four
languages: nl, fr, de, en (`dimona ebox show --lang`). Pure: no I/O, only constant tables here.

`sections()` walks the content once into (heading, [(label, value)]) rows; `text()` and `html()`
only lay those rows out.
"""

from __future__ import annotations

from datetime import date, datetime
from html import escape

from schemas.declaration import risk_class_text

LANGUAGES = ("nl", "fr", "de", "en")

STATUS: dict[str, dict[str, str]] = {
    "nl": {"A": "Aanvaard", "W": "Aanvaard (waarschuwing)", "B": "Geweigerd", "S": "In afwachting"},
    "fr": {"A": "Acceptée", "W": "Acceptée (avertissement)", "B": "Refusée", "S": "En attente"},
    "de": {"A": "Angenommen", "W": "Angenommen (Warnung)", "B": "Abgelehnt", "S": "Ausstehend"},
    "en": {"A": "Accepted", "W": "Accepted with warning", "B": "Refused", "S": "Pending"},
}

SUBJECTS = {
    "nl": "Dimona-bevestiging {type} {number}: {status}",
    "fr": "Confirmation Dimona {type} {number} : {status}",
    "de": "Dimona-Bestätigung {type} {number}: {status}",
    "en": "Dimona confirmation {type} {number}: {status}",
}

TYPE_NAMES: dict[str, dict[str, str]] = {
    "nl": {
        "DIMONA_IN": "Dimona IN",
        "DIMONA_OUT": "Dimona OUT",
        "DIMONA_UPDATE": "Wijziging",
        "DIMONA_CANCEL": "Annulatie",
        "DAILY_REGISTRATION": "dagelijkse registratie",
        "FLEXI_WAGE": "Flexi at work: loongegevens",
    },
    "fr": {
        "DIMONA_IN": "Dimona IN",
        "DIMONA_OUT": "Dimona OUT",
        "DIMONA_UPDATE": "Modification",
        "DIMONA_CANCEL": "Annulation",
        "DAILY_REGISTRATION": "enregistrement journalier",
        "FLEXI_WAGE": "Flexi at work : données salariales",
    },
    "de": {
        "DIMONA_IN": "Dimona IN",
        "DIMONA_OUT": "Dimona OUT",
        "DIMONA_UPDATE": "Änderung",
        "DIMONA_CANCEL": "Stornierung",
        "DAILY_REGISTRATION": "tägliche Registrierung",
        "FLEXI_WAGE": "Flexi at work: Lohndaten",
    },
    "en": {
        "DIMONA_IN": "Dimona IN",
        "DIMONA_OUT": "Dimona OUT",
        "DIMONA_UPDATE": "Modification",
        "DIMONA_CANCEL": "Cancellation",
        "DAILY_REGISTRATION": "daily registration",
        "FLEXI_WAGE": "Flexi at work: wage data",
    },
}

# A Flexi at work confirmation is not a Dimona one: its own subject ("Flexi at work" is the
# service's name in every language).
FLEXI_SUBJECTS = {
    "nl": "Flexi at work-bevestiging loongegevens {number}: {status}",
    "fr": "Confirmation Flexi at work données salariales {number} : {status}",
    "de": "Flexi at work-Bestätigung Lohndaten {number}: {status}",
    "en": "Flexi at work confirmation, wage data {number}: {status}",
}
FLEXI = "FLEXI_WAGE"

# Only these declarations change an existing period, so only they show it before and after.
CHANGE_TYPES = frozenset({"DIMONA_OUT", "DIMONA_UPDATE", "DIMONA_CANCEL"})
# A daily registration's update and cancel show the registration before and after instead.
REGISTRATION = "DAILY_REGISTRATION"

# The anomaly catalogue has labels in Dutch, French and English only, no German: German
# messages show the French label (the other official language used alongside German in Belgium).
ANOMALY_LABEL_KEYS = {"nl": "labelNl", "fr": "labelFr", "de": "labelFr", "en": "labelEn"}

LABELS: dict[str, dict[str, str]] = {
    "nl": {
        "opening": "Wij bevestigen de ontvangst van uw aangifte, waarvan u hieronder de details "
        "vindt.",
        "declarations": "Aangiften",
        "employer": "Werkgever",
        "employees": "Werknemers",
        "before": "Voor wijziging",
        "after": "Na wijziging",
        "type": "Type",
        "number": "Aangiftenummer",
        "status": "Status",
        "anomaly": "Anomalie",
        "severity": "Ernst",
        "B": "blokkerend",
        "NP": "niet-blokkerend",
        "quota": "Quotum",
        "limit": "Limiet",
        "exceedingHours": "Overschrijding (uren)",
        "exceedingDays": "Overschrijding (dagen)",
        "sentAt": "Datum/uur van verzending",
        "start": "Begin",
        "end": "Einde",
        "period": "Periodenummer",
        "registration": "Registratienummer",
        "refEmployer": "Referentie werkgever",
        "refWorker": "Referentie werknemer",
        "refDeclaration": "Referentie aangifte",
        "identification": "Identificatie",
        "identified": "Deze aangifte had eerst de status '{status}'; de werknemer werd "
        "geïdentificeerd met INSZ {ssin}.",
        "name": "Naam",
        "enterpriseNumber": "Ondernemingsnummer",
        "employerId": "RSZ-nummer",
        "ssin": "INSZ",
        "familyName": "Familienaam",
        "givenName": "Voornaam",
        "jc": "Paritair comité",
        "workerType": "Type werknemer",
        "plannedHours": "Geplande uren",
        "cancelled": "Geannuleerd",
        "yes": "ja",
        "no": "nee",
        "ticket": "Ticketnummer (aangiftenummer)",
        "action": "Actie",
        "create": "oorspronkelijke aangifte",
        "modify": "wijziging (annuleren en vervangen)",
        "cancel": "annulatie",
        "situationKey": "Situatie",
        "relation": "Relatie (UUID)",
        "relationReference": "Eigen referentie relatie",
        "payslip": "Referentie loonbrief",
        "calculationPeriod": "Berekeningsperiode",
        "calculationDate": "Berekeningsdatum",
        "capacity": "Hoedanigheid (werkgeverscategorie/werknemerskengetal)",
        "wages": "Flexiloon (bruto)",
        "premiums": "Premies (bruto)",
        "year": "Inkomstenjaar",
        "situationVersion": "Versie",
        "subEntity": "Subentiteit",
        "firstCard": "Controlekaart C3.2A (maand van het begin)",
        "nextCard": "Controlekaart C3.2A (volgende maand)",
        "employmentNature": "Aard van het werk",
        "nature.EMPLOYEE": "bediende",
        "nature.WORKER": "arbeider",
        "activityWithRisk": "Activiteit met risico (risicoklasse)",
        "workerStatus": "Statuut van de werknemer",
    },
    "fr": {
        "opening": "Nous vous confirmons la réception de votre déclaration dont le détail est "
        "repris ci-dessous.",
        "declarations": "Déclarations",
        "employer": "Employeur",
        "employees": "Travailleurs",
        "before": "Avant modification",
        "after": "Après modification",
        "type": "Type",
        "number": "Numéro de déclaration",
        "status": "Statut",
        "anomaly": "Anomalie",
        "severity": "Gravité",
        "B": "bloquante",
        "NP": "non bloquante",
        "quota": "Quota",
        "limit": "Limite",
        "exceedingHours": "Dépassement (heures)",
        "exceedingDays": "Dépassement (jours)",
        "sentAt": "Date/heure d'envoi",
        "start": "Début",
        "end": "Fin",
        "period": "Numéro de période",
        "registration": "Numéro d'enregistrement",
        "refEmployer": "Référence employeur",
        "refWorker": "Référence travailleur",
        "refDeclaration": "Référence déclaration",
        "identification": "Identification",
        "identified": "Cette déclaration avait d'abord le statut '{status}' ; le travailleur a "
        "été identifié avec le NISS {ssin}.",
        "name": "Nom",
        "enterpriseNumber": "Numéro d'entreprise",
        "employerId": "Numéro ONSS",
        "ssin": "NISS",
        "familyName": "Nom",
        "givenName": "Prénom",
        "jc": "Commission paritaire",
        "workerType": "Type de travailleur",
        "plannedHours": "Heures prévues",
        "cancelled": "Annulée",
        "yes": "oui",
        "no": "non",
        "ticket": "Numéro de ticket (numéro de déclaration)",
        "action": "Action",
        "create": "déclaration originale",
        "modify": "modification (annuler et remplacer)",
        "cancel": "annulation",
        "situationKey": "Situation",
        "relation": "Relation (UUID)",
        "relationReference": "Référence propre de la relation",
        "payslip": "Référence de la fiche de paie",
        "calculationPeriod": "Période de calcul",
        "calculationDate": "Date de calcul",
        "capacity": "Qualité (catégorie d'employeur/code travailleur)",
        "wages": "Salaire flexi (brut)",
        "premiums": "Primes (brutes)",
        "year": "Année de revenus",
        "situationVersion": "Version",
        "subEntity": "Sous-entité",
        "firstCard": "Carte de contrôle C3.2A (mois du début)",
        "nextCard": "Carte de contrôle C3.2A (mois suivant)",
        "employmentNature": "Nature du travail",
        "nature.EMPLOYEE": "employé",
        "nature.WORKER": "ouvrier",
        "activityWithRisk": "Activité à risque (classe de risque)",
        "workerStatus": "Statut du travailleur",
    },
    "de": {
        "opening": "Wir bestätigen Ihnen den Eingang Ihrer Meldung, deren Einzelheiten "
        "nachstehend aufgeführt sind.",
        "declarations": "Meldungen",
        "employer": "Arbeitgeber",
        "employees": "Arbeitnehmer",
        "before": "Vor der Änderung",
        "after": "Nach der Änderung",
        "type": "Art",
        "number": "Meldungsnummer",
        "status": "Status",
        "anomaly": "Anomalie",
        "severity": "Schweregrad",
        "B": "blockierend",
        "NP": "nicht blockierend",
        "quota": "Kontingent",
        "limit": "Grenze",
        "exceedingHours": "Überschreitung (Stunden)",
        "exceedingDays": "Überschreitung (Tage)",
        "sentAt": "Datum/Uhrzeit des Versands",
        "start": "Beginn",
        "end": "Ende",
        "period": "Periodennummer",
        "registration": "Registrierungsnummer",
        "refEmployer": "Referenz Arbeitgeber",
        "refWorker": "Referenz Arbeitnehmer",
        "refDeclaration": "Referenz Meldung",
        "identification": "Identifizierung",
        "identified": "Diese Meldung hatte zunächst den Status '{status}'; der Arbeitnehmer "
        "wurde mit der ENSS {ssin} identifiziert.",
        "name": "Name",
        "enterpriseNumber": "Unternehmensnummer",
        "employerId": "LSS-Nummer",
        "ssin": "ENSS",
        "familyName": "Name",
        "givenName": "Vorname",
        "jc": "Paritätische Kommission",
        "workerType": "Arbeitnehmerart",
        "plannedHours": "Geplante Stunden",
        "cancelled": "Storniert",
        "yes": "ja",
        "no": "nein",
        "ticket": "Ticketnummer (Meldungsnummer)",
        "action": "Aktion",
        "create": "ursprüngliche Meldung",
        "modify": "Änderung (stornieren und ersetzen)",
        "cancel": "Stornierung",
        "situationKey": "Situation",
        "relation": "Beziehung (UUID)",
        "relationReference": "Eigene Referenz der Beziehung",
        "payslip": "Referenz Lohnzettel",
        "calculationPeriod": "Berechnungszeitraum",
        "calculationDate": "Berechnungsdatum",
        "capacity": "Eigenschaft (Arbeitgeberkategorie/Arbeitnehmerkennzahl)",
        "wages": "Flexi-Lohn (brutto)",
        "premiums": "Prämien (brutto)",
        "year": "Einkommensjahr",
        "situationVersion": "Version",
        "subEntity": "Untereinheit",
        "firstCard": "Kontrollkarte C3.2A (Monat des Beginns)",
        "nextCard": "Kontrollkarte C3.2A (Folgemonat)",
        "employmentNature": "Art der Arbeit",
        "nature.EMPLOYEE": "Angestellter",
        "nature.WORKER": "Arbeiter",
        "activityWithRisk": "Risikotätigkeit (Risikoklasse)",
        "workerStatus": "Status des Arbeitnehmers",
    },
    "en": {
        "opening": "We confirm receipt of your declaration, detailed below.",
        "declarations": "Declarations",
        "employer": "Employer",
        "employees": "Employees",
        "before": "Before the change",
        "after": "After the change",
        "type": "Type",
        "number": "Declaration number",
        "status": "Status",
        "anomaly": "Anomaly",
        "severity": "Severity",
        "B": "blocking",
        "NP": "non-blocking",
        "quota": "Quota",
        "limit": "Limit",
        "exceedingHours": "Exceeding hours",
        "exceedingDays": "Exceeding days",
        "sentAt": "Date/time of sending",
        "start": "Start",
        "end": "End",
        "period": "Period number",
        "registration": "Registration number",
        "refEmployer": "Employer reference",
        "refWorker": "Worker reference",
        "refDeclaration": "Declaration reference",
        "identification": "Identification",
        "identified": "This declaration first had the status '{status}'; the worker was "
        "identified with SSIN {ssin}.",
        "name": "Name",
        "enterpriseNumber": "Enterprise number",
        "employerId": "NSSO number",
        "ssin": "SSIN",
        "familyName": "Family name",
        "givenName": "Given name",
        "jc": "Joint committee",
        "workerType": "Worker type",
        "plannedHours": "Planned hours",
        "cancelled": "Cancelled",
        "yes": "yes",
        "no": "no",
        "ticket": "Ticket number (declaration number)",
        "action": "Action",
        "create": "original declaration",
        "modify": "modification (cancel and replace)",
        "cancel": "cancellation",
        "situationKey": "Situation",
        "relation": "Relation (UUID)",
        "relationReference": "Own relation reference",
        "payslip": "Payslip reference",
        "calculationPeriod": "Calculation period",
        "calculationDate": "Calculation date",
        "capacity": "Capacity (employer category/worker code)",
        "wages": "Flexi wage (gross)",
        "premiums": "Premiums (gross)",
        "year": "Income year",
        "situationVersion": "Version",
        "subEntity": "Sub-entity",
        "firstCard": "C3.2A control card (month of the start)",
        "nextCard": "C3.2A control card (next month)",
        "employmentNature": "Kind of work",
        "nature.EMPLOYEE": "white-collar",
        "nature.WORKER": "blue-collar",
        "activityWithRisk": "Activity with risk (risk class)",
        "workerStatus": "Worker status",
    },
}

MISSING = "-"

Row = tuple[str, str]
Section = tuple[str, list[Row]]


def _labels(language: str) -> dict[str, str]:
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}: expected one of {', '.join(LANGUAGES)}")
    return LABELS[language]


def _value(value: object) -> str:
    return MISSING if value is None or value == "" else str(value)


def _date(value: str | None) -> str:
    return MISSING if not value else date.fromisoformat(value).strftime("%d/%m/%Y")


def _hour(value: str | None) -> str:
    """An hour "HHMM" as "HH:MM"."""
    return MISSING if not value else f"{value[:2]}:{value[2:]}"


def _moment(day: str | None, hour: str | None) -> str:
    """A date and optional hour, e.g. "01/06/2026 08:00"; "-" without a date."""
    if not day:
        return MISSING
    return f"{_date(day)} {_hour(hour)}" if hour else _date(day)


def _sent_at(value: str | None) -> str:
    """The ISO date/time of sending, as written (Brussels time), e.g. "01/06/2026 10:00"."""
    return MISSING if not value else datetime.fromisoformat(value).strftime("%d/%m/%Y %H:%M")


def type_name(declaration_type: str, language: str) -> str:
    return TYPE_NAMES[language].get(declaration_type, declaration_type)


def anomaly_label(anomaly: dict, language: str) -> str:
    _labels(language)
    return anomaly.get(ANOMALY_LABEL_KEYS[language]) or ""


def subject(content: dict, language: str) -> str:
    _labels(language)
    d = content["declarations"]
    return (FLEXI_SUBJECTS if d["type"] == FLEXI else SUBJECTS)[language].format(
        type=type_name(d["type"], language),
        number=d["declarationId"],
        status=STATUS[language].get(d["result"], d["result"]),
    )


def _anomaly_rows(anomaly: dict, language: str) -> list[Row]:
    label = LABELS[language]
    code = f"{anomaly.get('code', '')} {anomaly_label(anomaly, language)}".strip()
    severity = anomaly.get("severity")
    severity_text = f"{label.get(severity, severity)} ({severity})" if severity else MISSING
    rows = [(label["anomaly"], _value(code)), (label["severity"], severity_text)]
    quota = anomaly.get("quota")
    if quota:
        rows += [
            (label["quota"], _value(quota.get("quotaType"))),
            (label["limit"], _value(quota.get("limit"))),
        ]
        rows += [
            (label[key], str(quota[key]))
            for key in ("exceedingHours", "exceedingDays")
            if quota.get(key) is not None
        ]
    return rows


def _declaration_rows(d: dict, language: str, period: dict | None = None) -> list[Row]:
    """The declaration; an IN with what it gave its period only when it has it (its
    sub-entity, control cards, small statutes), after the period's number."""
    if d["type"] == FLEXI:
        return _flexi_declaration_rows(d, language)
    label = LABELS[language]
    refs = d.get("references") or {}
    start, end = d.get("start") or {}, d.get("end") or {}
    rows = [
        (label["type"], type_name(d["type"], language)),
        (label["number"], _value(d.get("declarationId"))),
        (label["status"], STATUS[language].get(d["result"], d["result"])),
    ]
    for anomaly in d.get("anomalies") or []:
        rows += _anomaly_rows(anomaly, language)
    rows += [
        (label["sentAt"], _sent_at(d.get("sentAt"))),
        (label["start"], _moment(start.get("date"), start.get("hour"))),
        (label["end"], _moment(end.get("date"), end.get("hour"))),
        (label["period"], _value(d.get("periodId"))),
        *_particular_rows(period, language),
        *_registration_number(d, language),
        (label["refEmployer"], _value(refs.get("employer"))),
        (label["refWorker"], _value(refs.get("worker"))),
        (label["refDeclaration"], _value(refs.get("declaration"))),
    ]
    return rows + _identification_rows(d.get("identification"), language)


def _flexi_declaration_rows(d: dict, language: str) -> list[Row]:
    """A Flexi at work declaration: its ticket, what it did to which situation (relation,
    own references), its calculation period; the employer and worker follow as for a
    Dimona."""
    label = LABELS[language]
    refs, relation = d.get("references") or {}, d.get("relation") or {}
    start, end = d.get("start") or {}, d.get("end") or {}
    rows = [(label["type"], type_name(d["type"], language)),
            (label["ticket"], _value(d.get("declarationId"))),
            (label["status"], STATUS[language].get(d["result"], d["result"]))]
    for anomaly in d.get("anomalies") or []:
        rows += _anomaly_rows(anomaly, language)
    return rows + [
        (label["sentAt"], _sent_at(d.get("sentAt"))),
        (label["action"], label.get(d.get("action") or "", _value(d.get("action")))),
        (label["situationKey"], _value(d.get("situationKey"))),
        (label["relation"], _value(relation.get("uuid"))),
        (label["relationReference"], _value(relation.get("reference"))),
        (label["payslip"], _value(d.get("payslipReference"))),
        (label["calculationPeriod"], _span(start.get("date"), end.get("date"))),
        (label["refEmployer"], _value(refs.get("employer"))),
        (label["refWorker"], _value(refs.get("worker"))),
        (label["refDeclaration"], _value(refs.get("declaration")))]


def _span(first: str | None, last: str | None) -> str:
    return MISSING if not first else f"{_date(first)} - {_date(last)}"


# Euros as each language writes them: "€ 1.234,56", "1 234,56 €", "1.234,56 €", "€1,234.56".
EURO_FORMATS = {"nl": ("€ {}", ".", ","), "fr": ("{} €", " ", ","),
                "de": ("{} €", ".", ","), "en": ("€{}", ",", ".")}


def euros(cents: int | None, language: str) -> str:
    """An amount in euro cents as the language writes euros."""
    if cents is None:
        return MISSING
    pattern, thousands, decimal = EURO_FORMATS[language]
    whole = f"{abs(cents) // 100:,}".replace(",", thousands)
    return ("-" if cents < 0 else "") + pattern.format(f"{whole}{decimal}{abs(cents) % 100:02d}")


def _situation_rows(situation: dict | None, language: str) -> list[Row]:
    """A Flexi at work situation (camelCase): its calculation period and date, each
    capacity, the wage and premium totals in euros, its income year, cancelled; "-" for a
    side that does not exist."""
    label, s = LABELS[language], situation or {}
    c = s.get("calculation") or {}
    cancelled = MISSING if situation is None else label["yes" if s.get("cancelled") else "no"]
    capacities = [(label["capacity"], _capacity(f)) for f in c.get("features") or []]
    return [(label["calculationPeriod"], _span(c.get("startDate"), c.get("endDate"))),
            (label["calculationDate"], _date(c.get("calculationDate"))),
            *(capacities or [(label["capacity"], MISSING)]),
            (label["wages"], euros(s.get("wagesCents"), language)),
            (label["premiums"], euros(s.get("premiumsCents"), language)),
            (label["year"], _value(s.get("year"))),
            (label["cancelled"], cancelled)]


def _capacity(feature: dict) -> str:
    """"017/050", with its validity when it is not the calculation period's."""
    shown = f"{feature.get('employerCategory')}/{feature.get('workerCode')}"
    if feature.get("validFrom") or feature.get("validTo"):
        shown += f" ({_date(feature.get('validFrom'))} - {_date(feature.get('validTo'))})"
    return shown


def _registration_number(d: dict, language: str) -> list[Row]:
    """A daily registration's number; nothing for the other declarations."""
    if "registrationId" not in d:
        return []
    return [(LABELS[language]["registration"], _value(d["registrationId"]))]


def _identification_rows(identification: dict | None, language: str) -> list[Row]:
    if not identification:
        return []
    previous = identification.get("previousResult") or "S"
    sentence = LABELS[language]["identified"].format(
        status=STATUS[language].get(previous, previous),
        ssin=_value(identification.get("identifiedSsin")),
    )
    return [(LABELS[language]["identification"], sentence)]


def _employer_rows(employer: dict, language: str) -> list[Row]:
    label = LABELS[language]
    return [
        (label[key], _value(employer.get(key)))
        for key in ("name", "enterpriseNumber", "employerId")
    ]


def _employee_rows(employees: list[dict], language: str) -> list[Row]:
    """SSIN, family name, given name for each employee (all "-" when there is none)."""
    label = LABELS[language]
    return [
        (label[key], _value(employee.get(key)))
        for employee in employees or [{}]
        for key in ("ssin", "familyName", "givenName")
    ]


def _period_rows(period: dict | None, language: str) -> list[Row]:
    """A period (snake_case model dump); every value "-" for a side that does not exist;
    its sub-entity, control cards and small statutes only when it has them."""
    label, p = LABELS[language], period or {}
    cancelled = MISSING if period is None else label["yes" if p.get("cancelled") else "no"]
    return [
        (label["start"], _moment(p.get("start_date"), p.get("start_hour"))),
        (label["end"], _moment(p.get("end_date"), p.get("end_hour"))),
        (label["jc"], _value(p.get("joint_commission_number"))),
        (label["workerType"], _value(p.get("worker_type"))),
        (label["plannedHours"], _value(p.get("planned_hours_number"))),
        *_particular_rows(period, language),
        (label["cancelled"], cancelled),
    ]


def _particular_rows(period: dict | None, language: str) -> list[Row]:
    """What only some INs give their period, when it has it: a public employer's
    sub-entity, a construction worker's two C3.2A control cards, an intern's small statutes
    (kind of work, risk class, worker status); the blocks in the declaration's camelCase."""
    label, p = LABELS[language], period or {}
    cards, statutes = p.get("control_cards") or {}, p.get("small_statutes") or {}
    rows = [(label["subEntity"], p["sub_entity_number"])] if p.get("sub_entity_number") else []
    if cards:
        rows += [(label["firstCard"], _value(cards.get("firstMonthC32ANumber"))),
                 (label["nextCard"], _value(cards.get("nextMonthC32ANumber")))]
    if statutes:
        rows += [(label["employmentNature"], _nature(statutes.get("employmentNature"), language)),
                 (label["activityWithRisk"], _risk_class(statutes.get("activityWithRisk"))),
                 (label["workerStatus"], _value(statutes.get("workerStatus")))]
    return rows


def _nature(code: str | None, language: str) -> str:
    """"arbeider (WORKER)": the kind of work in the language, with its code."""
    if not code:
        return MISSING
    shown = LABELS[language].get(f"nature.{code}")
    return f"{shown} ({code})" if shown else code


def _risk_class(value: int | str | None) -> str:
    """A risk class as its three digits ("011"), "-" when there is none."""
    return MISSING if value is None or value == "" else risk_class_text(value)


def _registration_rows(registration: dict | None, language: str) -> list[Row]:
    """A daily registration (camelCase): start, end, cancelled; "-" for a side that does
    not exist."""
    label, r = LABELS[language], registration or {}
    cancelled = MISSING if registration is None else label["yes" if r.get("cancelled") else "no"]
    return [
        (label["start"], _moment(r.get("startDate"), r.get("startHour"))),
        (label["end"], _moment(r.get("endDate"), r.get("endHour"))),
        (label["cancelled"], cancelled),
    ]


def _changes(content: dict, language: str) -> list[Section]:
    """The period before and after an OUT, UPDATE or CANCEL; the registration before and
    after a daily registration's update or cancel; the situation before and after every
    Flexi at work declaration."""
    label, d = LABELS[language], content["declarations"]
    if d["type"] == FLEXI:  # create, modify and cancel alike: the situation before and after
        return [(label["before"], _situation_rows(content.get("situationBefore"), language)),
                (label["after"], _situation_rows(content.get("situationAfter"), language))]
    if d["type"] == REGISTRATION:
        before, after = content.get("registrationBefore"), content.get("registrationAfter")
        if d.get("action") == "create" or (before is None and after is None):
            return []
        return [(label["before"], _registration_rows(before, language)),
                (label["after"], _registration_rows(after, language))]
    before, after = content.get("periodBefore"), content.get("periodAfter")
    if d["type"] in CHANGE_TYPES and (before is not None or after is not None):
        return [(label["before"], _period_rows(before, language)),
                (label["after"], _period_rows(after, language))]
    return []


def sections(content: dict, language: str) -> list[Section]:
    """The message as (heading, [(label, value)]) sections, values not yet escaped."""
    label = _labels(language)
    d = content["declarations"]
    made = content.get("periodAfter") if d["type"] == "DIMONA_IN" else None
    result = [
        (label["declarations"], _declaration_rows(d, language, made)),
        (label["employer"], _employer_rows(content.get("employer") or {}, language)),
        (label["employees"], _employee_rows(content.get("employees") or [], language)),
    ]
    return result + _changes(content, language)


def text(content: dict, language: str) -> str:
    """The message as plain text: the opening sentence, then each section as aligned rows."""
    parts = [_labels(language)["opening"]]
    for heading, rows in sections(content, language):
        width = max(len(label) for label, _ in rows) + 1
        lines = [heading, "=" * len(heading)]
        lines += [f"{label + ':':<{width}} {value}" for label, value in rows]
        parts.append("\n".join(lines))
    return "\n\n".join(parts) + "\n"


def _html_table(rows: list[Row]) -> str:
    cells = [
        f'<tr><th scope="row">{escape(label)}</th><td>{escape(value)}</td></tr>'
        for label, value in rows
    ]
    return "<table>\n" + "\n".join(cells) + "\n</table>"


def html(content: dict, language: str) -> str:
    """The message as a small self-contained HTML document; every content value is escaped."""
    body = [f"<p>{escape(_labels(language)['opening'])}</p>"]
    for heading, rows in sections(content, language):
        body += [f"<h2>{escape(heading)}</h2>", _html_table(rows)]
    return "\n".join(
        [
            "<!DOCTYPE html>",
            f'<html lang="{language}">',
            "<head>",
            '<meta charset="utf-8">',
            f"<title>{escape(subject(content, language))}</title>",
            "</head>",
            "<body>",
            *body,
            "</body>",
            "</html>",
            "",
        ]
    )
