"""No personal data in the logs (issue 7, docs/personal-data.md): declarations sent over
HTTP, as a batch over HTTP and through the watched folder, valid and malformed, with a
distinctive name and fresh SSINs, are decided, confirmed and put in the register; then no
file of var/log/ (nor the output of `dimona up`) holds any of the SSINs or the names."""

from __future__ import annotations

import json
import random
import string

import httpx
import pytest

from tests.conftest import wait_until
from tests.e2e.test_intake_channels import KROON, SECRETARIAT, RestClient, new_ssin

pytestmark = pytest.mark.e2e
OTH = {"jointCommissionNumber": "XXX", "workerType": "OTH"}


def distinctive_name(prefix: str) -> str:
    return prefix + "".join(random.choices(string.ascii_lowercase, k=8))


def declaration(worker: dict, start: str = "2031-03-03") -> dict:
    return {
        "employer": {"employerId": 175110801},
        "worker": worker,
        "dimonaIn": {"startDate": start, "features": OTH},
    }


def post(stack, path: str, **kwargs) -> int:
    return httpx.post(f"{stack.api}{path}", **kwargs).status_code


def formatted(ssin: str) -> str:
    return f"{ssin[:2]}.{ssin[2:4]}.{ssin[4:6]}-{ssin[6:9]}.{ssin[9:]}"


def test_no_ssin_and_no_name_reaches_the_logs(stack):
    family, given = distinctive_name("Vanpiiwinkel"), distinctive_name("Priv")
    ssins = [new_ssin() for _ in range(6)]
    wrong_check = ssins[5][:9] + f"{(int(ssins[5][9:]) + 1) % 100:02d}"  # refused, 00024-003
    ssins.append(wrong_check)

    def worker(ssin: str | None) -> dict:
        """With SSIN, the names; without, the full identification (90017-363)."""
        if ssin:
            return {"ssin": ssin, "familyName": family, "givenName": given}
        return {
            "familyName": family,
            "givenName": given,
            "birthDate": "1985-07-30",
            "placeOfBirth": "Gent",
            "countryOfBirth": "150",
            "nationality": "150",
            "gender": 2,
            "address": {
                "street": "Kouter",
                "houseNumber": "1",
                "postCode": "9000",
                "country": "150",
                "municipality": {"code": "44021", "name": "Gent"},
            },
        }

    # Over HTTP: accepted, refused (wrong check digits), waiting for identification (no SSIN).
    kroon = RestClient(stack.api, "kroon-secret-token")
    numbers = [kroon.declare(declaration(worker(s))) for s in (ssins[0], wrong_check, None)]
    # Malformed over HTTP: not JSON, and a wrong field next to the name.
    broken = f'{{"worker": {{"ssin": "{ssins[1]}", "familyName": "{family}", "givenName": '
    json_header = {**KROON, "Content-Type": "application/json"}
    assert post(stack, "/declarations", content=broken.encode(), headers=json_header) == 400
    wrong_field = declaration({**worker(ssins[1]), "colour": family, "gender": [given]})
    assert post(stack, "/declarations", json=wrong_field, headers=KROON) == 400

    # A batch over HTTP and a file in the watched folder, each with good and bad lines.
    def batch(good: str, bad: str) -> bytes:
        lines = [
            json.dumps(declaration(worker(good))),
            f'{{"worker": {{"ssin": "{bad}", "familyName": "{family}", "givenName": "{given}"',
            json.dumps(declaration({**worker(bad), "familyName": [family, given]})),
            json.dumps(declaration({**worker(bad), "colour": given})),
        ]
        return "\n".join(lines).encode() + b"\n"

    headers = {**SECRETARIAT, "X-File-Name": f"pii-{random.getrandbits(32)}.jsonl"}
    ack = httpx.post(f"{stack.api}/batches", content=batch(ssins[2], ssins[3]), headers=headers)
    assert ack.status_code == 202 and ack.json()["accepted"] == 1, ack.text
    inbox = stack.home / "var" / "inbox" / "0477472701"
    inbox.mkdir(parents=True, exist_ok=True)
    name = f"pii-{random.getrandbits(32)}.jsonl"
    (inbox / f".{name}").write_bytes(batch(ssins[4], ssins[5]))
    (inbox / f".{name}").rename(inbox / name)

    # Everything decided, confirmed (e-Box messages, return files) and in the register.
    assert [kroon.status(n)["result"] for n in numbers] == ["A", "B", "S"]
    progress = f"{stack.api}/batches/{ack.json()['batchRef']}"
    wait_until(lambda: httpx.get(progress, headers=headers).json()["complete"], 60, "a batch")
    outbox = stack.home / "var" / "outbox" / "0477472701"
    wait_until(lambda: list(outbox.glob(f"{name}.*.results.jsonl")), 60, "the folder's batch")
    messages = "SELECT count(*) FROM notifier.ebox_messages WHERE declaration_id = ANY(%s)"
    wait_until(lambda: stack.sql(messages, (numbers,)) == [(3,)], 60, "the e-Box messages")
    workers = "SELECT count(*) FROM register.workers WHERE family_name = %s"  # SSINs 0, 2, 4
    wait_until(lambda: stack.sql(workers, (family,)) == [(3,)], 60, "the register")
    search = {"employer": "175110801", "ssin": ssins[0], "name": family}
    found = httpx.get(f"{stack.api}/register/workers", headers=KROON, params=search).json()
    assert [w["familyName"] for w in found["items"]] == [family]

    logs = {
        p: p.read_text(errors="replace").lower()
        for p in [*(stack.home / "var" / "log").rglob("*"), stack.home / "up.log"]
        if p.is_file()
    }
    assert any("validator" in p.name for p in logs) and sum(map(len, logs.values())) > 0
    for secret in (family, given, *ssins, *map(formatted, ssins)):
        leaked = [p.name for p, text in logs.items() if secret.lower() in text]
        assert not leaked, f"{secret} is in {leaked}"
