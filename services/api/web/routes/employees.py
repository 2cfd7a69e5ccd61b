"""The Employees tab (seed 002, "Travailleurs"): the employer's workers, paged, each with
the list of its periods; adding an employee (Dimona IN) in five steps: the worker, the
joint committee, the worker type (only those the committee allows), the period (with what
only some INs give, when the committee, the type or the employer takes it: the C3.2A
control cards of construction, the small statutes of interns and trainees, a public
employer's sub-entity), and the overview with the three references, then Confirm; the
choice of the daily registration's system ("De dagelijkse registratie configureren").

The wizard keeps what was entered in hidden fields of each step's form (no state on the
server): every step posts with its CSRF token, checks its own fields and those carried
over, and shows errors next to their field. Confirm declares through `declare.declare`,
the same model and use case as REST (channel "web").

The IN's fields, their checks and the REST v2 body they make are also those of the
non-secured form (routes/declare_unsecured.py)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import Response
from psycopg.errors import UniqueViolation

from schemas.reference import WorkerType, reference
from services.api.routes.employers import DailyRegistrationSystems
from services.api.web import declare, pages
from services.api.web.deps import EmployerSession, Form, Found, PageNotFound
from services.api.web.session import WebSession
from services.directory import adapter as directory
from services.directory.domain import DAILY_REGISTRATION_SYSTEMS
from services.intake.application import Declare
from services.intake.domain import Forbidden
from services.projections.application import Filters, Page

router = APIRouter(include_in_schema=False)
PAGE = 10
MAX_TEXT = 200
"""What the declaration model takes in a text field (schemas.declaration.Text)."""

# --- the IN's fields, by wizard step (their names are the form's) -----------------------

IDENTITY = ("familyName", "givenName", "initial", "gender", "birthDate", "placeOfBirth",
            "countryOfBirth", "nationality", "street", "houseNumber", "boxNumber", "postCode",
            "municipality", "country")
IDENTITY_REQUIRED = tuple(n for n in IDENTITY if n not in ("initial", "boxNumber"))
"""Without SSIN, Dimona needs the whole identification (90017-363): all but these two."""
USER = ("userJc", "userEnterpriseNumber", "userName", "userStreet", "userHouseNumber",
        "userPostCode", "userMunicipality", "userCountry")
CARDS = ("firstCard", "nextCard")
"""The C3.2A control cards of a construction worker: of the month the period starts, of the
next month."""
STATUTES = ("employmentNature", "activityWithRisk", "workerStatus")
"""The small statutes of an intern or trainee."""
CARD_COMMITTEES = ("124", "322")  # construction, and temporary work (a BCW, a user in 124)
STATUTE_TYPES = ("IVT", "STG", "TRI")
EMPLOYMENT_NATURES = ("EMPLOYEE", "WORKER")
WORKER_STATUSES = ("F1", "F2")
STEPS: dict[str, tuple[str, ...]] = {
    "worker": ("known", "ssin", *IDENTITY),
    "committee": ("jc",),
    "type": ("workerType",),
    "period": ("startDate", "endDate", "startHour", "endHour", "plannedHours", *USER,
               "subEntity", *CARDS, *STATUTES),
    "overview": ("employerRef", "workerRef", "declarationRef"),
}
ORDER = tuple(STEPS)
FIELDS = tuple(name for names in STEPS.values() for name in names)
REQUIRED = "employees.error.required"

# Where the declaration model's JSON paths are shown (declare.Refused names them).
PATHS = {
    "worker.ssin": "ssin", "worker.familyName": "familyName", "worker.givenName": "givenName",
    "worker.birthDate": "birthDate", "worker.placeOfBirth": "placeOfBirth",
    "worker.countryOfBirth": "countryOfBirth", "worker.nationality": "nationality",
    "worker.gender": "gender", "worker.address": "street", "worker.address.street": "street",
    "worker.address.houseNumber": "houseNumber", "worker.address.boxNumber": "boxNumber",
    "worker.address.postCode": "postCode", "worker.address.municipality": "municipality",
    "worker.address.country": "country", "worker": "ssin",
    "dimonaIn.startDate": "startDate", "dimonaIn.endDate": "endDate",
    "dimonaIn.startHour": "startHour", "dimonaIn.endHour": "endHour",
    "dimonaIn.plannedHoursNumber": "plannedHours",
    "dimonaIn.features.jointCommissionNumber": "jc",
    "dimonaIn.features.workerType": "workerType", "dimonaIn.features": "workerType",
    "dimonaIn.usingEmployer": "userJc",
    "dimonaIn.usingEmployer.jointCommissionNumber": "userJc",
    "dimonaIn.usingEmployer.enterpriseNumber": "userEnterpriseNumber",
    "dimonaIn.usingEmployer.name": "userName",
    "dimonaIn.usingEmployer.address": "userStreet",
    "dimonaIn.usingEmployer.address.street": "userStreet",
    "dimonaIn.usingEmployer.address.houseNumber": "userHouseNumber",
    "dimonaIn.usingEmployer.address.postCode": "userPostCode",
    "dimonaIn.usingEmployer.address.municipality": "userMunicipality",
    "dimonaIn.usingEmployer.address.country": "userCountry",
    "dimonaIn.features.subEntityNumber": "subEntity",
    "dimonaIn.constructionControlCards": "firstCard",
    "dimonaIn.constructionControlCards.firstMonthC32ANumber": "firstCard",
    "dimonaIn.constructionControlCards.nextMonthC32ANumber": "nextCard",
    "dimonaIn.smallStatutesInformation": "employmentNature",
    "dimonaIn.smallStatutesInformation.employmentNature": "employmentNature",
    "dimonaIn.smallStatutesInformation.activityWithRisk": "activityWithRisk",
    "dimonaIn.smallStatutesInformation.workerStatus": "workerStatus",
    "references.employer": "employerRef", "references.worker": "workerRef",
    "references.declaration": "declarationRef", "employer": "employer",
}


def values_of(form: Mapping[str, str], names: tuple[str, ...] = FIELDS) -> dict[str, str]:
    """The form's fields of the IN, trimmed (a NUL character cannot be kept)."""
    return {n: str(form.get(n, "")).replace("\x00", "").strip() for n in names}


