"""The official batch files through a running stack's SFTP server and POST /batches
(docs/interface.md §10, docs/adr/0011-official-batch-files.md): a sender that logs in with
its key of the directory, puts its FI and GO files and reads its ACRF and NOTIFICATION
files back over SFTP; then over 10,000 hostile files and forms, seeded, through both
doors, each answered once (an ACRF per file, a NOTIFICATION form per declaration of an
accepted file), nothing crashed, nothing left in the input folders, nothing fetched."""

from __future__ import annotations

import asyncio
import codecs
import io
import json
import os
import random
import re
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import asyncssh
import httpx
import pytest
from lxml import etree

from schemas.declaration import Declaration
from services.intake.official_files import brussels_today
from services.intake.xmlforms import write_dimona
from tests.conftest import StackProcess, wait_until

pytestmark = pytest.mark.e2e

SENDER = "000640"  # the example directory's social secretariat
SECRETARIAT = "0477472701"
AUTH = {"Authorization": "Bearer secretariat-secret-token"}
KROON_ID, PARC_ID = 175110801, 197100119
OTH = {"jointCommissionNumber": "XXX", "workerType": "OTH"}
FOLDERS = ("IN", "INTEST", "INTEST-S", "OUT", "OUTTEST", "OUTTEST-S")
IN_OF = {"R": "IN", "T": "INTEST", "S": "INTEST-S"}
OUT_OF = {"R": "OUT", "T": "OUTTEST", "S": "OUTTEST-S"}
FINAL = ("0", "1")  # HandlingResult/ResultCode of a final result; 3 waits for the identity


def today() -> date:
    return brussels_today(datetime.now(UTC))


def ssin_of(first9: int) -> str:
    return f"{first9:09d}{97 - first9 % 97:02d}"


def random_ssin(rng: random.Random) -> str:
    """A valid SSIN, born 1950-1999 (check digits of the 1900s)."""
    return ssin_of(int(f"{rng.randint(50, 99):02d}{rng.randint(1, 12):02d}"
                       f"{rng.randint(1, 28):02d}{rng.randint(1, 997):03d}"))


def fi(sequence: str, environment: str = "R", *, day: date | None = None, parts: int = 1,
       part: int = 1, prefix: str = "FI", purpose: str = "DIMN", sender: str = SENDER) -> str:
    return (f"{prefix}.{purpose}.{sender}.{(day or today()):%Y%m%d}.{sequence}."
            f"{environment}.{parts}.{part}")


def go(fi_name: str) -> str:
    """The GO name of an FI name (its set)."""
    return "GO." + ".".join(fi_name.split(".")[1:-1])


def dimona_file(declarations: list[dict]) -> bytes:
    out = io.BytesIO()
    write_dimona(out, [Declaration.model_validate(d) for d in declarations])
    return out.getvalue()


def an_in(ssin: str, start: date, reference: str, **extra) -> dict:
    return {"employer": {"employerId": KROON_ID}, "worker": {"ssin": ssin},
            "references": {"declaration": reference},
            "dimonaIn": {"startDate": start.isoformat(), "features": OTH, **extra}}


def acrf_of(content: bytes) -> dict:
    form = etree.fromstring(content).find("Form")
    return {"file": form.findtext("FileReference/FileName"),
            "ticket": form.findtext("FileReference/ReferenceNbr"),
            "code": form.findtext("ReceptionResult/ResultCode"),
            "errors": [e.text for e in form.findall("ReceptionResult/ErrorID")]}


def noti_forms(content: bytes) -> list[dict]:
    forms = []
    for form in etree.fromstring(content).findall("Form"):
        forms.append({
            "ticket": form.findtext("FileReference/ReferenceNbr"),
            "number": int(form.findtext("HandledReference/ReferenceNbr")),
            "code": form.findtext("HandlingResult/ResultCode"),
            "reference": next((r.findtext("ReferenceNbr") for r in form.findall("Reference")
                               if r.findtext("ReferenceType") == "1"), None),
            "anomalies": [a.findtext("ErrorID")
                          for a in form.findall("HandlingResult/AnomalyReport")],
            "period": form.findtext("HandlingResult/ImpactReport/DimonaImpactReport/"
                                    "DimonaPeriodId"),
            "registration": form.find("HandlingResult/ImpactReport/"
                                      "DailyRegistrationDclImpactReport") is not None})
    return forms


def give_key(stack: StackProcess, key: asyncssh.SSHKey) -> None:
    """The example secretariat, with this public key to log in (`dimona directory load`)."""
    document = stack.home / f"sender-key-{os.getpid()}-{time.monotonic_ns()}.json"
    document.write_text(json.dumps({"declarants": [{
        "enterpriseNumber": SECRETARIAT, "name": "Sociaal Secretariaat Voorbeeld",
        "token": "secretariat-secret-token", "batchSender": True, "senderId": SENDER,
        "sshPublicKeys": [key.export_public_key("openssh").decode().strip()]}]}))
    stack.cli("directory", "load", str(document))


@asynccontextmanager
async def sftp_session(stack: StackProcess, key: asyncssh.SSHKey
                       ) -> AsyncIterator[asyncssh.SFTPClient]:
    host, port = stack.state["sftp"].rsplit(":", 1)
    async with asyncssh.connect(host, int(port), username=SENDER, client_keys=[key],
                                known_hosts=None, agent_path=None, config=None,
                                login_timeout=30) as conn:
        async with conn.start_sftp_client() as sftp:
            yield sftp


async def put(sftp: asyncssh.SFTPClient, path: str, data: bytes) -> None:
    async with sftp.open(path, "wb") as remote:
        if data:
            await remote.write(data)


async def fetch(sftp: asyncssh.SFTPClient, path: str) -> bytes:
    async with sftp.open(path, "rb") as remote:
        return await remote.read()


class Outbox:
    """What the sender fetched from its OUT folders over SFTP, each file read once."""

    def __init__(self, sftp: asyncssh.SFTPClient):
        self.sftp = sftp
        self.read: dict[tuple[str, str], bytes] = {}

    async def poll(self, folder: str, kind: str) -> None:
        for name in sorted(await self.sftp.listdir(folder)):
            if name.startswith(f"FO.{kind}.") and (folder, name) not in self.read:
                self.read[(folder, name)] = await fetch(self.sftp, f"{folder}/{name}")

    async def acrf(self, folder: str, file_name: str, timeout_s: float = 60) -> dict:
        """The ACRF of `file_name`, polled with listdir until it comes."""
        deadline = time.monotonic() + timeout_s
        while True:
            await self.poll(folder, "ACRF")
            found = [(name, acrf_of(content)) for (f, name), content in self.read.items()
                     if f == folder and name.startswith("FO.ACRF.")
                     and acrf_of(content)["file"] == file_name]
            if found:
                assert len(found) == 1, found
                return {"name": found[0][0], **found[0][1]}
            assert time.monotonic() < deadline, f"no ACRF of {file_name} in {folder}"
            await asyncio.sleep(0.3)

    async def notified(self, folder: str, ticket: str, forms: int, timeout_s: float = 90
                       ) -> list[dict]:
        """The NOTIFICATION forms of a ticket, polled until `forms` declarations have their
        final result; in the order they came."""
        deadline = time.monotonic() + timeout_s
        while True:
            await self.poll(folder, "NOTI")
            found = [form for (f, name), content in sorted(self.read.items())
                     if f == folder and name.startswith("FO.NOTI.")
                     for form in noti_forms(content) if form["ticket"] == ticket]
            if sum(form["code"] in FINAL for form in found) >= forms:
                return found
            assert time.monotonic() < deadline, f"{ticket}: {found}"
            await asyncio.sleep(0.3)


