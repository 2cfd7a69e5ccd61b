"""The official batch files over a real database (docs/interface.md §10): a sender's folder
with GO, FI and FS files, the ACRF and NOTIFICATION files written back, the test
environments that change no register, every file-level refusal, and the same documents
through POST /batches. The consumers' work is done in-process (tests/integration/
http_world.py); the SFTP transport itself is tests/integration/test_sftp_server.py."""

from __future__ import annotations

import io
import time
from dataclasses import replace
from datetime import date
from functools import partial
from pathlib import Path

import psycopg
import pytest
from lxml import etree

from schemas.declaration import Declaration
from services.directory import adapter as directory
from services.directory.domain import DirectoryDocument
from services.intake.official_files import Notifications, OfficialFiles, sequence_text
from services.intake.sftp_folders import SenderFolders
from services.intake.xmlforms import write_dimona
from services.notifier.queries import ReturnEntries
from services.validator.eventlog import EventLog
from tests.integration.http_world import SECRETARIAT
from tests.xmlsigning import certificate, new_key, pem, sign

pytestmark = pytest.mark.integration

SENDER = "000640"  # the example directory's social secretariat (examples/directory.json)
SIGNER = "000777"  # a sender with a signing certificate, added below
TODAY = date.today()
KEY = new_key()
CERT = certificate(KEY)


@pytest.fixture(scope="module")
def channel(world, tmp_path_factory):
    root = tmp_path_factory.mktemp("sftp")
    directory.load(world.url, DirectoryDocument.model_validate({
        "declarants": [{"enterpriseNumber": "0412121222", "name": "Signing secretariat",
                        "token": "signer-token", "batchSender": True, "senderId": SIGNER,
                        "signingCertificate": pem(CERT)}],
        "mandates": [{"declarant": "0412121222", "employerId": 175110801,
                      "from": "2020-01-01"}]}))
    store = world.app.state.services.intake.store
    files = OfficialFiles(world.app.state.services.intake,
                          partial(directory.sender, world.pool), root, 200_000)
    world.app.state.services = replace(world.app.state.services, files=files)
    event_log = EventLog(world.url)
    notifications = Notifications(store, ReturnEntries(world.pool), event_log.decisions_of,
                                  root)
    folders = SenderFolders(files, root, tmp_path_factory.mktemp("archive"), go_timeout_s=60)
    yield root, folders, notifications
    event_log.close()


def name(sequence: str, environment: str = "R", prefix: str = "FI", sender: str = SENDER,
         purpose: str = "DIMN") -> str:
    tail = ".1" if prefix == "GO" else ".1.1"
    return f"{prefix}.{purpose}.{sender}.{TODAY:%Y%m%d}.{sequence}.{environment}{tail}"


def dimona_file(declarations: list[dict]) -> bytes:
    out = io.BytesIO()
    write_dimona(out, [Declaration.model_validate(d) for d in declarations])
    return out.getvalue()


def drop(root: Path, folder: str, files: dict[str, bytes], sender: str = SENDER) -> None:
    target = root / sender / folder
    target.mkdir(parents=True, exist_ok=True)
    for file_name, content in files.items():
        (target / file_name).write_bytes(content)


def sent(root: Path, sequence: str, content: bytes, environment: str = "R",
         sender: str = SENDER, signature: bytes | None = None) -> None:
    folder = {"R": "IN", "T": "INTEST", "S": "INTEST-S"}[environment]
    files = {name(sequence, environment, sender=sender): content}
    if signature is not None:
        files[name(sequence, environment, "FS", sender)] = signature
    drop(root, folder, files, sender)
    drop(root, folder, {name(sequence, environment, "GO", sender): b""}, sender)


def answers(root: Path, kind: str, sender: str = SENDER, folder: str = "OUT") -> list[Path]:
    return sorted((root / sender / folder).glob(f"FO.{kind}.*"))