def digits(text: str) -> str:
    """`85.07.30-033.28` -> `85073003328`: the separators people type are dropped."""
    return re.sub(r"[\s./-]", "", text)


def valid_ssin(ssin: str) -> bool:
    """11 digits whose last two are 97 minus the first nine modulo 97 (born in 2000 or
    later: with a 2 in front of the nine)."""
    if not re.fullmatch(r"[0-9]{11}", ssin):
        return False
    check = int(ssin[9:])
    return check in (97 - int(ssin[:9]) % 97, 97 - int("2" + ssin[:9]) % 97)


def valid_enterprise_number(number: str) -> bool:
    return (re.fullmatch(r"[01][0-9]{9}", number) is not None
            and 97 - int(number[:8]) % 97 == int(number[8:]))


def parse_day(text: str) -> date | None:
    """ISO (what `<input type="date">` sends) or dd/mm/yyyy; None when neither."""
    found = (re.fullmatch(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})", text)
             or re.fullmatch(r"([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{4})", text))
    if found is None:
        return None
    parts = [int(p) for p in found.groups()]
    year, month, day = parts if len(found[1]) == 4 else parts[::-1]
    try:
        return date(year, month, day)
    except ValueError:
        return None


def parse_hour(text: str) -> str | None:
    """`08:00`, `8:00` or `0800` -> `08:00`; None when not an hour of the day."""
    found = re.fullmatch(r"([0-9]{1,2}):?([0-9]{2})", text)
    if found is None or int(found[1]) > 23 or int(found[2]) > 59:
        return None
    return f"{int(found[1]):02d}:{found[2]}"


