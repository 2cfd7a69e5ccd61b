"""Flexi at work on the pages (seed 004; docs/interface.md §9): the overview of the
employer's transfers (paged; "being processed" until decided), the transfer wizard (the
month, the flexi-jobbers with a Dimona FLX in it, one payslip form per flexi-jobber, the
overview with edit and delete, "Transfer wage data": one `flexiWage` create per
flexi-jobber), the confirmation with its way back to the overview, a flexi-jobber's details
("Flexi at work" and "Dimona periods") and the modify and delete of a payslip (a `modify`
giving the whole new situation, a `cancel`).

Without JavaScript: the wizard is one form posted to `/web/flexi/transfer`; the month, the
flexi-jobbers ticked and every payslip entered travel in hidden fields (`payslip.N`: the
form's values as JSON, checked again when transferred); `step` names the step shown, the
button `go` what to do."""

from __future__ import annotations

import calendar as months
import json
import re
import uuid
from collections.abc import Callable
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from services.api.web import pages
from services.api.web.declare import Declare, Refused, declare
from services.api.web.deps import EmployerSession, Form, Found, PageNotFound
from services.api.web.forms import (
    Fields,
    anomaly_text,
    digits,
    employer_keys,
    employer_ref,
    number_of,
    refused_errors,
    today,
    translator,
    writer,
)
from services.api.web.routes.confirmation import ids_of, statuses
from services.api.web.session import WebSession
from services.projections.application import (
    BadFlexiQuery,
    BadQuery,
    Filters,
    FlexiFilters,
    Page,
    moment,
)

router = APIRouter(include_in_schema=False)
PAGE = 20
STEPS = ("period", "workers", "form", "overview")
WAGE, PREMIUM = "0001001000", "0002001000"
WORKER_CODES = ("050", "450")
SSIN = re.compile(r"^[0-9]{11}$")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
CAPACITY = re.compile(r"^cap\.(\d+)\.(employerCategory|workerCode|differs|validFrom|validTo|"
                      r"wage)$")
PREMIUM_FIELD = re.compile(r"^cap\.(\d+)\.premium\.(\d+)\.(amount|frequency)$")
MAX_CAPACITIES, MAX_PREMIUMS, MAX_PAYSLIPS = 20, 10, 100


# ---- money and the payslip form ----

def money(lang: str) -> Callable[[int | None], str]:
    """Cents as euros in the page's language: `€ 1.234,56` (`€ 1,234.56` in English)."""
    def shown(cents: int | None) -> str:
        if cents is None:
            return "-"
        sign = "-" if cents < 0 else ""
        text = f"{abs(cents) // 100:,}.{abs(cents) % 100:02d}"
        if lang != "en":
            text = text.replace(",", " ").replace(".", ",").replace(" ", ".")
        return f"€ {sign}{text}"
    return shown


def cents_of(text: str) -> int:
    """`94`, `94,5`, `94.50`, `1.234,56`, `€ 1 234.56` -> cents; ValueError otherwise."""
    value = text.replace("€", "").replace(" ", "").replace("\u00a0", "")
    if "," in value:
        value = value.replace(".", "").replace(",", ".")
    elif value.count(".") > 1 or re.fullmatch(r"\d{1,3}(\.\d{3})+", value):
        value = value.replace(".", "")
    if not re.fullmatch(r"\d{1,10}(\.\d{1,2})?", value):
        raise ValueError(text)
    whole, _, part = value.partition(".")
    return int(whole) * 100 + int((part + "00")[:2])


def amount_text(cents: int | None) -> str:
    """Cents as the value of an amount field: 9400 -> `94.00`."""
    return "" if cents is None else f"{cents // 100}.{cents % 100:02d}"


def month_bounds(month: str) -> tuple[date, date]:
    year, number = (int(p) for p in month.split("-"))
    return date(year, number, 1), date(year, number, months.monthrange(year, number)[1])


def new_draft(ssin: str, month: str) -> dict:
    first, last = month_bounds(month)
    return {"ssin": ssin, "uuid": str(uuid.uuid4()), "reference": "", "payslipReference": "",
            "startDate": first.isoformat(), "endDate": last.isoformat(),
            "calculationDate": today().isoformat(),
            "capacities": [{"employerCategory": "", "workerCode": "050", "differs": "",
                            "validFrom": "", "validTo": "", "wage": "",
                            "premiums": [{"amount": "", "frequency": ""}]}]}


