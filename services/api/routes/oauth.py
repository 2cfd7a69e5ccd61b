"""POST /oauth/token: OAuth2 client credentials (RFC 6749 §4.4). Its errors are OAuth's
(`{"error": ...}`), not problem+json."""

from __future__ import annotations

import base64
from typing import Annotated
from urllib.parse import parse_qs

from fastapi import APIRouter, Header, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from services.api.access import Unauthorized
from services.api.deps import AccessDep

router = APIRouter()


class InvalidTokenRequest(ValueError):
    """A token request that cannot be answered; its OAuth error code (HTTP 400)."""


def client_credentials(body: bytes, authorization: str | None) -> tuple[str, str]:
    """(client_id, client_secret) from the form body or HTTP Basic (which wins); raises
    InvalidTokenRequest with `invalid_request` or `unsupported_grant_type`."""
    form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
    client_id, client_secret = form.get("client_id"), form.get("client_secret")
    if authorization and authorization.lower().startswith("basic "):
        try:
            client_id, _, client_secret = base64.b64decode(
                authorization[6:]).decode().partition(":")
        except ValueError:
            raise InvalidTokenRequest("invalid_request") from None
    if form.get("grant_type") != "client_credentials":
        raise InvalidTokenRequest("unsupported_grant_type")
    if not client_id or not client_secret:
        raise InvalidTokenRequest("invalid_request")
    return client_id, client_secret


@router.post("/oauth/token")
async def oauth_token(request: Request, access: AccessDep,
                      authorization: Annotated[str | None, Header()] = None):
    """OAuth2 client credentials (RFC 6749 §4.4): client_id = the declarant's enterprise
    number, client_secret = its directory token, in the form or as HTTP Basic."""
    try:
        client_id, client_secret = client_credentials(await request.body(), authorization)
    except InvalidTokenRequest as exc:
        return oauth_error(400, str(exc))
    try:
        token, expires_in = await run_in_threadpool(access.issue_token, client_id,
                                                    client_secret)
    except Unauthorized:
        return oauth_error(401, "invalid_client")
    return JSONResponse({"access_token": token, "token_type": "Bearer",
                         "expires_in": expires_in}, headers={"Cache-Control": "no-store"})


def oauth_error(status: int, error: str) -> JSONResponse:
    headers = {"WWW-Authenticate": "Basic"} if status == 401 else {}
    return JSONResponse({"error": error}, status_code=status,
                        headers={"Cache-Control": "no-store", **headers})
