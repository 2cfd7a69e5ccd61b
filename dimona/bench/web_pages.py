"""`dimona bench --web-pages N`: how fast the web pages are for a large employer. On a fresh
stack (dimona.bench.run), the register is filled with N periods of employer 175110801
(COPY into the register's tables, as the writer's rows look: declarations, periods,
workers, quotas, notifications; and the e-Box message of each IN, unread, as the notifier
leaves them), then its declarant (the example directory's Brasserie De Kroon, loaded by
`dimona up`) signs in over HTTP and each page of the Search tab, the period and declaration
details, the Declarations, Quota and Employees tabs and the e-Box is timed with warm runs:
p50 and max in ms, and the pages over 200 ms at p50. Figures to read, not a test."""

from __future__ import annotations

import json
import re
import statistics
import time
import uuid
from contextlib import closing
from datetime import UTC, date, datetime, timedelta

import httpx
import psycopg

from dimona.bench.run import BenchFailed, Count, Options, Progress, fresh_stack
from services.notifier import render
from services.projections.writer import (
    DECLARATION_COLUMNS,
    NOTIFICATION_COLUMNS,
    PERIOD_COLUMNS,
    QUOTA_COLUMNS,
)

EMPLOYER = "175110801"
DECLARANT = "0403170701"  # the employer's enterprise number: it declares for itself
SECRET = "kroon-secret-token"
EMPLOYER_NAME = "Brasserie De Kroon"
FAMILY = ("Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens",
          "Wouters", "De Smet", "Dubois", "Lambert", "Dupont", "Martin", "Simon", "Laurent",
          "Leroy", "Renard", "Lejeune", "Hermans")
GIVEN = ("An", "Jan", "Marie", "Luc", "Sofie", "Tom", "Emma", "Lucas", "Nora", "Arthur",
         "Louise", "Noah", "Elise", "Adam", "Julie", "Victor", "Lea", "Louis", "Hanne", "Mila")
TYPES = ("OTH", "OTH", "STU", "EXT", "FLX")
FIRST_DAY = date(2024, 1, 1)
DAYS = 4 * 365
FIRST_PERIOD = 700_000_000_000
PERIODS_PER_WORKER = 10  # 100,000 periods: 10,000 workers
RUNS = 7  # timed runs of each page, after one (checked) warm-up
SLOW_MS = 200
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def bench_web_pages(options: Options, progress: Progress, count: Count | None = None, *,
                    periods: int) -> dict:
    """The figures of the web pages over `periods` periods of one employer; `progress` is
    told each stage and each page's figures, `count` (when given) the pages timed."""
    with fresh_stack(options, progress) as stack:
        state = stack.state
        progress(f"filling the register with {periods:,} periods of employer {EMPLOYER}")
        began = time.perf_counter()
        ids = fill(state["database_url"], periods, workers_of(periods))
        progress(f"filled in {time.perf_counter() - began:.1f}s; signing in to "
                 f"{state['api']} as {DECLARANT}")
        with closing(signed_in(state["api"])) as client:
            figures = measure(client, pages(ids), progress, count)
            progress("every e-Box message marked read")
            with psycopg.connect(state["database_url"]) as conn:
                conn.execute("UPDATE notifier.ebox_messages SET read_at = now()")
            figures |= measure(client, {"e-Box, every message read": "/web/ebox"}, progress)
    return {"web_pages": {
        "periods": periods, "pages": figures,
        "over_200ms": [name for name, f in figures.items() if f["p50_ms"] > SLOW_MS]}}