def worker_types(jc: str, with_ssin: bool = True) -> list[tuple[str, WorkerType]]:
    """The worker types a joint committee allows, by code; without an SSIN, not those
    that need one (EXT: 00024-001)."""
    ref = reference()
    return [(code, ref.worker_types[code]) for code in sorted(ref.allowed.get(jc, ()))
            if code in ref.worker_types and (with_ssin or not ref.worker_types[code].ssin_required)]


def needs(jc: str, worker_type: str) -> dict[str, bool]:
    """Which period fields this committee and type take, or require: the control cards
    in construction (required in JC 124), the small statutes of interns and trainees."""
    wt = reference().worker_type(worker_type)
    return {"end": jc == "322" or bool(wt and wt.end_date),
            "hours": bool(wt and wt.hours),
            "startHour": worker_type == "EXT",
            "planned": bool(wt and wt.planned_hours),
            "user": jc == "322",
            "cards": jc in CARD_COMMITTEES, "cardsRequired": jc == "124",
            "statutes": worker_type in STATUTE_TYPES}


# --- checks: each fills `errors` {field: label key} and normalises what it read ----------

Errors = dict[str, str]


def check_lengths(v: dict[str, str], names: tuple[str, ...], errors: Errors) -> None:
    for name in names:
        if len(v.get(name, "")) > MAX_TEXT:
            errors.setdefault(name, "employees.error.too_long")


def check_worker(v: dict[str, str]) -> Errors:
    errors: Errors = {}
    check_lengths(v, STEPS["worker"], errors)
    if v["known"] not in ("ssin", "identity"):
        errors["known"] = "employees.error.choose"
    elif v["known"] == "ssin":
        v["ssin"] = digits(v["ssin"])
        if not v["ssin"]:
            errors["ssin"] = REQUIRED
        elif not valid_ssin(v["ssin"]):
            errors["ssin"] = "employees.error.ssin"
    else:
        for name in IDENTITY_REQUIRED:
            if not v[name]:
                errors.setdefault(name, REQUIRED)
        if v["birthDate"]:
            born = parse_day(v["birthDate"])
            if born is None or born.year < 1900:
                errors["birthDate"] = "employees.error.date"
            else:
                v["birthDate"] = born.isoformat()
        if v["gender"] and v["gender"] not in ("M", "F"):
            errors["gender"] = "employees.error.choose"
        if len(v["initial"]) > 2:
            errors["initial"] = "employees.error.initial"
    return errors


def check_committee(v: dict[str, str]) -> Errors:
    if not v["jc"]:
        return {"jc": REQUIRED}
    return {} if v["jc"] in reference().joint_committees else {"jc": "employees.error.jc"}


def check_type(v: dict[str, str]) -> Errors:
    allowed = [code for code, _ in worker_types(v["jc"], v["known"] == "ssin")]
    if not v["workerType"]:
        return {"workerType": REQUIRED}
    return {} if v["workerType"] in allowed else {"workerType": "employees.error.worker_type"}


def check_period(v: dict[str, str]) -> Errors:
    """Start date*, end date (* for some types and JC 322), hours (EXT, FLX), planned
    hours (STU, O17, S17), the user of a temporary worker (JC 322); the fields the type
    does not take are emptied."""
    errors: Errors = {}
    need = needs(v["jc"], v["workerType"])
    check_lengths(v, STEPS["period"], errors)
    start = end = None
    for name in ("startDate", "endDate"):
        if v[name]:
            day = parse_day(v[name])
            if day is None:
                errors[name] = "employees.error.date"
            else:
                v[name] = day.isoformat()
                start, end = (day, end) if name == "startDate" else (start, day)
    if not v["startDate"]:
        errors["startDate"] = REQUIRED
    if not v["endDate"] and need["end"]:
        errors["endDate"] = "employees.error.end_required"
    if start and end and end < start:
        errors["endDate"] = "employees.error.end_before_start"
    for name in ("startHour", "endHour"):
        if not need["hours"]:
            v[name] = ""
        elif v[name]:
            hour = parse_hour(v[name])
            if hour is None:
                errors[name] = "employees.error.hour"
            else:
                v[name] = hour
    if need["startHour"] and not v["startHour"]:
        errors["startHour"] = "employees.error.start_hour_required"
    if not need["planned"]:
        v["plannedHours"] = ""
    elif not v["plannedHours"]:
        errors["plannedHours"] = REQUIRED
    elif not v["plannedHours"].isdigit() or not 1 <= int(v["plannedHours"]) <= 999:
        errors["plannedHours"] = "employees.error.planned_hours"
    if need["user"]:
        check_user(v, errors)
    else:
        v.update(dict.fromkeys(USER, ""))
    check_particulars(v, need, errors)
    return errors


