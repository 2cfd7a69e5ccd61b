"""Who may do what over HTTP: bearer tokens and OAuth client credentials, mandates, and
what a principal may read (docs/interface.md §6-§7)."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from schemas.declaration import Declaration
from services.directory import adapter as directory
from services.directory.domain import Directory, DirectoryEmployer, token_digest
from services.intake.adapter import IntakeStore
from services.intake.domain import UNKNOWN_EMPLOYER, Forbidden, Principal, employer_key

BRUSSELS = ZoneInfo("Europe/Brussels")


class Unauthorized(PermissionError):
    """No principal has this token (HTTP 401)."""


class Access:
    def __init__(self, store: IntakeStore, token_lifetime_s: int):
        self.store = store
        self.pool = store.pool
        self.token_lifetime_s = token_lifetime_s

    def principal(self, authorization: str | None) -> Principal:
        """The caller of a request, from its Authorization header (none: non-secured)."""
        if not authorization:
            return Principal("anonymous")
        scheme, _, token = authorization.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise Unauthorized("the Authorization header must be `Bearer <token>`")
        digest = token_digest(token)
        if (found := directory.principal_by_token(self.pool, token)) is not None:
            return Principal(*found, token=f"directory:{digest[:16]}")
        if (declarant := self.store.token_declarant(digest)) is not None:
            return Principal("declarant", declarant, token=f"oauth:{digest[:16]}")
        raise Unauthorized("unknown or expired bearer token")

    def issue_token(self, client_id: str, client_secret: str) -> tuple[str, int]:
        """OAuth2 client credentials: the declarant's enterprise number and its directory
        token give a new access token, valid `token_lifetime_s` seconds."""
        found = directory.principal_by_token(self.pool, client_secret)
        if found is None or found != ("declarant", client_id.zfill(10)):
            raise Unauthorized("unknown client or wrong secret")
        token = secrets.token_urlsafe(32)
        expires_at = datetime.now(UTC) + timedelta(seconds=self.token_lifetime_s)
        self.store.issue_token(token_digest(token), found[1], expires_at)
        return token, self.token_lifetime_s

    def check_may_declare(self, principal: Principal, declarations: Sequence[Declaration]
                          ) -> None:
        """Raises Forbidden unless a declarant declares for itself or for an employer that
        gave it a mandate valid today; a Flexi at work situation's employer is its debtor
        (`own_employer`), with the same mandates. An employer or period the directory does
        not know passes: the validator refuses it with its anomaly code (xx-235,
        00913-354)."""
        principal.check_may_write()
        if principal.declarant is None:
            return
        employers = self.store.period_employers(d.refers_to for d in declarations
                                                if d.own_employer is None and d.refers_to)
        for key in {employer_key(d, employers) for d in declarations} - {UNKNOWN_EMPLOYER}:
            if self._acts_for(principal.declarant, key) is False:
                raise Forbidden(f"declarant {principal.declarant} has no mandate for "
                                f"employer {key}")

    def check_acts_for(self, principal: Principal, employer: DirectoryEmployer) -> None:
        """Raises Forbidden unless a declarant is the employer itself or holds its mandate
        valid today (an auditor's token reads; it changes nothing)."""
        principal.check_may_write()
        if principal.declarant is None or not self._acts_for(principal.declarant,
                                                             employer.key):
            raise Forbidden(f"declarant {principal.declarant} has no mandate for "
                            f"employer {employer.key}")

    def _acts_for(self, declarant: str, employer_number: str) -> bool | None:
        """Whether a declarant is the employer or holds its mandate valid today; None when
        the directory does not know the employer."""
        employer, mandates = directory.employer_and_mandates(self.pool, employer_number,
                                                             declarant)
        if employer is None:
            return None
        return Directory([employer], mandates).may_declare(
            declarant, employer, datetime.now(BRUSSELS).date())

    def may_read_employer(self, principal: Principal, employer_number: str) -> bool:
        """The register of an employer: its own, those of its mandators, every one for
        an auditor."""
        if principal.kind != "declarant":
            return principal.kind == "auditor"
        acts = self._acts_for(principal.declarant, employer_number)
        return acts if acts is not None else principal.declarant == employer_number.zfill(10)

    def may_read(self, principal: Principal, declarant: str | None, employer: str) -> bool:
        if principal.kind != "declarant":
            return principal.may_read(declarant, None)
        numbers = directory.employer_enterprise_numbers(self.pool, [employer])
        return principal.may_read(declarant, numbers.get(employer))