def workers_of(periods: int) -> int:
    return max(1, periods // PERIODS_PER_WORKER)


def signed_in(api: str) -> httpx.Client:
    """A client of `api` holding the session cookie of the declarant, its employer chosen
    (its CSRF token read in the employer page, as a browser posts it)."""
    client = httpx.Client(base_url=api, timeout=600)
    answer = client.post("/web/sign-in", data={"clientId": DECLARANT, "secret": SECRET},
                         follow_redirects=False)
    if answer.status_code != 303:
        raise BenchFailed(f"POST /web/sign-in: {answer.status_code} {answer.text[-300:]}")
    page = client.get("/web/employer")
    token = CSRF.search(page.text)
    if page.status_code != 200 or token is None:
        raise BenchFailed(f"GET /web/employer: {page.status_code}, no CSRF token")
    chosen = client.post("/web/employer", data={"csrf": token.group(1), "employer": EMPLOYER},
                         follow_redirects=False)
    if chosen.status_code != 303:
        raise BenchFailed(f"POST /web/employer: {chosen.status_code} {chosen.text[-300:]}")
    return client


def measure(client: httpx.Client, paths: dict[str, str], progress: Progress,
            count: Count | None = None) -> dict[str, dict[str, float]]:
    """Each page once (it must answer 200), then RUNS times: p50 and max in ms."""
    figures = {}
    for done, (name, path) in enumerate(paths.items()):
        times = []
        for run in range(RUNS + 1):
            began = time.perf_counter()
            answer = client.get(path)
            elapsed = (time.perf_counter() - began) * 1000
            if answer.status_code != 200:
                raise BenchFailed(f"GET {path}: {answer.status_code} {answer.text[-300:]}")
            if run:
                times.append(elapsed)
        figures[name] = {"p50_ms": round(statistics.median(times), 1),
                         "max_ms": round(max(times), 1)}
        progress(f"{name}: p50 {figures[name]['p50_ms']} ms, max {figures[name]['max_ms']} ms")
        if count:
            count("web pages", done + 1, len(paths), "pages timed")
    return figures


def pages(ids: dict) -> dict[str, str]:
    """The pages to time, by name (the same names whatever the register's size)."""
    p, s, d = ids["period"], ids["ssin"], ids["declaration"]
    full = "when=full&presentation="
    search = "/web/search?" + full
    return {
        "search form": "/web/search",
        "periods, full register, page 1": search + "periods",
        "periods, full register, offset N/2": f"{search}periods&offset={ids['middle']}",
        "periods, full register, last page": f"{search}periods&size=100&offset={ids['last']}",
        "periods, active in a month": "/web/search?when=between&from=2025-03-01&to=2025-03-31"
                                      "&presentation=periods",
        "periods, today": "/web/search?when=today&presentation=periods",
        "periods, one SSIN": f"{search}periods&ssin={s}",
        "periods, part of a name": f"{search}periods&name=eter&partial=1",
        "periods, whole name": f"{search}periods&name=Peeters",
        "periods, JC + type + no cancelled": f"{search}periods&jc=302&workerType=EXT"
                                             "&excludeCancelled=1",
        "periods, period number": f"{search}periods&period={p}",
        "workers, full register, page 1": search + "workers",
        "workers, full register, offset workers/2": f"{search}workers"
                                                    f"&offset={ids['middle_worker']}",
        "monthly overview, 2025-03": "/web/search?presentation=monthly&month=2025-03",
        "worker's periods": f"/web/workers/{s}/periods",
        "period detail": f"/web/periods/{p}",
        "modify form": f"/web/periods/{p}/update",
        "declarations, page 1": "/web/declarations",
        "declarations, offset declarations/2": f"/web/declarations"
                                               f"?offset={ids['middle_declaration']}",
        "declaration detail": f"/web/declarations/{d}",
        "quota 2025": "/web/quota?year=2025",
        "PDF of a page of 100": f"/web/search/pdf?{full}periods&size=100",
        "employees tab, page 1": "/web/employees",
        "employees tab, a name": "/web/employees?name=Peeters",
        "e-Box, every message unread": "/web/ebox",
    }


def ssin_of(n: int) -> str:
    base = f"9{n:08d}"
    return base + f"{97 - int(base) % 97:02d}"


def fill(url: str, periods: int = 100_000, workers: int = 10_000) -> dict:
    """Fills the register of employer 175110801 (and its e-Box); returns a few ids and
    offsets to open."""
    received = datetime(2024, 1, 1, 8, tzinfo=UTC)
    declarations, period_rows, quotas, notices, messages = [], [], [], [], []
    kept: dict[str, dict] = {}
    for i in range(periods):
        period_id = FIRST_PERIOD + i * 100
        ssin = ssin_of(i % workers)
        kind = TYPES[i % len(TYPES)]
        start = FIRST_DAY + timedelta(days=(i * 37) % DAYS)
        start_hour = end_hour = end = None
        planned = None
        if kind == "STU":
            end, planned = start + timedelta(days=i % 5), 10 + i % 20
        elif kind == "EXT":  # one in two a horeca day flat-rate: no end hour ("daily")
            start_hour, end, end_hour = "1000", start, None if i % 2 else "1800"
        elif kind == "FLX":
            start_hour, end, end_hour = "0800", start, "1400"
        elif i % 10:
            end = start + timedelta(days=i % 30)
        cancelled = i % 20 == 0
        at = received + timedelta(minutes=i)
        jc = "302" if kind in ("EXT", "FLX") else "XXX"
        period_rows.append((period_id, EMPLOYER, ssin, jc, kind, start, start_hour, end,
                            end_hour, planned, cancelled, 1, at, False, None, None, None,
                            None, None))
        body = {"employer": {"employerId": int(EMPLOYER)}, "worker": {"ssin": ssin},
                "dimonaIn": {"startDate": start.isoformat(), "features": {
                    "jointCommissionNumber": jc, "workerType": kind}}}
        declarations.append((period_id, "DIMONA_IN", "A", period_id, "[]", EMPLOYER, ssin,
                             DECLARANT, "web", at, None, None, json.dumps(body), period_id,
                             None, None, None))
        after = {"startDate": start.isoformat(), "startHour": start_hour,
                 "endDate": end and end.isoformat(), "endHour": end_hour,
                 "plannedHoursNumber": planned, "cancelled": False}
        notification_id = uuid.uuid4()
        notices.append((notification_id, period_id, period_id, at + timedelta(seconds=30),
                        "ebox", DECLARANT, None, json.dumps(after), [], None, None, None,
                        None, None))
        messages.append(message(notification_id, period_id, ssin, i % workers, at, {
            "period_id": period_id, "employer_key": EMPLOYER, "ssin": ssin,
            "joint_commission_number": jc, "worker_type": kind,
            "start_date": start.isoformat(), "start_hour": start_hour,
            "end_date": end and end.isoformat(), "end_hour": end_hour,
            "planned_hours_number": planned, "using_joint_commission_number": None,
            "using_enterprise_number": None, "cancelled": False, "late": False,
            "version": 1}))
        if i % 5 == 1:  # an OUT for one period in five
            out_id = period_id + 1
            declarations.append((out_id, "DIMONA_OUT", "A", period_id, "[]", EMPLOYER, ssin,
                                 DECLARANT, "web", at + timedelta(seconds=5), None, None,
                                 json.dumps({"dimonaOut": {"periodId": period_id,
                                                           "endDate": str(end or start)}}),
                                 period_id, None, None, None))
        if kind == "STU":
            quotas.append((period_id, "STUDENT", ssin, start.year, planned, None))
        elif kind == "EXT" and not cancelled:
            quotas.append((period_id, "HORECA_WORKER", ssin, start.year, None, [start]))
            quotas.append((period_id, "HORECA_EMPLOYER", EMPLOYER, start.year, None, [start]))
        w = kept.setdefault(ssin, {"start": start, "end": end, "open": False, "jcs": set(),
                                   "types": set()})
        if not cancelled:
            w["start"] = min(w["start"], start)
            w["open"] = w["open"] or end is None
            w["end"] = max(filter(None, (w["end"], end)), default=None)
            w["jcs"].add(jc)
            w["types"].add(kind)
    worker_rows = [(EMPLOYER, ssin, FAMILY[n % len(FAMILY)], GIVEN[(n // 3) % len(GIVEN)],
                    date(1990, 1, 1) + timedelta(days=n % 3000), "F" if n % 2 else "M", "BE",
                    w["start"], None if w["open"] else w["end"], sorted(w["jcs"]),
                    sorted(w["types"]))
                   for n, (ssin, w) in enumerate(kept.items())]
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        for table, columns, rows in (
                ("register.declarations", DECLARATION_COLUMNS, declarations),
                ("register.periods", PERIOD_COLUMNS, period_rows),
                ("register.quota_usage", QUOTA_COLUMNS, quotas),
                ("register.notifications", NOTIFICATION_COLUMNS, notices),
                ("register.workers", "employer_key, ssin, family_name, given_name, "
                 "birth_date, gender, nationality, relation_start, relation_end, "
                 "joint_commissions, worker_types", worker_rows),
                ("notifier.ebox_messages", "message_id, declaration_id, recipient, "
                 "employer_key, language, subject, content, created_at", messages)):
            with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE")
    return chosen(periods, workers, len(declarations))


def message(message_id: uuid.UUID, declaration_id: int, ssin: str, worker: int,
            at: datetime, period: dict) -> tuple:
    """The e-Box row of an IN accepted, as the notifier writes it (domain.confirmation)."""
    content = {
        "declarations": {"type": "DIMONA_IN", "declarationId": declaration_id, "result": "A",
                         "anomalies": [], "sentAt": at.isoformat(),
                         "start": {"date": period["start_date"], "hour": period["start_hour"]},
                         "end": period["end_date"] and {"date": period["end_date"],
                                                        "hour": period["end_hour"]},
                         "periodId": declaration_id, "references": {}},
        "employer": {"name": EMPLOYER_NAME, "enterpriseNumber": DECLARANT,
                     "employerId": int(EMPLOYER)},
        "employees": [{"ssin": ssin, "familyName": FAMILY[worker % len(FAMILY)],
                       "givenName": GIVEN[(worker // 3) % len(GIVEN)]}],
        "periodBefore": None, "periodAfter": period}
    return (message_id, declaration_id, DECLARANT, EMPLOYER, "nl",
            render.subject(content, "nl"), json.dumps(content), at + timedelta(seconds=30))


def chosen(periods: int, workers: int, declarations: int) -> dict:
    """A period (not cancelled) in the middle of the register, its IN declaration, a worker,
    and the offsets of the middle and last pages."""
    middle = periods // 2 + 1
    if middle % 20 == 0:  # a cancelled one: the next
        middle += 1
    period = FIRST_PERIOD + middle * 100
    return {"period": period, "declaration": period, "ssin": ssin_of(workers // 2),
            "middle": periods // 2, "last": (periods - 1) // 100 * 100,
            "middle_worker": workers // 2, "middle_declaration": declarations // 2}