def draft_of(form: dict[str, str]) -> dict:
    """The payslip form's values (strings, as typed)."""
    capacities: dict[int, dict] = {}
    premiums: dict[tuple[int, int], dict] = {}
    for name, value in form.items():
        if found := CAPACITY.match(name):
            capacities.setdefault(int(found.group(1)), {})[found.group(2)] = value.strip()
        elif found := PREMIUM_FIELD.match(name):
            c, p = int(found.group(1)), int(found.group(2))
            capacities.setdefault(c, {})
            premiums.setdefault((c, p), {})[found.group(3)] = value.strip()
    listed = []
    for c in sorted(capacities)[:MAX_CAPACITIES]:
        capacity = {k: capacities[c].get(k, "") for k in (
            "employerCategory", "workerCode", "differs", "validFrom", "validTo", "wage")}
        capacity["premiums"] = [{"amount": premiums[key].get("amount", ""),
                                 "frequency": premiums[key].get("frequency", "")}
                                for key in sorted(k for k in premiums if k[0] == c)
                                ][:MAX_PREMIUMS] or [{"amount": "", "frequency": ""}]
        listed.append(capacity)
    return {**{k: (form.get(k) or "").strip() for k in (
        "ssin", "uuid", "reference", "payslipReference", "startDate", "endDate",
        "calculationDate")}, "capacities": listed or new_draft("", "2000-01")["capacities"]}


def draft_values(draft: dict) -> dict[str, str]:
    """The draft as the form's fields."""
    values = {k: v for k, v in draft.items() if k != "capacities"}
    for c, capacity in enumerate(draft["capacities"]):
        for k, v in capacity.items():
            if k != "premiums":
                values[f"cap.{c}.{k}"] = v
        for p, premium in enumerate(capacity["premiums"]):
            values[f"cap.{c}.premium.{p}.amount"] = premium["amount"]
            values[f"cap.{c}.premium.{p}.frequency"] = premium["frequency"]
    return values


def draft_of_situation(situation: dict) -> dict:
    """A situation as it is now, as the payslip form to change it (each capacity's wages
    summed into one amount: the same code's amounts add up)."""
    capacities = []
    for feature in situation["capacities"] or []:
        elements = feature.get("financialElements", [])
        wages = [e.get("amountCents") or 0 for e in elements if e["code"] == WAGE]
        capacities.append({
            "employerCategory": feature["employerCategory"],
            "workerCode": feature["workerCode"],
            "differs": "on" if feature.get("validFrom") or feature.get("validTo") else "",
            "validFrom": feature.get("validFrom") or "", "validTo": feature.get("validTo") or "",
            "wage": amount_text(sum(wages)) if wages else "",
            "premiums": [{"amount": amount_text(e.get("amountCents")),
                          "frequency": str(e.get("frequencyMonths", ""))}
                         for e in elements if e["code"] == PREMIUM]
            or [{"amount": "", "frequency": ""}]})
    return {"ssin": situation["ssin"], "uuid": situation["relationUuid"],
            "reference": situation["relationReference"] or "",
            "payslipReference": situation["payslipReference"] or "",
            "startDate": situation["startDate"] or "", "endDate": situation["endDate"] or "",
            "calculationDate": situation["calculationDate"] or "",
            "capacities": capacities or new_draft("", "2000-01")["capacities"]}