def check_user(v: dict[str, str], errors: Errors) -> None:
    """JC 322: the user's committee and its enterprise number, or its name and address."""
    v["userJc"] = v["userJc"].upper()
    if not v["userJc"]:
        errors.setdefault("userJc", REQUIRED)
    elif not re.fullmatch(r"[0-9]{3}|XXX", v["userJc"]) or v["userJc"] == "322":
        errors.setdefault("userJc", "employees.error.user_jc")
    by_name = any(v[n] for n in USER[2:])
    if v["userEnterpriseNumber"]:
        v["userEnterpriseNumber"] = digits(v["userEnterpriseNumber"]).zfill(10)
        if by_name:
            errors.setdefault("userEnterpriseNumber", "employees.error.user_one")
        elif not valid_enterprise_number(v["userEnterpriseNumber"]):
            errors.setdefault("userEnterpriseNumber", "employees.error.enterprise")
    elif not by_name:
        errors.setdefault("userEnterpriseNumber", "employees.error.user_missing")
    else:
        for name in ("userName", "userStreet", "userPostCode", "userMunicipality"):
            if not v[name]:
                errors.setdefault(name, REQUIRED)


def check_particulars(v: dict[str, str], need: dict[str, bool], errors: Errors) -> None:
    """What only some INs give: a public employer's sub-entity, a construction worker's
    control cards (also required for a temporary worker whose user is in JC 124), an
    intern's small statutes; the fields the committee and type do not take are emptied."""
    if v["subEntity"]:
        v["subEntity"] = digits(v["subEntity"])
        if not re.fullmatch(r"[0-9]{10}", v["subEntity"]):
            errors.setdefault("subEntity", "employees.error.sub_entity")
    if need["cards"]:
        check_cards(v, need["cardsRequired"] or (need["user"] and v["userJc"] == "124"),
                    errors)
    else:
        v.update(dict.fromkeys(CARDS, ""))
    if need["statutes"]:
        check_statutes(v, errors)
    else:
        v.update(dict.fromkeys(STATUTES, ""))


def check_cards(v: dict[str, str], required: bool, errors: Errors) -> None:
    """Both cards or neither (both when required): 12 digits each, not all zero, and not
    the same card for both months."""
    for name in CARDS:
        v[name] = digits(v[name])
    if not required and not any(v[name] for name in CARDS):
        return
    for name in CARDS:
        if not v[name]:
            errors.setdefault(name, REQUIRED)
        elif not re.fullmatch(r"[0-9]{12}", v[name]) or int(v[name]) == 0:
            errors.setdefault(name, "employees.error.card")
    if v["firstCard"] and v["firstCard"] == v["nextCard"]:
        errors.setdefault("nextCard", "employees.error.card_same")


def check_statutes(v: dict[str, str], errors: Errors) -> None:
    """The kind of work (EMPLOYEE or WORKER), the activity's risk class (up to 3 digits),
    the worker status (F1 or F2); which of them are due, the validator says."""
    for name, allowed in (("employmentNature", EMPLOYMENT_NATURES),
                          ("workerStatus", WORKER_STATUSES)):
        v[name] = v[name].upper()
        if v[name] and v[name] not in allowed:
            errors.setdefault(name, "employees.error.choose")
    if v["activityWithRisk"] and not re.fullmatch(r"[0-9]{1,3}", v["activityWithRisk"]):
        errors.setdefault("activityWithRisk", "employees.error.risk_class")


