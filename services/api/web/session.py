"""Who is signed in to the web pages (docs/interface.md §11): a declarant with its OAuth
client credentials (its enterprise number and its directory token) or an auditor (its name
and token); the employer it chose; a CSRF token for its forms.

The cookie holds a random session id; the database keeps only its SHA-256
(`intake.web_sessions`). A session ends when signed out, or after `web_session_idle_s`
without a request. `web_sign_in_attempts` failed sign-ins in a row lock a client id for
`web_lockout_s`.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from services.directory import adapter as directory
from services.directory.domain import token_digest
from services.intake.adapter import IntakeStore
from services.intake.domain import Principal

COOKIE = "dimona_session"
LANGUAGE_COOKIE = "dimona_lang"


class SignInRefused(PermissionError):
    """Wrong credentials, or a client id locked after too many failures."""


@dataclass(frozen=True)
class WebSession:
    digest: str
    principal: Principal
    employer: str | None
    """The employer chosen (its NSSO or enterprise number); None until chosen."""
    csrf: str

    @property
    def auditor(self) -> bool:
        return self.principal.kind == "auditor"

    def check_csrf(self, token: str | None) -> bool:
        return token is not None and hmac.compare_digest(token, self.csrf)


class WebSessions:
    def __init__(self, store: IntakeStore, idle_s: float, attempts: int, lockout_s: float):
        self.store, self.idle_s = store, idle_s
        self.attempts, self.lockout_s = attempts, lockout_s

    def sign_in(self, client_id: str, secret: str) -> str:
        """A new session's cookie value; SignInRefused with a plain reason otherwise."""
        client_id = client_id.strip()
        if self.store.sign_in_locked(client_id):
            raise SignInRefused("locked")
        found = directory.principal_by_token(self.store.pool, secret) if secret else None
        expected = {("declarant", client_id.zfill(10)), ("auditor", client_id)}
        if found is None or found not in expected:
            self.store.sign_in_failed(client_id, self.attempts, self.lockout_s)
            raise SignInRefused("wrong")
        self.store.sign_in_succeeded(client_id)
        cookie = secrets.token_urlsafe(32)
        self.store.open_web_session(token_digest(cookie), found[0], found[1],
                                    secrets.token_urlsafe(24), self._expiry())
        return cookie

    def find(self, cookie: str | None) -> WebSession | None:
        """The live session of a cookie (its idle time starts again), or None."""
        if not cookie:
            return None
        digest = token_digest(cookie)
        row = self.store.web_session(digest, self._expiry())
        if row is None:
            return None
        kind, name, employer, csrf = row
        return WebSession(digest, Principal(kind, name, token=f"web:{digest[:16]}",
                                            web=True), employer, csrf)

    def choose_employer(self, session: WebSession, employer: str) -> None:
        self.store.choose_web_employer(session.digest, employer)

    def sign_out(self, session: WebSession) -> None:
        self.store.close_web_session(session.digest)

    def _expiry(self) -> datetime:
        return datetime.now(UTC) + timedelta(seconds=self.idle_s)
