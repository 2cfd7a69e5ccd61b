"""`dimona bench --official-file N`: N forms in one official Dimona XML file, sent as a
social secretariat sends it (docs/interface.md §10): put by SFTP into `IN/` with its GO
file, its ACRF awaited in `OUT/`, then the NOTIFICATION of every form. The stack, the probe
and the forms (the bench workload's INs, each decided on its own) are the bench's
(dimona.bench.run, dimona.bench.workload); docs/performance.md explains the figures."""

from __future__ import annotations

import asyncio
import time
import warnings
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.utils import CryptographyDeprecationWarning
from lxml import etree

from dimona.bench.run import (
    BenchFailed,
    Count,
    LocalStack,
    Options,
    Progress,
    ResourceProbe,
    fresh_stack,
)
from dimona.bench.workload import Workload, directory, referenced
from schemas.declaration import Declaration
from services.intake.official_files import brussels_today
from services.intake.xmlforms import write_dimona
from services.intake.xmlforms.names import input_name, parse_input_name

with warnings.catch_warnings():  # asyncssh still names DSA
    warnings.simplefilter("ignore", CryptographyDeprecationWarning)
    import asyncssh

SENDER_ID = "000999"  # the bench secretariat's senderId
WARM_UP_FORMS = 500
POLL_S = 0.05  # how often the OUT folder is listed for the ACRF


@dataclass(frozen=True)
class Sent:
    """An official file sent and answered: its ticket, and when each stage ended."""

    ticket: str
    started_at: float  # epoch seconds, when the upload began
    upload_s: float
    acrf_s: float  # from the GO file put until the ACRF is in OUT
    notified_at: float  # epoch seconds, when intake wrote the last NOTIFICATION


def bench_official_file(options: Options, progress: Progress, count: Count | None = None,
                        *, forms: int) -> dict:
    """The figures of one file of `forms` forms; `progress` is told each stage, `count`
    (when given) the forms in the register while the file is processed."""
    key = asyncssh.generate_private_key("ssh-ed25519")
    with fresh_stack(options, progress) as stack:
        stack.load_directory(sender_directory(options.employers, key))
        folder = stack.home / "official-files"
        progress(f"warm-up: an official file of {WARM_UP_FORMS} forms (the consumers join "
                 "their groups)")
        warm_up = Workload(WARM_UP_FORMS, options.employers, seed=1, worker_offset=10**6,
                           ins_only=True)
        send(stack, key, write_file(folder, "WARM1", warm_up), WARM_UP_FORMS, options.timeout_s)
        progress(f"writing an official file of {forms} forms")
        path = write_file(folder, "00001", Workload(forms, options.employers, ins_only=True))
        progress(f"sending {path.name} ({path.stat().st_size / 1e6:.1f} MB) by SFTP")
        with ResourceProbe(stack.pids()) as probe:
            sent = send(stack, key, path, forms, options.timeout_s, progress, count)
        results = register_results(stack, sent.ticket, forms, options.timeout_s)
        latency, last = stack.decisions([sent.ticket])
        noti_files, noti_results = notified(Path(stack.state["sftp_dir"]) / SENDER_ID / "OUT",
                                            sent.ticket)
        if sum(noti_results.values()) < forms:
            raise BenchFailed(f"intake marked ticket {sent.ticket} answered with "
                              f"{sum(noti_results.values())} of {forms} forms notified")
        seconds = sent.notified_at - sent.started_at
        return {"official_file": {
            "forms": forms, "file_bytes": path.stat().st_size,
            "upload_s": round(sent.upload_s, 2), "acrf_s": round(sent.acrf_s, 2),
            "decided_s": round(last["decided"] - sent.started_at, 1),
            "notified_s": round(seconds, 1), "forms_per_s": round(forms / seconds),
            "noti_files": noti_files, "latency_ms": latency,
            "results": results, "noti_result_codes": noti_results,
            "peak_rss_mb": probe.peaks_mb(), "cpu_s": probe.cpu_s}}


def register_results(stack: LocalStack, ticket: str, forms: int, timeout_s: float
                     ) -> dict[str, int]:
    """The results in the register once it holds every form (the register may still be
    applying the last decisions when the last NOTIFICATION is written)."""
    deadline = time.monotonic() + timeout_s
    while sum((results := stack.results([ticket])).values()) < forms:
        if time.monotonic() > deadline:
            raise BenchFailed(f"the register holds {sum(results.values())} of {forms} forms")
        time.sleep(0.2)
    return results


def sender_directory(employers: int, key: asyncssh.SSHKey) -> dict:
    """The bench directory, its secretariat a sender of official files logging in with
    `key`."""
    document = directory(employers)
    document["declarants"][0].update(
        senderId=SENDER_ID, sshPublicKeys=[key.export_public_key("openssh").decode().strip()])
    return document