def check_references(v: dict[str, str]) -> Errors:
    errors: Errors = {}
    check_lengths(v, STEPS["overview"], errors)
    return errors


CHECKS: dict[str, Callable[[dict[str, str]], Errors]] = {
    "worker": check_worker, "committee": check_committee, "type": check_type,
    "period": check_period, "overview": check_references}


# --- the REST v2 body ----------------------------------------------------------------------

def code_or_text(text: str) -> int | str:
    """A country as its NIS code (digits) or as written."""
    return int(text) if text.isdigit() and len(text) < 10 else text


def address(v: dict[str, str], prefix: str = "") -> dict:
    def get(name: str) -> str:
        return v[prefix + name[0].upper() + name[1:]] if prefix else v[name]
    found = {"street": get("street"), "houseNumber": get("houseNumber"),
             "boxNumber": "" if prefix else get("boxNumber"), "postCode": get("postCode"),
             "municipality": get("municipality")}
    body = {k: text for k, text in found.items() if text}
    if get("country"):
        body["country"] = code_or_text(get("country"))
    return body


def body_of(v: dict[str, str], employer: dict) -> dict:
    """The REST v2 declaration (docs/interface.md §2) of checked values. The middle
    name's initial has no member in it (as the XML form's WorkerInitial, it is not kept)."""
    if v["known"] == "ssin":
        worker: dict = {"ssin": v["ssin"]}
    else:
        worker = {"familyName": v["familyName"], "givenName": v["givenName"],
                  "birthDate": v["birthDate"] or None, "placeOfBirth": v["placeOfBirth"] or None,
                  "countryOfBirth": code_or_text(v["countryOfBirth"]) if v["countryOfBirth"]
                  else None,
                  "nationality": code_or_text(v["nationality"]) if v["nationality"] else None,
                  "gender": v["gender"] or None, "address": address(v) or None}
        worker = {k: value for k, value in worker.items() if value is not None}
    features = {"jointCommissionNumber": v["jc"], "workerType": v["workerType"]}
    if v["subEntity"]:
        features["subEntityNumber"] = v["subEntity"]
    din: dict = {"startDate": v["startDate"], "features": features}
    if v["endDate"]:
        din["endDate"] = v["endDate"]
    for name in ("startHour", "endHour"):
        if v[name]:
            din[name] = v[name].replace(":", "")
    if v["plannedHours"]:
        din["plannedHoursNumber"] = int(v["plannedHours"])
    if v["jc"] == "322":
        user: dict = {"jointCommissionNumber": v["userJc"] or None}
        if v["userEnterpriseNumber"]:
            user["enterpriseNumber"] = v["userEnterpriseNumber"]
        elif v["userName"]:
            user["name"] = v["userName"]
            user["address"] = address(v, "user") or None
        din["usingEmployer"] = {k: value for k, value in user.items() if value is not None}
    body = {"employer": employer, "worker": worker, "dimonaIn": din | blocks(v)}
    references = {k: v[f"{k}Ref"] for k in ("employer", "worker", "declaration")
                  if v[f"{k}Ref"]}
    if references:
        body["references"] = references
    return body


def blocks(v: dict[str, str]) -> dict:
    """The IN's blocks that only some INs give: a construction worker's control cards, an
    intern's small statutes; a block none of whose fields is filled is left out."""
    found: dict = {}
    cards = given({"firstMonthC32ANumber": v["firstCard"],
                   "nextMonthC32ANumber": v["nextCard"]})
    if cards:
        found["constructionControlCards"] = cards
    statutes = given({"employmentNature": v["employmentNature"],
                      "activityWithRisk": v["activityWithRisk"],
                      "workerStatus": v["workerStatus"]})
    if statutes:
        if "activityWithRisk" in statutes:
            statutes["activityWithRisk"] = int(statutes["activityWithRisk"])
        found["smallStatutesInformation"] = statutes
    return found


def given(members: dict[str, str]) -> dict[str, str]:
    return {k: text for k, text in members.items() if text}


