"""The web pages' sign-in, sessions, employer's choice, CSRF and lock-out
(docs/interface.md §11) over a real database, in-process (tests/integration/http_world.py);
the pages in a real browser: tests/e2e/test_web_*.py."""

from __future__ import annotations

import re

import pytest

from services.api.web import i18n

pytestmark = pytest.mark.integration
KROON = {"clientId": "0403170701", "secret": "kroon-secret-token"}
SECRETARIAT = {"clientId": "0477472701", "secret": "secretariat-secret-token"}


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def signed_in(world, credentials: dict, employer: str | None = None):
    client = world.client
    client.cookies.clear()
    answer = client.post("/web/sign-in", data=credentials, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    if employer is not None:
        page = client.get("/web/employer")
        chosen = client.post("/web/employer", data={"csrf": csrf_of(page.text),
                                                    "employer": employer},
                             follow_redirects=False)
        assert chosen.status_code == 303, chosen.text
    return client


def test_every_label_exists_in_the_four_languages():
    missing = [(key, lang) for key, texts in i18n.catalogue().items()
               for lang in i18n.LANGUAGES if not texts.get(lang)]
    assert missing == []


def test_a_page_needs_a_session_and_an_employer(world):
    world.client.cookies.clear()
    answer = world.client.get("/web/ebox", follow_redirects=False)
    assert (answer.status_code, answer.headers["location"]) == (
        303, "/web/sign-in?next=%2Fweb%2Febox")
    client = signed_in(world, KROON)
    assert client.get("/web/ebox", follow_redirects=False).headers["location"] == (
        "/web/employer")
    cookie = client.cookies.get("dimona_session")
    assert cookie and len(cookie) > 30
    assert "httponly" in world.client.post("/web/sign-in", data=KROON,
                                           follow_redirects=False).headers["set-cookie"].lower()


def test_a_declarant_chooses_among_its_own_and_its_mandators(world):
    client = signed_in(world, SECRETARIAT)
    page = client.get("/web/employer").text
    assert "Brasserie De Kroon" in page and "tel du Parc" in page
    refused = client.post("/web/employer", data={"csrf": csrf_of(page),
                                                 "employer": "999999999"})
    assert refused.status_code == 404
    kroon = signed_in(world, KROON)
    page = kroon.get("/web/employer").text
    assert "Brasserie De Kroon" in page and "tel du Parc" not in page
    other = kroon.post("/web/employer", data={"csrf": csrf_of(page), "employer": "197100119"})
    assert other.status_code == 404, "another employer's register is not there"


def test_a_form_without_its_csrf_token_is_refused(world):
    client = signed_in(world, KROON)
    answer = client.post("/web/employer", data={"employer": "175110801"})
    assert answer.status_code == 403
    answer = client.post("/web/employer", data={"employer": "175110801", "csrf": "forged"})
    assert answer.status_code == 403


def test_wrong_secrets_lock_the_client_id(world):
    world.client.cookies.clear()
    wrong = {"clientId": "0876543270", "secret": "not-it"}
    for _ in range(5):
        assert world.client.post("/web/sign-in", data=wrong).status_code == 401
    right = {"clientId": "0876543270", "secret": "parc-secret-token"}
    locked = world.client.post("/web/sign-in", data=right)
    assert locked.status_code == 401
    assert "Too many failed attempts" in world.client.post(
        "/web/sign-in", data=right, headers={"Accept-Language": "en"}).text


def test_sign_out_ends_the_session(world):
    client = signed_in(world, KROON, "175110801")
    page = client.get("/web/ebox")
    assert page.status_code == 200
    client.post("/web/sign-out", data={"csrf": csrf_of(page.text)})
    client.cookies.clear()
    assert client.get("/web/ebox", follow_redirects=False).status_code == 303


def test_the_e_box_shows_messages_unread_first_and_marks_them_read(world):
    world.declare({"Authorization": "Bearer kroon-secret-token"})
    world.settle()
    client = signed_in(world, KROON, "175110801")
    page = client.get("/web/ebox", headers={"Accept-Language": "fr"}).text
    assert "Non lus" in page
    first = re.search(r'href="/web/ebox/([0-9a-f-]{36})"', page).group(1)
    message = client.get(f"/web/ebox/{first}", headers={"Accept-Language": "fr"})
    assert message.status_code == 200 and "Dimona" in message.text
    after = client.get("/web/ebox").text
    unread_part = after.split('<h2 id="unread">')[1].split('<h2 id="every">')[0]
    assert first not in unread_part and first in after  # read: in every message, not unread
    assert client.get("/web/ebox/00000000-0000-0000-0000-000000000000").status_code == 404


AUDITOR = {"clientId": "Inspectie", "secret": "auditor-secret-token"}


def test_an_auditor_reads_the_audit_log_and_verifies_it(world):
    number = world.declare({"Authorization": "Bearer kroon-secret-token"})
    world.settle()
    client = signed_in(world, AUDITOR, "175110801")
    page = client.get("/web/audit", headers={"Accept-Language": "en"})
    assert page.status_code == 200 and str(number) in page.text
    one = client.get(f"/web/audit?declaration={number}").text
    assert "received" in one and "decided" in one
    assert 'id="verify-result" class="status-A"' in client.get("/web/audit/verify").text
    kroon = signed_in(world, KROON, "175110801")
    assert kroon.get("/web/audit").status_code == 404, "auditors only"


def test_the_same_form_posted_twice_by_one_session_records_once(world):
    from services.api.web.declare import declare
    from services.intake.application import Declare
    from services.intake.domain import Principal
    services = world.app.state.services
    use_case = Declare(services.intake, services.access.check_may_declare)
    body = world.other_in()
    session = Principal("declarant", "0403170701", token="web:aaaa", web=True)
    first = declare(use_case, session, [body], "web")
    assert declare(use_case, session, [body], "web") == first
    other_session = Principal("declarant", "0403170701", token="web:bbbb", web=True)
    assert declare(use_case, other_session, [body], "web") != first