# --- 1. a sender's session --------------------------------------------------------------

def test_a_sender_sends_over_sftp_and_reads_its_acrf_and_notifications(stack):
    rng = random.Random()  # the shared stack: workers no other test uses
    accepted, refused, tested = (random_ssin(rng) for _ in range(3))
    run = "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(3))
    start = today() + timedelta(days=30)
    key = asyncssh.generate_private_key("ssh-ed25519")
    give_key(stack, key)
    kroon = httpx.put(f"{stack.api}/employers/{KROON_ID}/daily-registration-system",
                      json={"system": "dimona"},
                      headers={"Authorization": "Bearer kroon-secret-token"})
    assert kroon.status_code == 200, kroon.text

    async def scenario() -> dict:
        async with sftp_session(stack, key) as sftp:
            assert sorted(set(await sftp.listdir("/")) - {".", ".."}) == sorted(FOLDERS)
            out = Outbox(sftp)

            # a file of two INs: one accepted, one refused with its anomaly
            first = fi(f"{run}01")
            await put(sftp, f"IN/{first}", dimona_file([
                an_in(accepted, start, "accepted-in"),
                {**an_in(refused, start, "refused-in"),
                 "dimonaIn": {"startDate": start.isoformat(),
                              "features": {"jointCommissionNumber": "XXX",
                                           "workerType": "BAD"}}}]))
            await put(sftp, f"IN/{go(first)}", b"")
            ack = await out.acrf("OUT", first)
            assert (ack["code"], ack["errors"], len(ack["ticket"])) == ("1", [], 13)
            assert ack["name"].replace("FO.", "GO.", 1) in await sftp.listdir("OUT")
            forms = await out.notified("OUT", ack["ticket"], 2)
            by_reference = {f["reference"]: f for f in forms}
            assert len(forms) == 2 and set(by_reference) == {"accepted-in", "refused-in"}
            assert (by_reference["accepted-in"]["code"], by_reference["accepted-in"][
                "anomalies"]) == ("1", [])
            assert by_reference["refused-in"]["code"] == "0"
            assert by_reference["refused-in"]["anomalies"], "refused with its anomaly"
            period = by_reference["accepted-in"]["number"]  # the period is its IN's number
            assert by_reference["accepted-in"]["period"] == str(period)
            batches = {ack["ticket"]: {f["number"] for f in forms}}

            # a later set: a daily registration on the period, then its OUT
            second = fi(f"{run}02")
            await put(sftp, f"IN/{second}", dimona_file([
                {"dailyRegistration": {
                    "action": "create", "periodId": period,
                    "startDate": (start + timedelta(days=1)).isoformat(), "startHour": "1800",
                    "endDate": (start + timedelta(days=2)).isoformat(), "endHour": "0200"},
                 "references": {"declaration": "registration"}},
                {"employer": {"employerId": KROON_ID}, "worker": {"ssin": accepted},
                 "references": {"declaration": "out"},
                 "dimonaOut": {"periodId": period,
                               "endDate": (start + timedelta(days=10)).isoformat()}}]))
            await put(sftp, f"IN/{go(second)}", b"")
            ack2 = await out.acrf("OUT", second)
            assert (ack2["code"], ack2["errors"]) == ("1", [])
            forms2 = {f["reference"]: f for f in await out.notified("OUT", ack2["ticket"], 2)}
            assert {r: (f["code"], f["anomalies"]) for r, f in forms2.items()} == {
                "registration": ("1", []), "out": ("1", [])}, forms2
            assert forms2["registration"]["registration"]
            assert forms2["out"]["period"] == str(period)
            batches[ack2["ticket"]] = {f["number"] for f in forms2.values()}

            # a T file in INTEST, answered in OUTTEST, that changes no register
            test_file = fi(f"{run}03", "T")
            await put(sftp, f"INTEST/{test_file}",
                      dimona_file([an_in(tested, start, "test-in")]))
            await put(sftp, f"INTEST/{go(test_file)}", b"")
            ack3 = await out.acrf("OUTTEST", test_file)
            assert (ack3["code"], ack3["errors"]) == ("1", [])
            [form3] = await out.notified("OUTTEST", ack3["ticket"], 1)
            assert (form3["code"], form3["reference"]) == ("1", "test-in")
            assert ack3["name"] not in await sftp.listdir("OUT")

            # the sender removes what it fetched: its answers and their GO files
            tickets = {ack["ticket"], ack2["ticket"], ack3["ticket"]}
            mine = {("OUT", ack["name"]), ("OUT", ack2["name"]), ("OUTTEST", ack3["name"])}
            mine |= {(folder, name) for (folder, name), content in out.read.items()
                     if name.startswith("FO.NOTI.")
                     and {f["ticket"] for f in noti_forms(content)} & tickets}
            assert len(mine) >= 6  # three ACRFs, at least three NOTIFICATION files
            fetched = [(folder, n) for folder, name in sorted(mine)
                       for n in (name, name.replace("FO.", "GO.", 1))]
            for folder, name in fetched:
                await sftp.remove(f"{folder}/{name}")
            left = {(f, n) for f in ("OUT", "OUTTEST") for n in await sftp.listdir(f)}
            assert not left & set(fetched)
            return {"batches": batches, "period": period, "test": ack3["ticket"]}

    seen = asyncio.run(scenario())
    for ticket, numbers in seen["batches"].items():
        batch = httpx.get(f"{stack.api}/batches/{ticket}", headers=AUTH).json()
        assert {r["declarationId"] for r in batch["results"]} == numbers, batch
        assert batch["complete"] and batch["format"] == "xml"
    periods = json.loads(stack.cli("register", "periods", "--employer", str(KROON_ID),
                                   "--ssin", accepted, "--json").stdout)
    assert [(p["periodId"], p["startDate"], p["endDate"]) for p in periods] == [
        (seen["period"], start.isoformat(), (start + timedelta(days=10)).isoformat())]
    registrations = httpx.get(f"{stack.api}/register/registrations", headers=AUTH, params={
        "employer": KROON_ID, "period": seen["period"]}).json()
    assert [r["startDate"] for r in registrations["items"]] == [
        (start + timedelta(days=1)).isoformat()]
    untouched = httpx.get(f"{stack.api}/register/periods", headers=AUTH, params={
        "employer": KROON_ID, "ssin": tested}).json()
    assert untouched["total"] == 0, untouched
    test_batch = httpx.get(f"{stack.api}/batches/{seen['test']}", headers=AUTH).json()
    assert (test_batch["environment"], test_batch["complete"]) == ("T", True)