def flexi_wage(draft: dict, action: str, debtor: dict, _) -> tuple[dict[str, str], dict]:
    """The `flexiWage` declaration of a payslip form, or the errors of its fields."""
    fields = Fields(draft_values(draft), _)
    if not SSIN.match(draft["ssin"]):
        fields.errors["ssin"] = _("flexi.error.ssin")
    if not UUID.match(draft["uuid"].lower()):
        fields.errors["uuid"] = _("registration.error.invalid")
    reference = fields.text("reference", pattern=r".{1,200}", error="flexi.error.long")
    payslip = fields.text("payslipReference", pattern=r".{1,200}", error="flexi.error.long")
    start = fields.day("startDate", required=True)
    end = fields.day("endDate", required=True)
    calculated = fields.day("calculationDate", required=True)
    if start and end:
        if end < start:
            fields.errors["endDate"] = _("registration.error.end_before_start")
        elif end.year != start.year:
            fields.errors["endDate"] = _("flexi.error.one_year")
    features, any_amount = [], False
    for c, capacity in enumerate(draft["capacities"]):
        name = f"cap.{c}."
        category = fields.text(name + "employerCategory", required=True, pattern=r"[0-9]{3}",
                               error="flexi.error.category")
        code = capacity["workerCode"]
        if code not in WORKER_CODES:
            fields.errors[name + "workerCode"] = _("flexi.error.worker_code")
        feature: dict = {"employerCategory": category, "workerCode": code}
        if capacity["differs"]:
            valid_from = fields.day(name + "validFrom", required=True)
            valid_to = fields.day(name + "validTo", required=True)
            if valid_from and valid_to and valid_to < valid_from:
                fields.errors[name + "validTo"] = _("registration.error.end_before_start")
            elif start and end and ((valid_from and not start <= valid_from <= end)
                                    or (valid_to and not start <= valid_to <= end)):
                fields.errors[name + "validFrom"] = _("flexi.error.validity")
            feature.update(validFrom=valid_from and valid_from.isoformat(),
                           validTo=valid_to and valid_to.isoformat())
        elements = []
        if wage := amount(fields, name + "wage"):
            elements.append({"code": WAGE, "amountCents": wage})
        for p in range(len(capacity["premiums"])):
            key = f"{name}premium.{p}."
            if not (cents := amount(fields, key + "amount")):
                continue
            frequency = fields.text(key + "frequency", required=True,
                                    pattern=r"(0|1|2|3|4|5|6|7|8|9|10|11|12)",
                                    error="flexi.error.frequency")
            elements.append({"code": PREMIUM, "amountCents": cents,
                             "frequencyMonths": int(frequency) if frequency else 0})
        any_amount = any_amount or bool(elements)
        feature["financialElements"] = elements
        features.append({k: v for k, v in feature.items() if v is not None})
    if not any_amount and not fields.errors.get("cap.0.wage"):
        fields.errors["cap.0.wage"] = _("flexi.error.no_amount")
    body = {"action": action, "debtor": debtor, "beneficiary": {"ssin": draft["ssin"]},
            "relation": {"uuid": draft["uuid"].lower(), **({"reference": reference}
                                                          if reference else {})}}
    if payslip:
        body["payslipReference"] = payslip
    body["calculation"] = {"startDate": start and start.isoformat(),
                           "endDate": end and end.isoformat(),
                           "calculationDate": calculated and calculated.isoformat(),
                           "features": features}
    return fields.errors, {"flexiWage": body}


def amount(fields: Fields, name: str) -> int | None:
    text = fields.form.get(name) or ""
    if not text.strip():
        return None
    try:
        cents = cents_of(text)
    except ValueError:
        fields.errors[name] = fields._("flexi.error.amount")
        return None
    if cents <= 0:
        fields.errors[name] = fields._("flexi.error.amount")
        return None
    return cents


def wage_field(path: str) -> str | None:
    """`flexiWage.calculation.features.0.employerCategory` -> `cap.0.employerCategory`."""
    parts = path.split(".")
    if parts and digits(parts[0]):
        parts = parts[1:]
    parts = parts[1:] if parts[:1] == ["flexiWage"] else parts
    if parts[:1] == ["calculation"]:
        parts = parts[1:]
        if parts[:1] == ["features"] and len(parts) >= 3 and digits(parts[1]):
            return f"cap.{parts[1]}.{parts[2]}" if parts[2] in (
                "employerCategory", "workerCode", "validFrom", "validTo") else None
        return parts[0] if parts and parts[0] in ("startDate", "endDate",
                                                  "calculationDate") else None
    if parts == ["payslipReference"]:
        return "payslipReference"
    if parts == ["relation", "reference"]:
        return "reference"
    return None