def write_file(folder: Path, sequence: str, workload: Workload) -> Path:
    """The workload's INs as the FI file of today's set `sequence`, written as they are
    generated (never held whole)."""
    name = input_name("DIMN", SENDER_ID, brussels_today(datetime.now(UTC)), sequence, "R")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / str(name)
    with path.open("wb") as out:
        write_dimona(out, (Declaration.model_validate(d)
                           for d in referenced(workload.first_wave(), f"F{sequence}")))
    return path


def send(stack: LocalStack, key: asyncssh.SSHKey, path: Path, forms: int, timeout_s: float,
         progress: Progress | None = None, count: Count | None = None) -> Sent:
    """Puts the FI file and its GO by SFTP, reads its ACRF (refused: BenchFailed), then
    waits until intake has notified every form."""
    started_at, upload_s, acrf_s, acrf = asyncio.run(upload(stack.state["sftp"], key, path,
                                                            timeout_s))
    ticket, code = acrf.findtext("Form/FileReference/ReferenceNbr"), acrf.findtext(
        "Form/ReceptionResult/ResultCode")
    if code != "1":
        raise BenchFailed(f"{path.name} refused: " + ", ".join(
            e.text for e in acrf.iterfind("Form/ReceptionResult/ErrorID")))
    if progress:
        progress(f"uploaded in {upload_s:.1f}s, ACRF (ticket {ticket}) {acrf_s:.2f}s after "
                 "the GO file")
    return Sent(ticket, started_at, upload_s, acrf_s,
                wait_until_notified(stack, ticket, forms, timeout_s, progress, count))


async def upload(address: str, key: asyncssh.SSHKey, path: Path, timeout_s: float
                 ) -> tuple[float, float, float, etree._Element]:
    """(when the upload began, its seconds, the seconds from the GO file to the ACRF, the
    ACRF), as a sender's SFTP client sees them."""
    host, port = address.rsplit(":", 1)
    go = str(parse_input_name(path.name).trigger())
    async with asyncssh.connect(host, int(port), username=SENDER_ID, client_keys=[key],
                                known_hosts=None, agent_path=None, config=None) as conn, \
            conn.start_sftp_client() as sftp:
        before = set(await sftp.listdir("OUT"))
        started_at, started = time.time(), time.perf_counter()
        await sftp.put(str(path), f"IN/{path.name}")
        uploaded = time.perf_counter()
        async with sftp.open(f"IN/{go}", "wb"):
            pass
        triggered = time.perf_counter()
        while not (acrfs := [n for n in await sftp.listdir("OUT")
                             if n.startswith("FO.ACRF.") and n not in before]):
            if time.perf_counter() - triggered > timeout_s:
                raise BenchFailed(f"no ACRF for {path.name} in {timeout_s:.0f}s")
            await asyncio.sleep(POLL_S)
        answered = time.perf_counter()
        async with sftp.open(f"OUT/{acrfs[0]}", "rb") as acrf:
            content = await acrf.read()
    return started_at, uploaded - started, answered - triggered, etree.fromstring(content)


def wait_until_notified(stack: LocalStack, ticket: str, forms: int, timeout_s: float,
                        progress: Progress | None, count: Count | None) -> float:
    """When intake wrote the ticket's last NOTIFICATION (epoch seconds); meanwhile tells
    `count` the forms in the register at each look, or else `progress` every 5 seconds."""
    deadline, shown = time.monotonic() + timeout_s, time.monotonic()
    while True:
        [(answered_at, registered)] = stack.sql(
            "SELECT answered_at, (SELECT count(*) FROM register.declarations "
            "WHERE batch_ref = %s) FROM intake.xml_files WHERE ticket = %s", (ticket, ticket))
        if answered_at is not None:
            return answered_at.timestamp()
        if count:
            count("official file", registered, forms, "forms in the register")
        elif progress and time.monotonic() - shown > 5:
            progress(f"{registered} of {forms} forms in the register")
            shown = time.monotonic()
        if time.monotonic() > deadline:
            raise BenchFailed(f"timed out: {registered} of {forms} forms in the register, "
                              "not all notified")
        time.sleep(0.5)


def notified(out: Path, ticket: str) -> tuple[int, dict[str, int]]:
    """The NOTIFICATION files in `out` that answer the ticket, and their forms by
    ResultCode; read streaming, a form at a time."""
    files, codes = 0, Counter()
    for path in sorted(out.glob("FO.NOTI.*")):
        mine = False
        for _, form in etree.iterparse(str(path), tag="Form"):
            if form.findtext("FileReference/ReferenceNbr") == ticket:
                codes[form.findtext("HandlingResult/ResultCode")] += 1
                mine = True
            form.clear()
            while form.getprevious() is not None:
                del form.getparent()[0]
        files += mine
    return files, dict(sorted(codes.items()))