def test_an_fi_whose_client_set_its_old_times_still_waits_for_its_go(stack):
    key = asyncssh.generate_private_key("ssh-ed25519")
    give_key(stack, key)
    name = fi("".join(random.choice("ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(3)) + "91")
    content = dimona_file([an_in(random_ssin(random.Random()), today() + timedelta(days=30),
                                 "kept-times")])

    async def scenario() -> dict:
        async with sftp_session(stack, key) as sftp:
            exported = int(time.time()) - 2 * 3600
            async with sftp.open(f"IN/{name}", "wb") as remote:
                await remote.write(content)
                await remote.setstat(asyncssh.SFTPAttrs(atime=exported, mtime=exported))
            await asyncio.sleep(2)  # a few scans: the GO is put a moment later
            await put(sftp, f"IN/{go(name)}", b"")
            return await Outbox(sftp).acrf("OUT", name)

    ack = asyncio.run(scenario())
    assert (ack["code"], ack["errors"]) == ("1", []), ack


# --- 2. hostile files and forms at volume -----------------------------------------------

SEED = 20261207
MAX_FILE_BYTES = 100_000  # DIMONA_XML_MAX_FILE_BYTES of the hostile stack
GO_TIMEOUT_S = 5  # DIMONA_SFTP_GO_TIMEOUT_S of the hostile stack
SFTP_SETS = 2_600  # hostile files through SFTP (each a set, a name, an ACRF)
HTTP_FILES = 2_900  # hostile files through POST /batches
FORMS = 4_700  # hostile forms in schema-valid files, through both doors
CANARY = {"url": "http://127.0.0.1:9"}  # set to the test's listener: nothing may come
NAMES = ["Müller-Lüdenscheid", "Ñúñez", "Øresund", "Zoë 😀", "Ǆemal", "Ωmega", "李雷",
         "O'Brien", "<script>alert(1)</script>", "&amp; &lt;", "'; DROP TABLE x; --",
         "${jndi:ldap://x}", "\u202egnp.exe", "a" * 200, "\ufeffbom", "\u00a0nbsp"]


def valid_file(rng: random.Random, forms: int = 2) -> bytes:
    """A schema-valid file of INs with non-ASCII names (what the hostile kinds break)."""
    start = today() + timedelta(days=rng.randint(20, 300))
    return dimona_file([{**an_in(random_ssin(rng), start, f"base-{i}"),
                         "worker": {"ssin": random_ssin(rng), "familyName": rng.choice(
                             NAMES[:7]), "givenName": rng.choice(NAMES[:7])}}
                        for i in range(forms)])


def truncated(rng: random.Random) -> tuple[bytes, str]:
    base = valid_file(rng, rng.randint(1, 4))
    cut = base[:rng.randrange(0, len(base))]
    try:
        cut.decode("utf-8")
    except UnicodeDecodeError:
        return cut, "138"  # cut inside a character
    return cut, "102"


def prolog(rng: random.Random) -> bytes:
    return rng.choice([b"", b"<?xml version='1.0' encoding='UTF-8'?>\n", codecs.BOM_UTF8,
                       b"<!-- payroll export -->\n", b"  \n",
                       b"<?xml version=\"1.0\"?><?pi data?>"])


def forms_xml(rng: random.Random) -> bytes:
    """The Form elements of a valid file (without its root)."""
    body = valid_file(rng, rng.randint(1, 2))
    return body[body.index(b"<Form>"):body.rindex(b"</Dimona>")]


def entities(rng: random.Random) -> tuple[bytes, str]:
    """DOCTYPEs: billion laughs, external and parameter entities, external DTDs. Refused
    unread (102): never expanded, nothing fetched (the canary counts requests)."""
    url = f"{CANARY['url']}/{rng.randrange(10**6)}"
    lol = rng.randint(2, 12)
    laughs = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, lol))
    doctype = rng.choice([
        f'<!DOCTYPE Dimona [<!ENTITY l0 "lol">{laughs}]>',
        f'<!DOCTYPE Dimona [<!ENTITY x SYSTEM "{url}">]>',
        '<!DOCTYPE Dimona [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
        f'<!DOCTYPE Dimona [<!ENTITY % p SYSTEM "{url}"> %p;]>',
        f'<!DOCTYPE Dimona SYSTEM "{url}">',
        f'<!DOCTYPE Dimona PUBLIC "-//EVIL//DTD x//EN" "{url}">',
        f'<!DOCTYPE Dimona [<!ENTITY % e "<!ENTITY x SYSTEM \'{url}\'>"> %e;]>',
        "<!ELEMENT Dimona ANY>", "<!ENTITY x 'y'>"])
    body = rng.choice([b"<Dimona>&x;</Dimona>", b"<Dimona>&l" + str(lol - 1).encode()
                       + b";</Dimona>", b"<Dimona>" + forms_xml(rng) + b"</Dimona>"])
    return prolog(rng) + doctype.encode() + body, "102"


def random_bytes(rng: random.Random) -> tuple[bytes, str]:
    data = bytearray(rng.randbytes(rng.randint(1, 4000)))
    data[rng.randrange(len(data))] = 0xFF  # never UTF-8
    return bytes(data), "138"


def junk_text(rng: random.Random) -> tuple[bytes, str]:
    alphabet = "<>&;/=\"' abcdefXYZ0123456789!?[]-\n\t"
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(50, 3000))).encode(), "102"


def not_utf8(rng: random.Random) -> tuple[bytes, str]:
    text = valid_file(rng).decode().replace("base-", "café-")
    return rng.choice([
        text.encode("latin-1", "replace"),
        text.replace("utf-8", "ISO-8859-1", 1).encode("latin-1", "replace"),
        text.replace(" encoding='utf-8'", "").encode("utf-16"),
        text.replace("utf-8", "UTF-16", 1).encode(),
        text.replace("utf-8", "windows-1252", 1).encode(),
        text.encode().replace(b"caf\xc3\xa9", b"caf\xed\xa0\x80"),  # a surrogate
        text.encode().replace(b"caf\xc3\xa9", b"caf\xc0\xaf"),  # overlong
    ]), "138"


def not_xml_chars(rng: random.Random) -> tuple[bytes, str]:
    base = valid_file(rng)
    at = base.index(b"base-") + 5
    bad = rng.choice([b"\x00", b"\x01", b"\x1b", b"\xef\xbf\xbe", b"\xef\xbf\xbf"])
    return base[:at] + bad + base[at:], "102"


def broken_structure(rng: random.Random) -> tuple[bytes, str]:
    forms = forms_xml(rng)
    return rng.choice([
        b"<Dimona>" + forms + b"</Dimona><Dimona>" + forms + b"</Dimona>",
        b"<Dimona>" + forms + b"</Form></Dimona>",
        b"<Dimona>" + forms.replace(b"</Form>", b"</Fomr>", 1) + b"</Dimona>",
        b"<Dimona><Form>" + forms,
        b"<Dimona>" + forms + b"</Dimona>trailing",
        b"", b"   ", b"<", b"<Dimona", b"<Dimona attr=novalue>" + forms + b"</Dimona>",
    ]), "102"