def refused_fields(exc: declare.Refused) -> tuple[Errors, str | None]:
    """The model's messages by field of the page (the longest known part of each JSON
    path); what names no field is said for the whole form."""
    errors: Errors = {}
    rest = [exc.message] if exc.message else []
    for path, message in exc.fields.items():
        parts = path.split(".")
        for n in range(len(parts), 0, -1):
            if ".".join(parts[:n]) in PATHS:
                errors.setdefault(PATHS[".".join(parts[:n])], message)
                break
        else:
            rest.append(message)
    return errors, "; ".join(rest) or None


# --- the Employees tab -----------------------------------------------------------------------

def check_reader(found: Found, session: WebSession) -> None:
    """The session's employer is still one this principal may read (a mandate may end)."""
    if not found.access.may_read_employer(session.principal, session.employer):
        raise PageNotFound()


def offset_of(text: str) -> int:
    return int(text) if text.isdigit() else 0


@router.get("/web/employees")
def employees(request: Request, session: EmployerSession, found: Found, offset: str = "0",
              name: str = "") -> Response:
    """The employer's workers by name, ten at a time."""
    check_reader(found, session)
    name = name.strip()[:MAX_TEXT]
    shown = found.readers.register.search("workers", session.employer,
                                          Filters(name=name or None),
                                          Page(PAGE, offset_of(offset)))
    return pages.render(request, "employees.html", session, header=shown["employer"],
                        workers=shown["items"], total=shown["total"], offset=shown["offset"],
                        page=PAGE, name=name)


def read_only(request: Request, session: WebSession) -> Response:
    """What an auditor gets instead of a write: it reads, it changes nothing."""
    return pages.render(request, "employees_refused.html", session, 403)


# --- adding an employee ------------------------------------------------------------------

def employer_of(found: Found, number: str) -> tuple[dict, dict]:
    """The header shown (name, enterprise and NSSO numbers) and the declaration's
    `employer`: its NSSO number when known, else its enterprise number."""
    header = found.readers.register.employer(number)
    if header["employerId"] is not None:
        return header, {"employerId": header["employerId"]}
    if header["enterpriseNumber"]:
        return header, {"enterpriseNumber": header["enterpriseNumber"]}
    return header, employer_body(number)


def employer_body(number: str) -> dict:
    """An employer number as typed: an enterprise number (10 digits, 0 or 1 first), else
    an NSSO number (a provisional one has 10 digits, 5 first)."""
    if len(number) == 10 and number[0] in "01":
        return {"enterpriseNumber": number}
    return {"employerId": int(number)}


def step_page(request: Request, session: WebSession, found: Found, step: str,
              v: dict[str, str], errors: Errors | None = None, message: str | None = None
              ) -> Response:
    """A step of the wizard, what the others hold in its hidden fields."""
    ref = reference()
    errors = errors or {}
    context: dict = {}
    if step == "type":
        context["types"] = worker_types(v["jc"], v["known"] == "ssin")
        context["no_next"] = not context["types"]
    if step in ("period", "overview"):
        context["need"] = needs(v["jc"], v["workerType"]) | sub_entity_need(
            found, session.employer, v, errors)
    if step == "overview":
        context["header"] = employer_of(found, session.employer)[0]
    hidden = [(n, v[n]) for n in FIELDS if n not in STEPS[step] and v.get(n)]
    return pages.render(request, f"add_{step}.html", session,
                        422 if errors or message else 200, step=step,
                        number=ORDER.index(step) + 1, order=ORDER, v=v, errors=errors,
                        message=message, hidden=hidden, committees=ref.joint_committees,
                        worker_type_label=lambda code: (ref.worker_types[code].label
                                                        if code in ref.worker_types else code),
                        **context)


def sub_entity_need(found: Found, number: str, v: dict[str, str], errors: Errors) -> dict:
    """The sub-entity is asked of a public employer that uses sub-entities (it must name
    one of them, which the hint lists); shown also while it holds a value or an error."""
    employer = directory.employer_by_number(found.access.pool, number)
    numbers = list(employer.sub_entities) if employer else []
    return {"subEntity": bool(numbers or v.get("subEntity") or "subEntity" in errors),
            "subEntities": numbers}