def add_row(draft: dict, go: str) -> dict:
    """`addcapacity`, `addpremium:C`: one more capacity, one more premium of capacity C."""
    if go == "addcapacity" and len(draft["capacities"]) < MAX_CAPACITIES:
        draft["capacities"].append({**new_draft("", "2000-01")["capacities"][0],
                                    "workerCode": ""})
    elif go.startswith("addpremium:") and digits(go[11:]):
        c = int(go[11:])
        if c < len(draft["capacities"]) and len(draft["capacities"][c]["premiums"]) < \
                MAX_PREMIUMS:
            draft["capacities"][c]["premiums"].append({"amount": "", "frequency": ""})
    return draft


def draft_totals(draft: dict) -> dict:
    """What a payslip form adds up to (for the overview), amounts that are not numbers
    left out."""
    wages = premiums = 0
    for capacity in draft["capacities"]:
        try:
            wages += cents_of(capacity["wage"]) if capacity["wage"] else 0
            premiums += sum(cents_of(p["amount"]) for p in capacity["premiums"]
                            if p["amount"])
        except ValueError:
            continue
    return {"wagesCents": wages, "premiumsCents": premiums, "totalCents": wages + premiums}


# ---- the overview and a flexi-jobber's details ----

@router.get("/web/flexi")
def overview(request: Request, session: EmployerSession, found: Found, ssin: str = "",
             year: str = "", offset: str = "0",
             as_of: Annotated[str, Query(alias="asOf")] = "") -> Response:
    """The employer's transfers, decided ones by ticket, then those being processed; with
    `asOf`, as they stood at that moment (replayed from the history)."""
    ssin, year, as_of = ssin.strip(), year.strip(), as_of.strip()
    try:
        filters = FlexiFilters(ssin=ssin or None,
                               year=int(year) if digits(year) and len(year) == 4 else None)
    except BadFlexiQuery:
        raise PageNotFound() from None
    try:
        at = moment(as_of) if as_of else None
    except BadQuery:
        at, errors = None, {"asOf": "search.error.as_of"}
    else:
        errors = {}
    with found.readers.flexi_at(at, employer=session.employer) as views:
        page = views.transfers(session.employer, filters, Page(PAGE, number_of(offset)))
    lang = pages.language(request)
    return pages.render(request, "flexi.html", session, page=page, size=PAGE,
                        money=money(lang), ssin=ssin, year=year, as_of=as_of, at=at,
                        errors=errors, status=400 if errors else 200)


@router.get("/web/flexi/transfer")
def transfer_start(request: Request, session: EmployerSession, found: Found) -> Response:
    writer(session)
    return wizard(request, session, found, Transfer(month=today().strftime("%Y-%m")),
                  "period")


@router.get("/web/flexi/confirmation")
def transfer_confirmation(request: Request, session: EmployerSession, found: Found,
                          ids: str = "") -> Response:
    rows = statuses(found, session, ids_of(ids))
    if any(r["declaration"] is None for r in rows):  # what the pending ones declared
        waiting = {ticket: declared for ticket, declared, _at in
                   found.readers.pending_flexi_wages(employer_keys(found, session))}
        for row in rows:
            if row["declaration"] is None and row["declarationId"] in waiting:
                row["declaration"] = {"flexiWage": waiting[row["declarationId"]]}
    return pages.render(request, "flexi_confirmation.html", session, rows=rows,
                        pending=any(r["result"] == "pending" for r in rows), ids=ids,
                        anomaly=anomaly_text(pages.language(request)))


@router.get("/web/flexi/{ssin}")
def details(request: Request, ssin: str, session: EmployerSession, found: Found) -> Response:
    """Seed 004's details: the payslips ("Flexi at work") and the Dimona periods."""
    if not SSIN.match(ssin):
        raise PageNotFound()
    worker = found.readers.flexi.worker(session.employer, ssin)
    if not (worker["flexiAtWork"] or worker["situations"] or worker["dimonaPeriods"]):
        raise PageNotFound()
    lang = pages.language(request)
    return pages.render(request, "flexi_worker.html", session, worker=worker,
                        money=money(lang), anomaly=anomaly_text(lang))