def wrong_root(rng: random.Random) -> tuple[bytes, str]:
    root = rng.choice(["Other", "dimona", "DIMONA", "Form", "ACRF", "FLXWAGE", "Dimona2"])
    return prolog(rng) + f"<{root}>".encode() + forms_xml(rng) + f"</{root}>".encode(), "089"


def wrong_namespace(rng: random.Random) -> tuple[bytes, str]:
    ns = rng.choice(["urn:evil", "http://socialsecurity.be/xml/ns/FLXWAGE",
                     "http://www.w3.org/1999/xhtml", CANARY["url"]])
    root = rng.choice([f'<Dimona xmlns="{ns}">', f'<d:Dimona xmlns:d="{ns}">'])
    end = "</Dimona>" if root.startswith("<Dimona") else "</d:Dimona>"
    return root.encode() + forms_xml(rng) + end.encode(), "139"


def not_a_form(rng: random.Random) -> tuple[bytes, str]:
    forms = forms_xml(rng)
    block = rng.choice([b"<Junk/>", b"<Forms>x</Forms>", b"<form/>",
                        b"<Wrapper>" + forms + b"</Wrapper>",
                        b'<x:Form xmlns:x="urn:other"/>'])
    body = rng.choice([block + forms, forms + block, forms + block + forms, block])
    return b"<Dimona>" + body + b"</Dimona>", "205"


def no_declaration(rng: random.Random) -> tuple[bytes, str]:
    return prolog(rng) + rng.choice([b"<Dimona/>", b"<Dimona></Dimona>",
                                     b"<Dimona>\n  <!-- nothing -->\n</Dimona>",
                                     b"<Dimona><?pi x?>text</Dimona>"]), "157"


def oversized(rng: random.Random) -> tuple[bytes, str]:
    base = valid_file(rng)
    pad = MAX_FILE_BYTES + 1 - len(base) + rng.randint(0, 30_000)
    return base.replace(b"<Dimona>", b"<Dimona><!--" + b"x" * pad + b"-->", 1), "184"


def too_deep(rng: random.Random) -> tuple[bytes, str]:
    depth = rng.randint(300, 9_000)
    close = b"</a>" * depth if rng.random() < 0.5 else b""
    return b"<Dimona><Form>" + b"<a>" * depth + close + b"</Form></Dimona>", "184"


SCHEMA_BREAKS: list[Callable[[bytes, random.Random], bytes]] = [
    lambda f, r: f.replace(b"<WorkerType>OTH<", b"<WorkerType>OTHER<", 1),
    lambda f, r: f.replace(b"<Identification>DIMONA<", b"<Identification>DIMONB<", 1),
    lambda f, r: f.replace(b"<Form>", b'<Form evil="' + b"A" * r.randint(1, 90_000)
                           + b'">', 1),
    lambda f, r: f.replace(b"<TypeForm>SU</TypeForm>", b"<TypeForm>SU</TypeForm><Evil/>", 1),
    lambda f, r: f.replace(b"<TypeForm>SU</TypeForm>", b'<TypeForm>SU</TypeForm><xi:include'
                           b' xmlns:xi="http://www.w3.org/2001/XInclude" href="'
                           + CANARY["url"].encode() + b'/xi"/>', 1),
    lambda f, r: f.replace(b"<WorkerName>", b"<WorkerName>" + "é".encode()
                           * r.randint(200, 40_000), 1),
    lambda f, r: f.replace(b"</StartingDate>", b"</StartingDate><StartingDate>2030-01-01"
                           b"</StartingDate>", 1),
    lambda f, r: re.sub(rb"<StartingDate>[0-9-]+<", r.choice([
        b"<StartingDate>2030-02-30<", b"<StartingDate>2030-13-01<", b"<StartingDate>0000-01-01<",
        b"<StartingDate>30-01-2030<", b"<StartingDate> 2030-01-01<"]), f, count=1),
    lambda f, r: f.replace(b"<ReferenceNbr>", b"<ReferenceNbr>" + b"r" * 201, 1),
    lambda f, r: f.replace(b"</Reference>", b"</Reference><Reference><ReferenceType>1"
                           b"</ReferenceType><ReferenceOrigin>1</ReferenceOrigin>"
                           b"<ReferenceNbr>again</ReferenceNbr></Reference>", 1),
    lambda f, r: f.replace(b"<Form>", b"<Form><![CDATA[" + b"]" * r.randint(1, 9) + b"]]>", 1),
]


def not_valid_against_the_schema(rng: random.Random) -> tuple[bytes, str]:
    """One form broken among valid ones: the whole file is refused (312)."""
    while True:
        base = valid_file(rng, rng.randint(1, 5))
        broken = rng.choice(SCHEMA_BREAKS)(base, rng)
        if broken != base and len(broken) <= MAX_FILE_BYTES:
            return broken, "312"


def period_past_bigint(rng: random.Random) -> tuple[bytes, str]:
    """A period number the schema takes and no declaration can carry (past bigint)."""
    forms = dimona_file([{"dimonaCancel": {"periodId": 123},
                          "references": {"declaration": "cancel"}}])
    return forms.replace(b"<DimonaPeriodId>123<", b"<DimonaPeriodId>"
                         + str(rng.randint(2**63, 10**20 - 1)).encode() + b"<", 1), "312"


CONTENT_KINDS: dict[str, Callable[[random.Random], tuple[bytes, str]]] = {
    "truncated": truncated, "entities": entities, "random-bytes": random_bytes,
    "junk-text": junk_text, "not-utf8": not_utf8, "not-xml-chars": not_xml_chars,
    "broken": broken_structure, "root": wrong_root, "namespace": wrong_namespace,
    "not-a-form": not_a_form, "no-declaration": no_declaration, "oversized": oversized,
    "too-deep": too_deep, "schema": not_valid_against_the_schema,
    "period-past-bigint": period_past_bigint,
}


# Hostile forms: each schema-valid and a declaration, and each decided (never a file error).
JOINT_COMMITTEES = ["124", "140", "144", "145", "149", "302", "320", "322", "XXX", "200",
                    "999", "000"]
WORKER_TYPES = ["A17", "ALT", "BCW", "DWD", "EXT", "FLX", "IVT", "O17", "OTH", "PMP", "QUA",
                "RTA", "S17", "STG", "STU", "STX", "T17", "TEA", "TRI", "ZZZ", "000", "A1B"]
FAR_DATES = ["0001-01-01", "1900-01-01", "1969-12-31", "2000-02-29", "2100-06-15",
             "2999-12-31", "9999-12-31"]
HOURS = ["0000", "2359", "1200", "0800", "2300"]
PEETERS = {"familyName": "Peeters", "givenName": "An", "birthDate": "1990-05-01",
           "placeOfBirth": "Gent", "countryOfBirth": "150", "nationality": "150", "gender": 1,
           "address": {"street": "Kouter", "houseNumber": "1", "postCode": "9000",
                       "country": "150", "municipality": {"name": "Gent"}}}