def acrf_of(path: Path) -> dict:
    tree = etree.parse(str(path))
    return {"code": tree.findtext("Form/ReceptionResult/ResultCode"),
            "errors": [e.text for e in tree.findall("Form/ReceptionResult/ErrorID")],
            "ticket": tree.findtext("Form/FileReference/ReferenceNbr"),
            "file": tree.findtext("Form/FileReference/FileName")}


def last_acrf(root: Path, sender: str = SENDER, folder: str = "OUT") -> dict:
    return acrf_of(answers(root, "ACRF", sender, folder)[-1])  # by sequence number


def notified(root: Path, ticket: str, folder: str = "OUT") -> list[etree._Element]:
    forms = []
    for path in answers(root, "NOTI", folder=folder):
        for form in etree.parse(str(path)).findall("Form"):
            if form.findtext("FileReference/ReferenceNbr") == ticket:
                forms.append(form)
    return forms


def count(world, query: str, params: tuple) -> int:
    with psycopg.connect(world.url) as conn:
        return conn.execute(query, params).fetchone()[0]


def test_a_production_file_is_acknowledged_recorded_and_notified(world, channel):
    root, folders, notifications = channel
    ssin = world.new_ssin()
    employer, worker = {"employerId": 175110801}, {"ssin": ssin}
    content = dimona_file([
        {"employer": employer, "worker": worker, "references": {"declaration": "line-1"},
         "dimonaIn": {"startDate": "2030-03-02", "features": {
             "jointCommissionNumber": "XXX", "workerType": "OTH"}}},
        {"employer": employer, "worker": {"ssin": world.new_ssin()},
         "dimonaIn": {"startDate": "2030-03-02", "features": {
             "jointCommissionNumber": "XXX", "workerType": "BAD"}}}])
    sent(root, "00001", content)
    assert folders.scan() == 1
    ack = last_acrf(root)
    assert (ack["code"], ack["errors"], len(ack["ticket"])) == ("1", [], 13)
    assert not list((root / SENDER / "IN").iterdir()), "the set moves to the archive"
    assert (root / SENDER / "OUT" / answers(root, "ACRF")[-1].name.replace("FO.", "GO.")
            ).exists()
    decided = world.settle()
    assert notifications.write_pending() == 1
    forms = notified(root, ack["ticket"])
    assert len(forms) == 2
    first, second = forms
    number = int(first.findtext("HandledReference/ReferenceNbr"))
    assert number in {d.declaration_id for d in decided}
    assert first.findtext("HandlingResult/ResultCode") == "1"
    assert first.findtext("Reference/ReferenceNbr") == "line-1"
    assert first.findtext("HandledOriginalForm/Identification") == "DIMONA"
    assert first.findtext("FileReceptionInformation/Channel") == "14"
    assert first.findtext("HandlingResult/ImpactReport/DimonaImpactReport/"
                          "DimonaPeriodAfter/StartingDate") == "2030-03-02"
    assert second.findtext("HandlingResult/ResultCode") == "0"
    assert second.findtext("HandlingResult/AnomalyReport/AnomalyClass") == "B"
    assert count(world, "SELECT count(*) FROM register.periods WHERE ssin = %s",
                 (ssin,)) == 1
    assert notifications.write_pending() == 0, "every form answered once"
    batch = world.client.get(f"/batches/{ack['ticket']}", headers=SECRETARIAT).json()
    assert [r["result"] for r in batch["results"]] == ["A", "B"]


