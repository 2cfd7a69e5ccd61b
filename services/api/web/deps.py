"""What the web routes are given: the signed-in session (else the sign-in page), the
employer chosen (else the employer's choice), and the check of a form's CSRF token; the
pages shown instead of an error (never a traceback)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.responses import Response

from services.api.deps import Services, services
from services.api.web import pages
from services.api.web.session import COOKIE, WebSession, WebSessions


class SignInNeeded(Exception):
    """No live session: the sign-in page, then back here."""


class EmployerNeeded(Exception):
    """Signed in, no employer chosen yet."""


class PageNotFound(Exception):
    """Not there, or not yours: the same 404 (as the API's)."""


class FormRefused(Exception):
    """A form posted without its session's CSRF token (or with another's)."""


def sessions(request: Request) -> WebSessions:
    return request.app.state.web_sessions


def signed_in(request: Request) -> WebSession:
    found = sessions(request).find(request.cookies.get(COOKIE))
    if found is None:
        raise SignInNeeded()
    return found


def with_employer(session: Annotated[WebSession, Depends(signed_in)]) -> WebSession:
    if session.employer is None:
        raise EmployerNeeded()
    return session


async def checked_form(request: Request,
                       session: Annotated[WebSession, Depends(signed_in)]) -> dict[str, str]:
    """The posted form's fields, once its CSRF token is the session's."""
    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    if not session.check_csrf(fields.pop("csrf", None)):
        raise FormRefused()
    return fields


Session = Annotated[WebSession, Depends(signed_in)]
EmployerSession = Annotated[WebSession, Depends(with_employer)]
Form = Annotated[dict[str, str], Depends(checked_form)]
Found = Annotated[Services, Depends(services)]


def install_handlers(app: FastAPI) -> None:
    @app.exception_handler(SignInNeeded)
    async def sign_in_first(request: Request, exc: SignInNeeded) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return pages.redirect(f"/web/sign-in?{pages.urlencode({'next': target})}")

    @app.exception_handler(EmployerNeeded)
    async def employer_first(request: Request, exc: EmployerNeeded) -> Response:
        return pages.redirect("/web/employer")

    @app.exception_handler(PageNotFound)
    async def not_found(request: Request, exc: PageNotFound) -> Response:
        return pages.render(request, "error.html", None, 404, problem="not_found")

    @app.exception_handler(FormRefused)
    async def refused(request: Request, exc: FormRefused) -> Response:
        return pages.render(request, "error.html", None, 403, problem="csrf")