"""examples/directory.json identifies Peeters An as 90050100151."""
# The largest integer a form carries here. One past it (a 20-digit NOSSRegistrationNbr or
# PlannedHoursNbr, which the schema and the declaration model take) is a poison message:
# the validator cannot store its decision (orjson: "Integer exceeds 64-bit range") and
# retries the batch every second for ever, its partition stuck (reported, not the channel's).
BIGINT = 2**63 - 1


def invalid_ssin(rng: random.Random) -> str:
    """Check digits right neither for the 1900s nor for the 2000s, or not 11 digits."""
    if rng.random() < 0.3:
        return "".join(rng.choice("0123456789") for _ in range(rng.choice(
            [1, 2, 9, 10, 12, 20])))
    first9 = rng.randrange(10**9)
    good = {97 - first9 % 97, 97 - (2 * 10**9 + first9) % 97}
    return f"{first9:09d}{rng.choice([c for c in range(100) if c not in good]):02d}"


def far_day(rng: random.Random) -> str:
    return rng.choice(FAR_DATES)


def hostile_form(rng: random.Random, index: int) -> tuple[str, dict]:
    """(kind, declaration) of the index-th hostile form; its reference names it."""
    kind = rng.choice(["accepted"] * 3 + [
        "unknown-employer", "unknown-company", "bad-ssin", "far-dates", "phantom-out",
        "phantom-update", "phantom-cancel", "phantom-registration", "worker-type",
        "hostile-text", "planned-hours", "identity", "busy-worker", "mismatched-employer"])
    start = (today() + timedelta(days=rng.randint(10, 700))).isoformat()
    employer: dict = {"employerId": KROON_ID}
    worker: dict = {"ssin": random_ssin(rng)}
    dimona_in: dict = {"startDate": start, "features": OTH}
    body: dict = {}
    if kind == "unknown-employer":
        employer = {"employerId": rng.choice([0, rng.randint(10**8, 10**9 - 1),
                                              rng.randint(10**12, BIGINT), BIGINT])}
        if employer["employerId"] in (KROON_ID, PARC_ID):
            employer = {"employerId": 1}
    elif kind == "unknown-company":
        employer = {"enterpriseNumber": f"{rng.randint(10**8, 10**10 - 1):010d}"}
    elif kind == "bad-ssin":
        worker = {"ssin": invalid_ssin(rng)}
    elif kind == "far-dates":
        dimona_in = {**dimona_in, "startDate": far_day(rng)}
        if rng.random() < 0.6:
            dimona_in["endDate"] = far_day(rng)
        if rng.random() < 0.5:
            dimona_in |= {"startHour": rng.choice(HOURS), "endHour": rng.choice(HOURS)}
    elif kind in ("phantom-out", "phantom-update", "phantom-cancel"):
        period = rng.choice([0, 1, rng.randint(10**11, 10**12 - 1), 2**63 - 1,
                             rng.randint(2, 2**63 - 1)])
        change = {"phantom-out": {"periodId": period, "endDate": start},
                  "phantom-update": {"periodId": period, "endDate": start,
                                     "plannedHoursNumber": rng.randint(-5, 2000)},
                  "phantom-cancel": {"periodId": period}}[kind]
        body = {f"dimona{kind.split('-')[1].title()}": change}
        if rng.random() < 0.5:
            body |= {"employer": employer, "worker": worker}
        return kind, body
    elif kind == "phantom-registration":
        ident = rng.choice([1, rng.randint(10**11, 10**12 - 1), 2**63 - 1])
        body = {"dailyRegistration": rng.choice([
            {"action": "create", "periodId": ident, "startDate": start, "startHour": "1800",
             "endDate": start, "endHour": "2300"},
            {"action": "update", "registrationId": ident, "endHour": "0200"},
            {"action": "cancel", "registrationId": ident}])}
        return kind, body
    elif kind == "worker-type":
        dimona_in = {**dimona_in, "features": {
            "jointCommissionNumber": rng.choice(JOINT_COMMITTEES),
            "workerType": rng.choice(WORKER_TYPES)}}
        if rng.random() < 0.5:
            dimona_in |= {"endDate": start, "startHour": "0800", "endHour": "1600"}
        if rng.random() < 0.3:
            dimona_in["plannedHoursNumber"] = rng.randint(1, 40)
    elif kind == "hostile-text":
        worker |= {"familyName": rng.choice(NAMES), "givenName": rng.choice(NAMES),
                   "address": {"street": rng.choice(NAMES), "postCode": rng.choice(NAMES),
                               "municipality": {"name": rng.choice(NAMES)},
                               "country": rng.choice([150, "BE", rng.choice(NAMES)])}}
        body = {"references": {"employer": rng.choice(NAMES), "worker": rng.choice(NAMES)}}
    elif kind == "planned-hours":
        dimona_in = {**dimona_in, "endDate": start, "plannedHoursNumber": rng.choice(
            [0, -5, 1000, BIGINT, -BIGINT, 999, 1]), "features": {
                "jointCommissionNumber": "XXX", "workerType": rng.choice(["STU", "O17", "OTH"])}}
    elif kind == "identity":
        worker = {**PEETERS, "familyName": rng.choice(["Peeters", "PEETERS", " peeters "])}
    elif kind == "busy-worker":
        worker = {"ssin": ssin_of(850730033)}  # every busy form: the same worker and days
        dimona_in = {**dimona_in, "startDate": "2031-03-03", "endDate": "2031-03-03",
                     "features": {"jointCommissionNumber": "XXX", "workerType": "EXT"},
                     "startHour": "0800", "endHour": rng.choice(["1200", "1600"])}
    elif kind == "mismatched-employer":
        employer = {"employerId": KROON_ID, "enterpriseNumber": "0876543270"}
    references = {**body.get("references", {}), "declaration": f"form-{index}"}
    return kind, {"employer": employer, "worker": worker, "dimonaIn": dimona_in,
                  "references": references}


# What each kind's forms must be answered (final HandlingResult/ResultCode).
FORM_RESULTS = {"accepted": {"1"}, "unknown-employer": {"0"}, "unknown-company": {"0"},
                "bad-ssin": {"0"}, "phantom-out": {"0"}, "phantom-update": {"0"},
                "phantom-cancel": {"0"}, "phantom-registration": {"0"}}


def with_reference(declaration: dict, index: int) -> dict:
    refs = {**declaration.get("references", {}), "declaration": f"form-{index}"}
    return {**declaration, "references": refs}