def own_situation(found: Found, session: WebSession, ssin: str, relation: str) -> dict:
    """A payslip situation of this flexi-jobber at the session's employer, not cancelled;
    404 otherwise."""
    if not SSIN.match(ssin) or not UUID.match(relation.lower()):
        raise PageNotFound()
    for situation in found.readers.queries.flexi_situations(employer_keys(found, session),
                                                            ssin):
        if situation["relationUuid"] == relation.lower() and not situation["cancelled"]:
            return situation
    raise PageNotFound()


@router.get("/web/flexi/{ssin}/modify/{relation}")
def modify_form(request: Request, ssin: str, relation: str, session: EmployerSession,
                found: Found) -> Response:
    writer(session)
    situation = own_situation(found, session, ssin, relation)
    return payslip_page(request, session, found, draft_of_situation(situation), {},
                        situation=situation)


@router.post("/web/flexi/{ssin}/modify/{relation}")
def modify(request: Request, ssin: str, relation: str, session: EmployerSession, form: Form,
           found: Found) -> Response:
    writer(session)
    situation = own_situation(found, session, ssin, relation)
    draft = {**draft_of(form), "ssin": ssin, "uuid": situation["relationUuid"]}
    go = form.get("go", "save")
    if go != "save":
        return payslip_page(request, session, found, add_row(draft, go), {},
                            situation=situation)
    _ = translator(request)
    errors, body = flexi_wage(draft, "modify", employer_ref(found, session), _)
    if errors:
        return payslip_page(request, session, found, draft, errors, situation=situation)
    try:
        [ticket] = declare(Declare(found.intake, found.access.check_may_declare),
                           session.principal, [body], via="web")
    except Refused as refused:
        errors, message = refused_errors(refused, _, wage_field)
        return payslip_page(request, session, found, draft, errors, message,
                            situation=situation)
    return pages.redirect(f"/web/flexi/confirmation?ids={ticket}")


@router.get("/web/flexi/{ssin}/cancel/{relation}")
def cancel_form(request: Request, ssin: str, relation: str, session: EmployerSession,
                found: Found) -> Response:
    writer(session)
    situation = own_situation(found, session, ssin, relation)
    return pages.render(request, "flexi_cancel.html", session, situation=situation,
                        money=money(pages.language(request)))


@router.post("/web/flexi/{ssin}/cancel/{relation}")
def cancel(request: Request, ssin: str, relation: str, session: EmployerSession, form: Form,
           found: Found) -> Response:
    writer(session)
    situation = own_situation(found, session, ssin, relation)
    reference = situation["relationReference"]
    body = {"flexiWage": {"action": "cancel", "debtor": employer_ref(found, session),
                          "beneficiary": {"ssin": ssin},
                          "relation": {"uuid": situation["relationUuid"],
                                       **({"reference": reference} if reference else {})}}}
    try:
        [ticket] = declare(Declare(found.intake, found.access.check_may_declare),
                           session.principal, [body], via="web")
    except Refused as refused:
        _, message = refused_errors(refused, translator(request), lambda path: None)
        return pages.render(request, "flexi_cancel.html", session, 422, situation=situation,
                            money=money(pages.language(request)), message=message)
    return pages.redirect(f"/web/flexi/confirmation?ids={ticket}")


def payslip_page(request: Request, session: WebSession, found: Found, draft: dict,
                 errors: dict, message: str | None = None, situation: dict | None = None
                 ) -> Response:
    """The form to change a payslip (a modify)."""
    named = found.readers.queries.workers_named(employer_keys(found, session),
                                                [draft["ssin"]]).get(draft["ssin"])
    return pages.render(request, "flexi_payslip.html", session, 422 if errors or message
                        else 200, draft=draft, values=draft_values(draft), errors=errors,
                        message=message, worker=named, situation=situation,
                        action=f"/web/flexi/{draft['ssin']}/modify/{draft['uuid']}")


# ---- the transfer wizard ----

