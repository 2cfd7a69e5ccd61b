"""Rendering the web pages: one Jinja2 environment (autoescaped), and what every page is
given: the language and its labels (`_`), the session, the employer chosen, the CSRF token,
the tabs."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from services.api.web import i18n
from services.api.web.session import COOKIE, LANGUAGE_COOKIE, WebSession

TEMPLATES = Path(__file__).parent / "templates"
RELEASE = "Release 2026.12"
TABS = (("employees", "/web/employees"), ("search", "/web/search"),
        ("multi", "/web/multi-dimona"), ("declarations", "/web/declarations"),
        ("quota", "/web/quota"))


@cache
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters.update(day=i18n.day, moment=i18n.moment, hour=i18n.hour)
    return env


def language(request: Request) -> str:
    return i18n.chosen(request.query_params.get("lang") or request.cookies.get(LANGUAGE_COOKIE),
                       request.headers.get("accept-language"))


def render(request: Request, template: str, session: WebSession | None = None,
           status: int = 200, **context: object) -> HTMLResponse:
    lang = language(request)
    body = environment().get_template(template).render(
        request=request, lang=lang, _=i18n.translator(lang), languages=i18n.NAMES,
        session=session, employer=session.employer if session else None,
        csrf=session.csrf if session else "", tabs=TABS, release=RELEASE,
        here=request.url.path, query=lambda **changes: query(request, **changes),
        **context)
    response = HTMLResponse(body, status)
    if request.query_params.get("lang") == lang:
        remember_language(response, lang)
    return response


def remember_language(response: Response, code: str) -> None:
    """The language chosen, kept for a year."""
    response.set_cookie(LANGUAGE_COOKIE, code, max_age=365 * 86400, samesite="lax",
                        httponly=True)


def query(request: Request, **changes: object) -> str:
    """This page's query string with some parameters changed (paging, language)."""
    params = dict(request.query_params)
    params.update({k: str(v) for k, v in changes.items() if v is not None})
    return "?" + urlencode(params)


def redirect(url: str) -> RedirectResponse:
    """After a POST, the page to show (303: the browser GETs it)."""
    return RedirectResponse(url, status_code=303)


def set_session_cookie(response: RedirectResponse, value: str, secure: bool,
                       max_age: int) -> None:
    response.set_cookie(COOKIE, value, max_age=max_age, httponly=True, samesite="strict",
                        secure=secure, path="/")