def form_files(rng: random.Random, count: int) -> tuple[list[bytes], dict[str, str]]:
    """`count` hostile forms in files of at most MAX_FILE_BYTES; their kinds by reference."""
    kinds, declarations = {}, []
    for index in range(count):
        kind, declaration = hostile_form(rng, index)
        kinds[f"form-{index}"] = kind
        declarations.append(with_reference(declaration, index))
    files: list[bytes] = []

    def pack(group: list[dict]) -> None:
        content = dimona_file(group)
        if len(content) <= MAX_FILE_BYTES:
            files.append(content)
        else:
            pack(group[:len(group) // 2])
            pack(group[len(group) // 2:])

    for at in range(0, count, 120):
        pack(declarations[at:at + 120])
    return files, kinds


@dataclass
class Item:
    """One hostile thing sent: its files in upload order (SFTP) or its body and name
    (HTTP), and the ACRFs it must get: (OUT folder, FileName, code), code "1" accepted."""

    via: str
    uploads: list[tuple[str, str, bytes]]  # (folder, name, content)
    answers: list[tuple[str, str, str]]
    forms: int = 0  # declarations, when accepted
    kind: str = ""


class Names:
    """Fresh sequence numbers: every set's name is new unless a test reuses it on purpose."""

    def __init__(self, rng: random.Random):
        self.rng, self.next = rng, 0

    def sequence(self) -> str:
        self.next += 1
        return f"{self.next:05d}"

    def fi(self, environment: str = "R", **options) -> str:
        return fi(self.sequence(), environment, **options)

    def junk(self) -> str:
        stem = self.rng.choice(["notes.txt", "FO.ACRF.999999.20260101.00001.R", "fi.dimn",
                                "FIDIMN", "résumé.xml", "x" * 180, "a b c", "<script>.xml",
                                "GO", "FI", "Dimona.xml", "😀.xml", "DIMN.000640.R", "-rf",
                                "export (1).xml", "ACRF", "%00.xml", "CON"])
        return f"{stem}-{self.sequence()}"

    def env(self) -> str:
        return self.rng.choice("RRRRRRTS")


def content_item(rng: random.Random, names: Names, via: str) -> Item:
    kind = rng.choice(list(CONTENT_KINDS))
    content, code = CONTENT_KINDS[kind](rng)
    environment = names.env()
    name = names.fi(environment)
    if via == "http":
        return Item(via, [("", name, content)], [(OUT_OF[environment], name, code)], kind=kind)
    folder = IN_OF[environment]
    return Item(via, [(folder, name, content), (folder, go(name), b"")],
                [(OUT_OF[environment], name, code)], kind=kind)


def bad_name(rng: random.Random, names: Names) -> tuple[str, str, str]:
    """(FI name, GO name, the GO's code) of a set whose name breaks one rule."""
    sequence = names.sequence()
    fields = ["DIMN", SENDER, f"{today():%Y%m%d}", sequence, "R", "1"]
    if rng.random() < 0.1:  # a zero sequence, on a day of its own
        fields[2] = f"{today() - timedelta(days=names.next):%Y%m%d}"
        fields[3] = "00000"
        stem = ".".join(fields)
        return f"FI.{stem}.1", f"GO.{stem}", "127"
    at, value, code = rng.choice([
        (2, "20261340", "110"), (2, "2026010", "109"), (2, "abcdefgh", "110"),
        (2, "20260229", "110"), (2, "2026-1-1", "110"), (3, sequence[1:], "112"),
        (3, "0" + sequence, "112"), (3, sequence[:4] + "#", "367"),
        (3, sequence[:4] + "a", "367"),
        (4, "X", "117"), (4, "r", "117"), (4, "RR", "117"), (5, "0", "116"), (5, "A", "115"),
        (5, "10", "114"), (1, "000641", "108"), (0, "DIMX", "129"), (1, "64", "107")])
    fields[at] = value
    stem = ".".join(fields)
    return f"FI.{stem}.1", f"GO.{stem}", code


def name_item(rng: random.Random, names: Names) -> Item:
    """A set whose names, folder or files are wrong (SFTP)."""
    kind = rng.choice(["bad-name", "future", "wrong-folder", "junk", "go-junk", "fi-junk",
                       "go-without-fi", "fi-without-go", "split-orphan", "missing-part",
                       "signed", "split", "split-truncated"])
    content = valid_file(rng, 1)
    environment = names.env()
    folder, out = IN_OF[environment], OUT_OF[environment]
    if kind == "bad-name":
        fi_name, go_name, code = bad_name(rng, names)
        return Item("sftp", [("IN", fi_name, content), ("IN", go_name, b"")],
                    [("OUT", go_name, code), ("OUT", fi_name, "130")], kind=kind)
    if kind == "future":
        name = names.fi(environment, day=today() + timedelta(days=rng.randint(2, 900)))
        return Item("sftp", [(folder, name, content), (folder, go(name), b"")],
                    [(out, go(name), "111")], kind=kind)
    if kind == "wrong-folder":
        folder = rng.choice([f for f in IN_OF.values() if f != IN_OF[environment]])
        name = names.fi(environment)
        code = {"R": "118", "T": "119", "S": "257"}[environment]
        return Item("sftp", [(folder, name, content), (folder, go(name), b"")],
                    [(out, name, code)], kind=kind)
    if kind in ("junk", "go-junk", "fi-junk"):
        name = {"junk": "", "go-junk": "GO.", "fi-junk": rng.choice(["FI.", "FS."])}[kind]
        name += names.junk().replace(".", "_") if kind == "go-junk" else names.junk()
        code = {"junk": "129", "go-junk": "107", "fi-junk": "130"}[kind]
        return Item("sftp", [(folder, name, content)], [(out, name, code)], kind=kind)
    if kind == "go-without-fi":
        name = names.fi(environment)
        return Item("sftp", [(folder, go(name), b"")], [(out, go(name), "120")], kind=kind)
    if kind == "fi-without-go":
        name = names.fi(environment)
        uploads = [(folder, name, content)]
        if rng.random() < 0.3:
            uploads.append((folder, "FS." + name[3:], b"c2lnbmF0dXJl"))
        return Item("sftp", uploads, [(out, n, "130") for _, n, _ in uploads], kind=kind)
    if kind == "split-orphan":  # the two parts of a set whose GO never comes
        name = names.fi(environment, parts=2)
        second = name[:-1] + "2"
        return Item("sftp", [(folder, name, content[:50]), (folder, second, content[50:])],
                    [(out, name, "130"), (out, second, "130")], kind=kind)
    if kind == "missing-part":
        name = names.fi(environment, parts=3)
        present = rng.sample([1, 2, 3], rng.randint(0, 2))
        uploads = [(folder, name[:-1] + str(p), content) for p in sorted(present)]
        return Item("sftp", [*uploads, (folder, go(name), b"")],
                    [(out, name if present else go(name), "120")], kind=kind)
    if kind == "signed":  # FS files are kept unchecked for a sender without certificate
        name = names.fi(environment)
        return Item("sftp", [(folder, name, content), (folder, "FS." + name[3:], b"AAAA"),
                             (folder, go(name), b"")], [(out, name, "1")], 1, kind)
    name = names.fi(environment, parts=2)
    cut = rng.randrange(1, len(content))
    second = content[cut:] if kind == "split" else content[cut:-rng.randint(1, 9)]
    return Item("sftp", [(folder, name, content[:cut]), (folder, name[:-1] + "2", second),
                         (folder, go(name), b"")],
                [(out, name, "1" if kind == "split" else "102")],
                1 if kind == "split" else 0, kind)


def http_name_item(rng: random.Random, names: Names) -> Item:
    """A file posted under a name that breaks a rule (its sender still the declarant's)."""
    d, seq = f"{today():%Y%m%d}", names.sequence()
    name, code = rng.choice([
        (f"FI.DIMN.{SENDER}.20261340.{seq}.R.1.1", "110"),
        (f"FI.DIMN.{SENDER}.{d}.0{seq}.R.1.1", "112"),
        (f"FI.DIMN.{SENDER}.{d}.{seq.lower()}x.R.1.1", "112"),
        (f"FI.DIMN.{SENDER}.{d}.{seq}.Q.1.1", "117"),
        (f"FI.DIMN.{SENDER}.{d}.{seq}.R.0.1", "116"),
        (f"FI.DIMN.{SENDER}.{d}.{seq}.R.1.2", "123"),
        (f"FI.DIMN.{SENDER}.{d}.{seq}.R.2.1", "120"),
        (f"FI.DIMN.{SENDER}.{(today() + timedelta(days=3)):%Y%m%d}.{seq}.R.1.1", "111"),
        (f"FI.DIMN.{SENDER}.{d}.{seq}", "131"),
        (f"XX.DIMN.{SENDER}.{d}.{seq}.R.1.1", "129"),
        (f"FI.FLEX.{SENDER}.{d}.{seq}.S.1.1", "117"),
        (f"FI.DIMX.{SENDER}.{d}.{seq}.R.1.1", "129")])
    return Item("http", [("", name, valid_file(rng, 1))], [("OUT", name, code)],
                kind="http-name")


class Canary(BaseHTTPRequestHandler):
    """Counts every request: an entity, a DTD or an XInclude fetched would show here."""

    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - the handler's method name
        Canary.hits.append(self.path)
        self.send_response(404)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


async def send_over_sftp(stack: StackProcess, key: asyncssh.SSHKey, items: list[Item],
                         workers: int = 8) -> None:
    queue: asyncio.Queue[Item] = asyncio.Queue()
    for item in items:
        queue.put_nowait(item)

    async def worker(sftp: asyncssh.SFTPClient) -> None:
        while not queue.empty():
            item = queue.get_nowait()
            for folder, name, content in item.uploads:
                await put(sftp, f"{folder}/{name}", content)

    async with sftp_session(stack, key) as first, sftp_session(stack, key) as second:
        await asyncio.gather(*(worker(first if i % 2 else second) for i in range(workers)))


async def send_over_http(api: str, items: list[Item], concurrency: int = 6
                         ) -> list[tuple[Item, httpx.Response]]:
    limit = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(base_url=api, timeout=120) as client:
        async def send(item: Item) -> tuple[Item, httpx.Response]:
            _, name, content = item.uploads[0]
            async with limit:
                return item, await client.post("/batches", content=content, headers={
                    **AUTH, "Content-Type": "application/xml", "X-File-Name": name})
        return await asyncio.gather(*(send(item) for item in items))


def answers_on_disk(root: Path) -> tuple[Counter, dict[str, str]]:
    """Every ACRF in the sender's OUT folders: (folder, FileName, code) counted, and the
    ticket of each accepted FileName."""
    found: Counter = Counter()
    tickets = {}
    for folder in OUT_OF.values():
        for path in (root / folder).glob("FO.ACRF.*"):
            ack = acrf_of(path.read_bytes())
            assert ack["code"] == ("1" if not ack["errors"] else "0"), ack
            assert len(ack["errors"]) <= 1, ack
            code = ack["errors"][0].removeprefix("ACRF-") if ack["errors"] else "1"
            found[(folder, ack["file"], code)] += 1
            if code == "1":
                tickets[ack["file"]] = ack["ticket"]
    return found, tickets


def notifications_on_disk(root: Path) -> list[dict]:
    return [{**form, "folder": folder}
            for folder in OUT_OF.values()
            for path in sorted((root / folder).glob("FO.NOTI.*"))
            for form in noti_forms(path.read_bytes())]


def acrf_count(root: Path) -> int:
    return sum(1 for folder in OUT_OF.values() for _ in (root / folder).glob("FO.ACRF.*"))


def left_in(root: Path) -> list[str]:
    """What is still in the input folders, files being written (dot names) aside."""
    return [p.name for f in IN_OF.values() for p in (root / f).iterdir()
            if not p.name.startswith(".")]


def answered_all(root: Path, expected: Counter, timeout_s: float) -> None:
    """Waits until there are as many ACRFs as expected and the input folders are empty;
    else fails with what is missing and what came instead."""
    try:
        wait_until(lambda: acrf_count(root) >= sum(expected.values()) and not left_in(root),
                   timeout_s, "an ACRF for every file", 1)
    except AssertionError:
        found, _ = answers_on_disk(root)
        raise AssertionError(f"missing {sorted((expected - found).items())[:20]}, extra "
                             f"{sorted((found - expected).items())[:20]}, left in the input "
                             f"folders {left_in(root)[:20]}") from None


@pytest.mark.timeout(900)
def test_ten_thousand_hostile_files_and_forms_are_each_answered_once(new_stack):
    """A stack of its own with a 100 kB file limit and a 5 s GO timeout. Seeded: 2,600
    hostile sets over SFTP (content kinds of CONTENT_KINDS under fresh names, and wrong
    names, folders and sets: name_item), 2,900 hostile files by POST /batches, 4,700
    hostile forms in some 40 schema-valid files through both doors, then names used again
    (133, or the first answer for the same content). Each file exactly one ACRF with its
    code, each form of an accepted file exactly one final NOTIFICATION form."""
    clock = {"start": time.monotonic()}
    canary = ThreadingHTTPServer(("127.0.0.1", 0), Canary)
    threading.Thread(target=canary.serve_forever, daemon=True).start()
    CANARY["url"] = f"http://127.0.0.1:{canary.server_address[1]}"
    Canary.hits = []
    try:
        hostile = new_stack({"DIMONA_XML_MAX_FILE_BYTES": str(MAX_FILE_BYTES),
                             "DIMONA_SFTP_GO_TIMEOUT_S": str(GO_TIMEOUT_S)})
        clock["stack"] = time.monotonic()
        run_hostile(hostile, clock)
    finally:
        canary.shutdown()
        canary.server_close()
    assert Canary.hits == [], "something was fetched"


def run_hostile(stack: StackProcess, clock: dict) -> None:
    processes = {"pids": stack.state["pids"], "restarts": stack.state["restarts"]}
    root = Path(stack.state["sftp_dir"]) / SENDER
    key = asyncssh.generate_private_key("ssh-ed25519")
    give_key(stack, key)
    rng = random.Random(SEED)
    names = Names(rng)
    files, kinds = form_files(rng, FORMS)
    form_items = []
    for i, content in enumerate(files):
        environment = "T" if i % 9 == 4 else "S" if i % 13 == 6 else "R"
        name = names.fi(environment)
        via = "http" if i % 2 else "sftp"
        uploads = ([("", name, content)] if via == "http" else
                   [(IN_OF[environment], name, content), (IN_OF[environment], go(name), b"")])
        form_items.append(Item(via, uploads, [(OUT_OF[environment], name, "1")],
                               content.count(b"<Form>"), "forms"))
    sftp_items = [content_item(rng, names, "sftp") if rng.random() < 0.6
                  else name_item(rng, names) for _ in range(SFTP_SETS)]
    http_items = [content_item(rng, names, "http") if rng.random() < 0.85
                  else http_name_item(rng, names) for _ in range(HTTP_FILES)]
    foreign = [Item("http", [("", f"FI.DIMN.{sender}.{today():%Y%m%d}.{names.sequence()}"
                                  ".R.1.1", valid_file(rng, 1))], [], kind="foreign")
               for sender in ("000641", "999999", "123456") * 3]
    clock["generated"] = time.monotonic()

    async def phase_one() -> list[tuple[Item, httpx.Response]]:
        sftp = [i for i in form_items if i.via == "sftp"] + sftp_items
        http = [i for i in form_items if i.via == "http"] + http_items + foreign
        rng.shuffle(sftp)
        rng.shuffle(http)
        _, posted = await asyncio.gather(send_over_sftp(stack, key, sftp),
                                         send_over_http(stack.api, http))
        return posted

    posted = asyncio.run(phase_one())
    clock["sent"] = time.monotonic()
    items = form_items + sftp_items + http_items
    expected = Counter(answer for item in items for answer in item.answers)
    answered_all(root, expected, 300)
    clock["acknowledged"] = time.monotonic()

    # the names of answered sets again: other content is refused (133), the same content
    # over HTTP gets its first answer again and records nothing twice
    reused = [i for i in form_items + sftp_items
              if i.kind in ("forms", *CONTENT_KINDS)][:: 25]
    again = []
    for item in reused:
        other = valid_file(rng, 1)
        fi_name = next(n for _, n, _ in item.uploads if n.startswith("FI."))
        out = item.answers[0][0]
        if item.via == "sftp":
            folder = item.uploads[0][0]
            again.append(Item("sftp", [(folder, fi_name, other), (folder, go(fi_name), b"")],
                              [(out, fi_name, "133")], kind="reused"))
        else:
            again.append(Item("http", [("", fi_name, other)], [(out, fi_name, "133")],
                              kind="reused"))
    retries = [i for kind in (*CONTENT_KINDS, "http-name")
               for i in [i for i in http_items if i.kind == kind][:2]]

    async def phase_two() -> list[tuple[Item, httpx.Response]]:
        await send_over_sftp(stack, key, [i for i in again if i.via == "sftp"])
        return await send_over_http(stack.api, [i for i in again if i.via == "http"]
                                    + retries)

    posted_again = asyncio.run(phase_two())
    items += again
    expected += Counter(answer for item in again for answer in item.answers)
    answered_all(root, expected, 120)
    clock["reused"] = time.monotonic()

    # every HTTP file answered by its ACRF in the body (the foreign ones: 403, no ACRF)
    first_tickets: dict[str, str] = {}
    wrong: list[tuple] = []
    for item, answer in posted + posted_again:
        if item.kind == "foreign":
            assert answer.status_code == 403, answer.text
            continue
        ack = acrf_of(answer.content)
        code = ack["errors"][0].removeprefix("ACRF-") if ack["errors"] else "1"
        name = item.uploads[0][1]
        if answer.status_code != (202 if code == "1" else 422) or (
                ack["file"], code) != item.answers[0][1:]:
            wrong.append((item.kind, answer.status_code, ack, item.answers))
        elif name in first_tickets and item in retries and ack["ticket"] != first_tickets[
                name]:
            wrong.append(("a retry got another ticket", item.kind, ack))
        first_tickets.setdefault(name, ack["ticket"])

    # every file exactly one ACRF, with its code; nothing left in the input folders
    found, tickets = answers_on_disk(root)
    missing, extra = expected - found, found - expected
    assert not missing and not extra and not wrong, (
        f"missing {sorted(missing.items())[:15]}, extra {sorted(extra.items())[:15]}, "
        f"HTTP answers {wrong[:15]}")
    assert left_in(root) == []

    # every form of every accepted file: one NOTIFICATION form with its final result
    accepted = {tickets[name]: item.forms for item in items for (_, name, code)
                in item.answers if code == "1"}
    total_forms = sum(accepted.values())

    def final_forms() -> list[dict]:
        return [f for f in notifications_on_disk(root) if f["code"] in FINAL]

    wait_until(lambda: len(final_forms()) >= total_forms, 300,
               f"the final results of {total_forms} forms", 2)
    clock["notified"] = time.monotonic()
    forms = notifications_on_disk(root)
    finals = [f for f in forms if f["code"] in FINAL]
    assert len(finals) == total_forms
    assert len({f["number"] for f in finals}) == total_forms, "one final answer each"
    assert Counter(f["ticket"] for f in finals) == Counter(accepted)
    assert {f["code"] for f in forms} <= {"0", "1", "3"}
    waited = [f for f in forms if f["code"] == "3"]
    assert {f["number"] for f in waited} <= {f["number"] for f in finals}
    # a worker to identify: 3 first when a NOTIFICATION file is written before the final
    # result comes (the directory knows Peeters An, so both usually come together)
    assert all(kinds.get(f["reference"]) == "identity" and f["folder"] == "OUT"
               for f in waited)
    assert max(Counter(f["number"] for f in waited).values(), default=1) == 1
    answered_as = Counter()
    for form in finals:
        kind = kinds.get(form["reference"], "file")
        answered_as[(kind, form["code"])] += 1
        assert form["code"] in FORM_RESULTS.get(kind, {"0", "1"}), (kind, form)
    assert sum(n for (kind, _), n in answered_as.items() if kind != "file") == FORMS
    assert stack.sql("SELECT count(*) FROM intake.submissions WHERE batch_ref = ANY(%s)",
                     (list(tickets.values()),))[0][0] == total_forms
    assert stack.sql("SELECT count(*) FROM intake.submissions")[0][0] == total_forms, (
        "a refused file records nothing")
    assert stack.sql("SELECT count(*) FROM intake.xml_files WHERE errors = '[]' AND "
                     "answered_at IS NULL")[0][0] == 0

    # nothing crashed or restarted, and the doors still answer
    assert {"pids": stack.state["pids"], "restarts": stack.state["restarts"]} == processes
    assert httpx.get(f"{stack.api}/health", timeout=10).json() == {"status": "ok"}

    async def still_serving() -> list[str]:
        async with sftp_session(stack, key) as sftp:
            return [n for f in IN_OF.values() for n in await sftp.listdir(f)
                    if n not in (".", "..")]
    assert asyncio.run(still_serving()) == []
    clock["end"] = time.monotonic()
    files_sent = sum(1 for i in items if i.via in ("sftp", "http")) + len(retries)
    print(f"\nhostile run: {files_sent} files/sets ({sum(expected.values())} ACRFs), "
          f"{total_forms} forms of {len(accepted)} accepted files "
          f"({len(waited)} answered 3 first), {len(foreign)} foreign names (403); "
          f"ACRF codes {sorted(Counter(c for (_, _, c) in found.elements()).items())}; "
          f"answers {sorted(answered_as.items())}; "
          + ", ".join(f"{k} {clock[k] - clock['start']:.1f}s" for k in clock if k != "start"))
