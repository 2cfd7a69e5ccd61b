"""POST /oauth/token: the client credentials from the form or HTTP Basic, and OAuth's own
errors (not problem+json)."""

import base64

import pytest

from services.api.routes.oauth import InvalidTokenRequest, client_credentials
from tests.unit.api.fakes import app_with

FORM = b"grant_type=client_credentials&client_id=0403170701&client_secret=kroon"


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def test_the_credentials_come_from_the_form_or_from_basic_which_wins():
    assert client_credentials(FORM, None) == ("0403170701", "kroon")
    assert client_credentials(b"grant_type=client_credentials&client_secret=a%26b%3D",
                              basic("0876543270", "p:q")) == ("0876543270", "p:q")
    assert client_credentials(FORM, "Bearer x") == ("0403170701", "kroon")


@pytest.mark.parametrize(("body", "authorization", "error"), [
    (b"client_id=1&client_secret=2", None, "unsupported_grant_type"),
    (b"grant_type=password&client_id=1&client_secret=2", None, "unsupported_grant_type"),
    (b"grant_type=client_credentials&client_id=1", None, "invalid_request"),
    (b"grant_type=client_credentials", basic("", "secret"), "invalid_request"),
    (b"grant_type=client_credentials", "Basic %%%", "invalid_request"),
    (b"grant_type=client_credentials", "Basic " + base64.b64encode(b"\xff:\xfe").decode(),
     "invalid_request"),
])
def test_a_request_that_cannot_be_answered_names_its_oauth_error(body, authorization, error):
    with pytest.raises(InvalidTokenRequest) as raised:
        client_credentials(body, authorization)
    assert str(raised.value) == error


def test_a_token_is_issued_never_cached():
    _, client = app_with()
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    answer = client.post("/oauth/token", content=FORM, headers=form)
    assert answer.status_code == 200
    assert answer.json() == {"access_token": "issued-token", "token_type": "Bearer",
                             "expires_in": 600}
    assert answer.headers["Cache-Control"] == "no-store"
    by_basic = client.post("/oauth/token", data={"grant_type": "client_credentials"},
                           auth=("0403170701", "kroon"))
    assert by_basic.status_code == 200


def test_oauth_errors_are_oauths():
    _, client = app_with()
    wrong = client.post("/oauth/token", data={"grant_type": "client_credentials",
                                              "client_id": "0403170701",
                                              "client_secret": "parc"})
    assert (wrong.status_code, wrong.json()) == (401, {"error": "invalid_client"})
    assert wrong.headers["WWW-Authenticate"] == "Basic"
    assert wrong.headers["Cache-Control"] == "no-store"
    grant = client.post("/oauth/token", data={"grant_type": "password"})
    assert (grant.status_code, grant.json()) == (400, {"error": "unsupported_grant_type"})
    assert "WWW-Authenticate" not in grant.headers
    missing = client.post("/oauth/token", data={"grant_type": "client_credentials"})
    assert (missing.status_code, missing.json()) == (400, {"error": "invalid_request"})