def test_test_environments_answer_and_change_no_register(world, channel):
    root, folders, notifications = channel
    ssin = world.new_ssin()
    content = dimona_file([{"employer": {"employerId": 175110801}, "worker": {"ssin": ssin},
                            "dimonaIn": {"startDate": "2030-03-02", "features": {
                                "jointCommissionNumber": "XXX", "workerType": "OTH"}}}])
    for sequence, environment in (("00002", "T"), ("00003", "S")):
        sent(root, sequence, content, environment)
    assert folders.scan() == 2
    tickets = {env: last_acrf(root, folder=out)["ticket"]
               for env, out in (("T", "OUTTEST"), ("S", "OUTTEST-S"))}
    world.settle()
    notifications.write_pending()
    for environment, folder in (("T", "OUTTEST"), ("S", "OUTTEST-S")):
        [form] = notified(root, tickets[environment], folder)
        assert form.findtext("HandlingResult/ResultCode") == "1"
    assert count(world, "SELECT count(*) FROM register.periods WHERE ssin = %s", (ssin,)) == 0
    assert count(world, "SELECT count(*) FROM register.declarations WHERE ssin = %s",
                 (ssin,)) == 0
    batch = world.client.get(f"/batches/{tickets['T']}", headers=SECRETARIAT).json()
    assert (batch["environment"], batch["complete"], [r["result"] for r in batch["results"]]
            ) == ("T", True, ["A"])
    assert count(world, "SELECT count(*) FROM notifier.ebox_messages m JOIN "
                 "intake.submissions s USING (declaration_id) WHERE s.batch_ref = ANY(%s)",
                 (list(tickets.values()),)) == 0


def refused(root: Path, folders: SenderFolders, sequence: str, content: bytes | None,
            environment: str = "R", folder: str | None = None) -> dict:
    folder = folder or {"R": "IN", "T": "INTEST", "S": "INTEST-S"}[environment]
    if content is not None:
        drop(root, folder, {name(sequence, environment): content})
    drop(root, folder, {name(sequence, environment, "GO"): b""})
    assert folders.scan() == 1
    out = {"R": "OUT", "T": "OUTTEST", "S": "OUTTEST-S"}[environment]
    return last_acrf(root, folder=out)


ONE_IN = dimona_file([{"employer": {"employerId": 175110801}, "worker": {"ssin": "85073003328"},
                       "dimonaIn": {"startDate": "2030-03-02", "features": {
                           "jointCommissionNumber": "XXX", "workerType": "OTH"}}}])


@pytest.mark.parametrize(("sequence", "content", "code"), [
    ("F0001", None, "120"),  # a GO without its FI
    ("F0002", b"<Dimona><Form>", "102"),  # cut short
    ("F0003", b"<Dimona/>", "157"),  # no declaration
    ("F0004", ONE_IN.replace(b"<WorkerType>OTH", b"<WorkerType>OTHER"), "312"),
    ("F0005", b"<?xml version='1.0'?><!DOCTYPE d [<!ENTITY a 'aaaa'>]><Dimona>&a;</Dimona>",
     "102"),  # never expanded
    ("F0006", b"<Other/>", "089"),
    ("F0007", b"x" * 200_001, "184"),  # over this test's size limit
], ids=["no-fi", "truncated", "empty", "schema", "entity", "root", "size"])
def test_a_refused_file_changes_nothing(world, channel, sequence, content, code):
    root, folders, _ = channel
    before = count(world, "SELECT count(*) FROM intake.submissions", ())
    ack = refused(root, folders, sequence, content)
    assert (ack["code"], ack["errors"]) == ("0", [f"ACRF-{code}"])
    assert count(world, "SELECT count(*) FROM intake.submissions", ()) == before


def test_a_file_in_the_wrong_folder_is_refused(channel):
    root, folders, _ = channel
    assert refused(root, folders, "W0001", ONE_IN, "R", folder="INTEST")["errors"] == [
        "ACRF-118"]