class Transfer:
    """What the wizard's steps chose so far (from the posted fields)."""

    def __init__(self, month: str = "", selected: list[str] | None = None,
                 drafts: list[dict] | None = None, offset: int = 0):
        self.month, self.offset = month, offset
        self.selected = selected or []
        self.drafts = drafts or []

    @classmethod
    def of(cls, form: dict[str, str]) -> Transfer:
        drafts = {}
        for name, value in form.items():
            if name.startswith("payslip.") and digits(name[8:]):
                try:
                    found = json.loads(value)
                except ValueError:
                    continue
                if isinstance(found, dict) and isinstance(found.get("capacities"), list):
                    draft = draft_of(draft_values_safe(found))
                    if SSIN.match(draft["ssin"]):
                        drafts[int(name[8:])] = draft
        offset = (form.get("offset") or "0").strip()
        return cls(month=(form.get("month") or "").strip(),
                   selected=list(dict.fromkeys(
                       n[7:] for n, v in form.items()
                       if n.startswith("worker.") and v and SSIN.match(n[7:]))),
                   drafts=[drafts[k] for k in sorted(drafts)][:MAX_PAYSLIPS],
                   offset=number_of(offset))

    @property
    def todo(self) -> list[str]:
        """The flexi-jobbers ticked whose payslip is not entered yet."""
        done = {d["ssin"] for d in self.drafts}
        return [s for s in self.selected if s not in done]

    def hidden(self, step: str, workers_shown: set[str] = frozenset()) -> list[tuple[str, str]]:
        kept = [("step", step)]
        if step != "period":
            kept.append(("month", self.month))
        if step != "workers":
            kept.append(("offset", str(self.offset)))
        kept += [(f"worker.{s}", "on") for s in self.selected if s not in workers_shown]
        kept += [(f"payslip.{k}", json.dumps(d, ensure_ascii=False, separators=(",", ":")))
                 for k, d in enumerate(self.drafts)]
        return [(k, v) for k, v in kept if v]


def draft_values_safe(found: dict) -> dict[str, str]:
    """A draft posted back as JSON, as the form's fields (only strings kept)."""
    try:
        values = draft_values({**{k: str(found.get(k) or "") for k in (
            "ssin", "uuid", "reference", "payslipReference", "startDate", "endDate",
            "calculationDate")}, "capacities": [
            {**{k: str(c.get(k) or "") for k in ("employerCategory", "workerCode", "differs",
                                                   "validFrom", "validTo", "wage")},
             "premiums": [{"amount": str(p.get("amount") or ""),
                           "frequency": str(p.get("frequency") or "")}
                          for p in c.get("premiums", []) if isinstance(p, dict)]}
            for c in found["capacities"] if isinstance(c, dict)]})
    except (AttributeError, TypeError):
        return {}
    return values


@router.post("/web/flexi/transfer")
def transfer_step(request: Request, session: EmployerSession, form: Form,
                  found: Found) -> Response:
    writer(session)
    state = Transfer.of(form)
    shown, go = form.get("step", "period"), form.get("go", "next")
    _ = translator(request)
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", state.month):
        return wizard(request, session, found, state, "period",
                      {"month": _("flexi.error.month")})
    if shown == "period" or shown not in STEPS:
        return wizard(request, session, found, state, "workers")
    if shown == "workers":
        if go == "back":
            return wizard(request, session, found, state, "period")
        if go.startswith("page:"):
            state.offset = number_of(go[5:])
            return wizard(request, session, found, state, "workers")
        state.drafts = [d for d in state.drafts if d["ssin"] in state.selected]
        if not state.selected:
            return wizard(request, session, found, state, "workers",
                          {"workers": _("flexi.error.no_worker")})
        if state.todo:
            return wizard(request, session, found, state, "form",
                          draft=new_draft(state.todo[0], state.month))
        return wizard(request, session, found, state, "overview")
    if shown == "form":
        return form_step(request, session, found, state, go, form, _)
    return overview_step(request, session, found, state, go, _)


def form_step(request, session, found, state: Transfer, go: str, form: dict, _) -> Response:
    draft = draft_of(form)
    editing = form.get("editing", "")
    editing = int(editing) if digits(editing) and int(editing) < len(state.drafts) else None
    if go == "back":
        return wizard(request, session, found, state,
                      "overview" if state.drafts else "workers")
    if go != "next":
        return wizard(request, session, found, state, "form", draft=add_row(draft, go),
                      editing=editing)
    if draft["ssin"] not in state.selected:
        state.selected.append(draft["ssin"])
    errors, _body = flexi_wage(draft, "create", employer_ref(found, session), _)
    if errors:
        return wizard(request, session, found, state, "form", errors, draft=draft,
                      editing=editing)
    if editing is not None:
        state.drafts[editing] = draft
    else:
        state.drafts = [d for d in state.drafts if d["ssin"] != draft["ssin"]] + [draft]
    return wizard(request, session, found, state, "overview")


