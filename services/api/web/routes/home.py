"""The entry page, sign-in and sign-out, the employer's choice, the language switch
(docs/interface.md §11)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from services.api.web import i18n, pages
from services.api.web.deps import Form as CheckedForm
from services.api.web.deps import Found, Session, sessions
from services.api.web.session import COOKIE, SignInRefused, WebSession
from services.directory import adapter as directory
from services.directory.domain import DirectoryEmployer

router = APIRouter(include_in_schema=False)
BRUSSELS = ZoneInfo("Europe/Brussels")


@router.get("/")
def entry(request: Request) -> Response:
    """The entry page: sign in, or the non-secured declaration form."""
    found = sessions(request).find(request.cookies.get(COOKIE))
    if found is not None:
        return pages.redirect("/web/employees")
    return pages.render(request, "entry.html")


@router.get("/web/sign-in")
def sign_in_page(request: Request, next: str = "/web/employees") -> Response:
    return pages.render(request, "sign_in.html", next=safe_next(next))


@router.post("/web/sign-in")
def sign_in(request: Request, client_id: Annotated[str, Form(alias="clientId")] = "",
            secret: Annotated[str, Form()] = "", next: Annotated[str, Form()] = "") -> Response:
    try:
        cookie = sessions(request).sign_in(client_id, secret)
    except SignInRefused as exc:
        return pages.render(request, "sign_in.html", None, 401, next=safe_next(next),
                            client_id=client_id, error=f"signin.error.{exc}")
    response = pages.redirect(safe_next(next) if next else "/web/employer")
    settings = request.app.state.web_settings
    pages.set_session_cookie(response, cookie, settings.web_secure_cookies,
                             int(settings.web_session_idle_s))
    return response


@router.post("/web/sign-out")
def sign_out(request: Request, session: Session, form: CheckedForm) -> Response:
    sessions(request).sign_out(session)
    response = pages.redirect("/")
    response.delete_cookie(COOKIE, path="/")
    return response


@router.get("/web/employer")
def employer_page(request: Request, session: Session, found: Found) -> Response:
    """The employers this declarant may act for today (itself, its mandators); an auditor
    gives any employer's number."""
    return pages.render(request, "employer.html", session, employers=choices(session, found))


def choices(session: WebSession, found: Found) -> list[DirectoryEmployer]:
    """A declarant's employers today: itself and its mandators (an auditor types one)."""
    return [] if session.auditor else directory.employers_of(
        found.access.pool, session.principal.name, datetime.now(BRUSSELS).date())


@router.post("/web/employer")
def choose_employer(request: Request, session: Session, form: CheckedForm,
                    found: Found) -> Response:
    number = form.get("employer", "").strip()
    if not number.isdigit() or not found.access.may_read_employer(session.principal, number):
        return pages.render(request, "employer.html", session, 404,
                            employers=choices(session, found), error="employer.unknown",
                            given=number)
    sessions(request).choose_employer(session, number)
    return pages.redirect("/web/employees")


@router.get("/web/language/{code}")
def switch_language(request: Request, code: str, next: str = "/") -> Response:
    response = pages.redirect(safe_next(next))
    if code in i18n.LANGUAGES:
        pages.remember_language(response, code)
    return response


def safe_next(target: str) -> str:
    """Only a path of this site (never another site's address)."""
    return target if target.startswith("/") and not target.startswith("//") else "/web/employees"