def test_a_name_is_used_once_and_a_retry_gets_its_first_answer(world, channel):
    root, folders, _ = channel
    sent(root, "00010", ONE_IN)
    folders.scan()
    first = last_acrf(root)
    sent(root, "00010", ONE_IN)  # the same set again: a retry
    folders.scan()
    assert last_acrf(root)["ticket"] == first["ticket"]
    assert count(world, "SELECT count(*) FROM intake.submissions WHERE batch_ref = %s",
                 (first["ticket"],)) == 1
    changed = ONE_IN.replace(b"2030-03-02", b"2030-03-03")
    again = refused(root, folders, "00010", changed)
    assert (again["errors"], again["ticket"] != first["ticket"]) == (["ACRF-133"], True)


def test_an_fi_without_go_is_refused_after_the_timeout(channel, tmp_path):
    root, folders, _ = channel
    now = [time.time()]
    waiting = SenderFolders(folders.files, root, tmp_path, go_timeout_s=60,
                            clock=lambda: now[0])
    drop(root, "IN", {name("00020"): ONE_IN, "notes.txt": b"hello"})
    waiting.scan()  # both seen once: notes.txt perhaps still being written
    now[0] += 61
    waiting.scan()
    codes = sorted(acrf_of(p)["errors"][0] for p in answers(root, "ACRF")
                   if acrf_of(p)["file"] in (name("00020"), "notes.txt"))
    assert codes == ["ACRF-129", "ACRF-130"]
    assert not list((root / SENDER / "IN").iterdir())


def test_a_production_file_needs_a_valid_signature_when_the_sender_has_a_certificate(
        world, channel):
    root, folders, _ = channel
    content = ONE_IN.replace(b"85073003328", world.new_ssin().encode())
    other = new_key()
    cases = [("S0001", None, "ACRF-122"), ("S0002", sign(content, other, certificate(other)),
                                           "ACRF-125"),
             ("S0003", sign(content + b" ", KEY, CERT), "ACRF-125")]
    for sequence, signature, code in cases:
        sent(root, sequence, content, sender=SIGNER, signature=signature)
        folders.scan()
        assert last_acrf(root, SIGNER)["errors"] == [code], sequence
    sent(root, "S0004", content, sender=SIGNER, signature=sign(content, KEY, CERT))
    folders.scan()
    assert last_acrf(root, SIGNER)["code"] == "1"
    sent(root, "S0005", content, "T", sender=SIGNER)  # a test file may come unsigned
    folders.scan()
    assert last_acrf(root, SIGNER, "OUTTEST")["code"] == "1"


def test_an_unknown_sender_folder_is_answered_with_103(channel):
    root, folders, _ = channel
    sent(root, "00001", ONE_IN, sender="123456")
    folders.scan()
    assert last_acrf(root, "123456")["errors"] == ["ACRF-103"]


def test_the_same_documents_through_post_batches(world, channel):
    root, _, notifications = channel
    headers = {**SECRETARIAT, "Content-Type": "application/xml",
               "X-File-Name": name("H0001")}
    answer = world.client.post("/batches", content=ONE_IN.replace(
        b"85073003328", world.new_ssin().encode()), headers=headers)
    assert answer.status_code == 202, answer.text
    ticket = etree.fromstring(answer.content).findtext("Form/FileReference/ReferenceNbr")
    assert answer.headers["location"] == f"/batches/{ticket}"
    world.settle()
    notifications.write_pending()
    [form] = notified(root, ticket)
    assert form.findtext("FileReceptionInformation/Channel") == "13"
    again = world.client.post("/batches", content=b"<Dimona/>",
                              headers={**headers, "X-File-Name": name("H0002")})
    assert again.status_code == 422
    assert etree.fromstring(again.content).findtext("Form/ReceptionResult/ErrorID") == (
        "ACRF-157")
    foreign = world.client.post("/batches", content=ONE_IN,
                                headers={**headers, "X-File-Name": name("H0003", sender=SIGNER)})
    assert foreign.status_code == 403


def test_returned_files_are_numbered_per_day_and_environment():
    assert [sequence_text(n) for n in (1, 99_999, 100_000, 100_001, 100_036)] == [
        "00001", "99999", "A0000", "A0001", "A0010"]