def overview_step(request, session, found, state: Transfer, go: str, _) -> Response:
    if go.startswith(("edit:", "delete:")):
        kind, _sep, index = go.partition(":")
        if not digits(index) or int(index) >= len(state.drafts):
            return wizard(request, session, found, state, "overview")
        k = int(index)
        if kind == "edit":
            return wizard(request, session, found, state, "form", draft=state.drafts[k],
                          editing=k)
        removed = state.drafts.pop(k)
        state.selected = [s for s in state.selected if s != removed["ssin"]]
        return wizard(request, session, found, state,
                      "overview" if state.drafts or state.todo else "workers")
    if go == "continue" and state.todo:
        return wizard(request, session, found, state, "form",
                      draft=new_draft(state.todo[0], state.month))
    if go == "add":
        return wizard(request, session, found, state, "workers")
    if go != "transfer":
        return wizard(request, session, found, state, "overview")
    if not state.drafts:
        return wizard(request, session, found, state, "overview",
                      {"form": _("flexi.error.nothing")})
    debtor = employer_ref(found, session)
    bodies, errors = [], {}
    for k, draft in enumerate(state.drafts):
        wrong, body = flexi_wage(draft, "create", debtor, _)
        if wrong:
            errors[f"payslip.{k}"] = _("flexi.error.payslip")
        bodies.append(body)
    if errors:
        return wizard(request, session, found, state, "overview", errors)
    try:
        tickets = declare(Declare(found.intake, found.access.check_may_declare),
                          session.principal, bodies, via="web")
    except Refused as refused:
        errors = {f"payslip.{path.split('.')[0] if len(bodies) > 1 else 0}":
                  _("flexi.error.payslip") for path in refused.fields}
        message = _("registration.error.forbidden") if refused.message else None
        return wizard(request, session, found, state, "overview", errors, message)
    return pages.redirect("/web/flexi/confirmation?ids=" + ",".join(map(str, tickets)))


def wizard(request: Request, session: WebSession, found: Found, state: Transfer, step: str,
           errors: dict | None = None, message: str | None = None, draft: dict | None = None,
           editing: int | None = None) -> Response:
    """One step of the transfer wizard, with what it needs."""
    lang = pages.language(request)
    keys = employer_keys(found, session)
    context: dict = {"state": state, "step": step, "steps": STEPS, "errors": errors or {},
                     "message": message, "money": money(lang), "values": {}}
    if step == "period":
        context.update(hidden=state.hidden(step), values={"month": state.month})
    elif step == "workers":
        first, last = month_bounds(state.month)
        page = found.readers.register.search("workers", session.employer, Filters(
            worker_type="FLX", active_from=first, active_to=last, exclude_cancelled=True),
            Page(PAGE, state.offset))
        listed = {w["ssin"] for w in page["items"] if w["ssin"]}
        context.update(page=page, size=PAGE, first=first, last=last,
                       hidden=state.hidden(step, workers_shown=listed),
                       chosen=found.readers.queries.workers_named(keys, state.selected)
                       if state.selected else {})
    elif step == "form":
        first, last = month_bounds(state.month)
        _total, periods = found.readers.queries.periods(keys, Filters(
            ssin=draft["ssin"], worker_type="FLX", active_from=first, active_to=last,
            exclude_cancelled=True), Page(40, 0))
        context.update(hidden=state.hidden(step), draft=draft, values=draft_values(draft),
                       editing=editing, periods=periods,
                       worker=found.readers.queries.workers_named(keys, [draft["ssin"]])
                       .get(draft["ssin"]))
    else:
        context.update(hidden=state.hidden(step),
                       named=found.readers.queries.workers_named(
                           keys, sorted({d["ssin"] for d in state.drafts} | set(state.todo))),
                       totals=[draft_totals(d) for d in state.drafts])
    status = 422 if errors or message else 200
    return pages.render(request, "flexi_transfer.html", session, status, **context)