@router.get("/web/employees/add")
def add_employee(request: Request, session: EmployerSession, found: Found) -> Response:
    check_reader(found, session)
    if session.auditor:
        return read_only(request, session)
    return step_page(request, session, found, "worker", values_of({"known": "ssin"}))


@router.post("/web/employees/add/{step}")
def add_employee_step(request: Request, step: str, session: EmployerSession, form: Form,
                      found: Found) -> Response:
    """A step posted: Back shows the previous one as it was; Next checks every step so far
    (the hidden fields too) and shows the first with errors, else the next step; Confirm
    (the overview's Next) declares."""
    if step not in STEPS:
        raise PageNotFound()
    check_reader(found, session)
    if session.auditor:
        return read_only(request, session)
    v = values_of(form)
    index = ORDER.index(step)
    if form.get("go") == "back" and index > 0:
        return step_page(request, session, found, ORDER[index - 1], v)
    for earlier in ORDER[:index + 1]:
        if errors := CHECKS[earlier](v):
            return step_page(request, session, found, earlier, v, errors)
    if step != "overview":
        return step_page(request, session, found, ORDER[index + 1], v)
    body = body_of(v, employer_of(found, session.employer)[1])
    try:
        numbers = declare.declare(Declare(found.intake, found.access.check_may_declare),
                                  session.principal, [body], via="web")
    except declare.Refused as exc:
        errors, message = refused_fields(exc)
        return step_page(request, session, found, "overview", v, errors, message)
    return pages.redirect(f"/web/confirmation?ids={numbers[0]}")


@router.get("/web/employees/add/{step}")
def add_employee_again(step: str) -> Response:
    """A step's address opened by hand: the wizard starts again."""
    return pages.redirect("/web/employees/add")


# --- the daily registration's system -------------------------------------------------------

def current_system(found: Found, employer_key: str) -> dict | None:
    """The employer's choice in force: {system, chosenAt, chosenBy}, or None."""
    choice = directory.current_system_choice(found.access.pool, employer_key)
    return {"system": choice.system, "chosenAt": choice.chosen_at,
            "chosenBy": choice.chosen_by} if choice else None


def daily_page(request: Request, session: WebSession, found: Found, status: int = 200,
               **context: object) -> Response:
    check_reader(found, session)
    employer = directory.employer_by_number(found.access.pool, session.employer)
    if employer is None:
        raise PageNotFound()
    return pages.render(request, "employees_daily.html", session, status,
                        current=current_system(found, employer.key),
                        systems=DAILY_REGISTRATION_SYSTEMS, **context)


@router.get("/web/employees/daily-registration-system")
def daily_registration_system(request: Request, session: EmployerSession, found: Found,
                              saved: str = "") -> Response:
    return daily_page(request, session, found, saved=saved == "1")


@router.post("/web/employees/daily-registration-system")
def choose_daily_registration_system(request: Request, session: EmployerSession, form: Form,
                                     found: Found) -> Response:
    """Recorded as `PUT /employers/{id}/daily-registration-system` records it: by the
    employer or a declarant holding its mandate today, dated by intake's clock."""
    if session.auditor:
        return read_only(request, session)
    employer = directory.employer_by_number(found.access.pool, session.employer)
    if employer is None:
        raise PageNotFound()
    system = form.get("system", "")
    if system not in DAILY_REGISTRATION_SYSTEMS:
        return daily_page(request, session, found, 422, error="employees.error.choose")
    try:
        found.access.check_acts_for(session.principal, employer)
    except Forbidden:
        return read_only(request, session)
    try:
        DailyRegistrationSystems(found.access.pool, found.intake.clock).choose(
            employer, system, session.principal.name)
    except UniqueViolation:  # another choice at the same instant: that one stands
        pass
    return pages.redirect("/web/employees/daily-registration-system?saved=1")
