"""The non-secured declaration form (docs/interface.md §7, channel `web-unsecured`): a
Dimona IN on one page, without signing in, the employer's number given by hand; then a
receipt showing its number and, once decided, its result. An employer that accepts only
secured channels gets the declaration refused by the validator (90256-342), which the
receipt shows with its code and label.

Nobody is signed in, so:
- the form's CSRF token is a random value kept in a cookie and repeated in the form
  (double submit);
- the receipt is scoped to the declaration just made by an unguessable key
  (`secrets.token_urlsafe`), in its address and in a cookie: the declaration is recorded
  with the key's SHA-256 as its token's identity (`Principal.token`, as for every
  channel), and the receipt shows a number only to the one key whose digest it carries.
  A plain number shows nothing."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from fastapi import APIRouter, Request
from fastapi.responses import Response

from schemas.reference import reference
from services.api.web import declare, pages
from services.api.web.deps import Found, PageNotFound
from services.api.web.routes.employees import (
    FIELDS,
    MAX_TEXT,
    STEPS,
    Errors,
    body_of,
    check_lengths,
    check_period,
    check_worker,
    digits,
    employer_body,
    refused_fields,
    values_of,
)
from services.intake.application import Declare
from services.intake.domain import Principal

router = APIRouter(include_in_schema=False)
CSRF_COOKIE = "dimona_declare_csrf"
RECEIPT_COOKIE = "dimona_receipt"
RECEIPT_PATH = "/web/declare/receipt"
KEY_PREFIX = "receipt:"
COOKIE_AGE_S = 86400
NAMES = ("employer", "features", *FIELDS)


def identity(key: str) -> str:
    """What the declaration records of its receipt's key: never the key."""
    return KEY_PREFIX + hashlib.sha256(key.encode()).hexdigest()[:32]


def features() -> list[tuple[str, str, list[tuple[str, str]]]]:
    """Every joint committee with the worker types it allows: (code, label, [(value
    `JC/TYPE`, type label)]); a pair the committee does not allow cannot be chosen."""
    ref = reference()
    return [(jc, label, [(f"{jc}/{code}", f"{code} - {ref.worker_types[code].label}")
                         for code in sorted(ref.allowed.get(jc, ()))
                         if code in ref.worker_types])
            for jc, label in ref.joint_committees.items()]


def types_needing(flag: str) -> str:
    ref = reference()
    return ", ".join(code for code, wt in sorted(ref.worker_types.items())
                     if getattr(wt, flag) and wt.valid_until is None)


def form_page(request: Request, token: str, v: dict[str, str], errors: Errors | None = None,
              message: str | None = None) -> Response:
    response = pages.render(request, "unsecured.html", None,
                            422 if errors or message else 200, v=v, errors=errors or {},
                            message=message, form_token=token, features=features(),
                            end_types=types_needing("end_date"), hour_types=types_needing(
                                "hours"), planned_types=types_needing("planned_hours"))
    response.set_cookie(CSRF_COOKIE, token, max_age=COOKIE_AGE_S, httponly=True,
                        samesite="strict", secure=request.app.state.web_settings
                        .web_secure_cookies, path="/web/declare")
    return response


@router.get("/web/declare")
def unsecured_form(request: Request) -> Response:
    token = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)
    return form_page(request, token, values_of({"known": "ssin"}, NAMES))


def check(v: dict[str, str]) -> Errors:
    """The whole form: the employer, the worker, the committee and type, the period."""
    errors: Errors = {}
    v["employer"] = digits(v["employer"])
    if not v["employer"]:
        errors["employer"] = "employees.error.required"
    elif not re.fullmatch(r"[0-9]{6,10}", v["employer"]):
        errors["employer"] = "employees.error.employer"
    errors |= check_worker(v)
    jc, _, worker_type = v["features"].partition("/")
    if not v["features"]:
        errors["features"] = "employees.error.required"
    elif worker_type not in reference().allowed.get(jc, ()):
        errors["features"] = "employees.error.worker_type"
    else:
        v["jc"], v["workerType"] = jc, worker_type
        errors = check_period(v) | errors
    if not v["startDate"]:
        errors.setdefault("startDate", "employees.error.required")
    check_lengths(v, STEPS["overview"], errors)
    return errors


@router.post("/web/declare")
async def declare_unsecured(request: Request, found: Found) -> Response:
    form = await request.form()
    fields = {k: value for k, value in form.items() if isinstance(value, str)}
    token = request.cookies.get(CSRF_COOKIE)
    if not token or not hmac.compare_digest(token, fields.get("csrf", "")):
        return pages.render(request, "error.html", None, 403, problem="csrf")
    v = values_of(fields, NAMES)
    if errors := check(v):
        return form_page(request, token, v, errors)
    key = secrets.token_urlsafe(32)
    try:
        numbers = declare.declare(Declare(found.intake, found.access.check_may_declare),
                                  Principal("anonymous", token=identity(key)),
                                  [body_of(v, employer_body(v["employer"]))], via="web")
    except declare.Refused as exc:
        errors, message = refused_fields(exc)
        if "jc" in errors or "workerType" in errors:
            errors["features"] = errors.pop("workerType", None) or errors.pop("jc")
        return form_page(request, token, v, errors, message)
    response = pages.redirect(f"{RECEIPT_PATH}/{numbers[0]}?key={key}")
    response.set_cookie(RECEIPT_COOKIE, key, max_age=COOKIE_AGE_S, httponly=True,
                        samesite="strict", path=RECEIPT_PATH,
                        secure=request.app.state.web_settings.web_secure_cookies)
    return response


def recorded_key(found: Found, number: int) -> str | None:
    """The key identity a non-secured declaration was recorded with (None for any other)."""
    origin = found.access.store.submission_origin(number, "web-unsecured")
    return origin.token if origin else None


@router.get(RECEIPT_PATH + "/{number}")
def receipt(request: Request, number: str, found: Found, key: str = "") -> Response:
    """The number and, once decided, the result with each anomaly's code and label; the
    page reloads itself while the declaration is being processed."""
    key = key or request.cookies.get(RECEIPT_COOKIE, "")
    if not number.isdigit() or len(number) > 18 or not key or len(key) > MAX_TEXT:
        raise PageNotFound()
    recorded = recorded_key(found, int(number))
    if recorded is None or not hmac.compare_digest(recorded, identity(key)):
        raise PageNotFound()
    decided = found.readers.result(int(number))
    result = decided["result"] if decided else None
    lang = pages.language(request)
    label = {"fr": "labelFr", "en": "labelEn"}.get(lang, "labelNl")
    anomalies = [(a["code"], a[label]) for a in result["anomalies"]] if result else []
    response = pages.render(request, "unsecured_receipt.html", None, number=number, key=key,
                            outcome=result["result"] if result else "pending",
                            anomalies=anomalies)
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response
