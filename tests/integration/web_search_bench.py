"""How fast the register's pages are for a large employer: fills a test database's
register with N periods of one employer (COPY into the register's tables, as the writer's
rows look: declarations, periods, workers, quotas, notifications), then times each page of
the Search tab, the period and declaration details, the Declarations and Quota tabs with
TestClient (p50 and max of a few runs). Not a test: figures to read.

    .venv/bin/python -m tests.integration.web_search_bench POSTGRES_URL [PERIODS]

POSTGRES_URL is a server's maintenance database (a new database is made on it)."""

from __future__ import annotations

import json
import statistics
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta

import psycopg

from services.projections.writer import (
    DECLARATION_COLUMNS,
    NOTIFICATION_COLUMNS,
    PERIOD_COLUMNS,
    QUOTA_COLUMNS,
)

EMPLOYER = "175110801"
DECLARANT = "0403170701"
FAMILY = ("Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens",
          "Wouters", "De Smet", "Dubois", "Lambert", "Dupont", "Martin", "Simon", "Laurent",
          "Leroy", "Renard", "Lejeune", "Hermans")
GIVEN = ("An", "Jan", "Marie", "Luc", "Sofie", "Tom", "Emma", "Lucas", "Nora", "Arthur",
         "Louise", "Noah", "Elise", "Adam", "Julie", "Victor", "Lea", "Louis", "Hanne", "Mila")
TYPES = ("OTH", "OTH", "STU", "EXT", "FLX")
FIRST_DAY = date(2024, 1, 1)
DAYS = 4 * 365


def ssin_of(n: int) -> str:
    base = f"9{n:08d}"
    return base + f"{97 - int(base) % 97:02d}"


def fill(url: str, periods: int = 100_000, workers: int = 10_000) -> dict:
    """Fills the register of employer 175110801; returns a few ids to open."""
    received = datetime(2024, 1, 1, 8, tzinfo=UTC)
    declarations, period_rows, quotas, notices = [], [], [], []
    kept: dict[str, dict] = {}
    for i in range(periods):
        period_id = 700_000_000_000 + i * 100
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
                            end_hour, planned, cancelled, 1, at, False, None, None))
        body = {"employer": {"employerId": int(EMPLOYER)}, "worker": {"ssin": ssin},
                "dimonaIn": {"startDate": start.isoformat(), "features": {
                    "jointCommissionNumber": jc, "workerType": kind}}}
        declarations.append((period_id, "DIMONA_IN", "A", period_id, "[]", EMPLOYER, ssin,
                             DECLARANT, "web", at, None, None, json.dumps(body), period_id,
                             None, None, None))
        after = {"startDate": start.isoformat(), "startHour": start_hour,
                 "endDate": end and end.isoformat(), "endHour": end_hour,
                 "plannedHoursNumber": planned, "cancelled": False}
        notices.append((uuid.uuid4(), period_id, period_id, at + timedelta(seconds=30),
                        "ebox", DECLARANT, None, json.dumps(after), [], None, None, None,
                        None, None))
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
                ("declarations", DECLARATION_COLUMNS, declarations),
                ("periods", PERIOD_COLUMNS, period_rows),
                ("quota_usage", QUOTA_COLUMNS, quotas),
                ("notifications", NOTIFICATION_COLUMNS, notices),
                ("workers", "employer_key, ssin, family_name, given_name, birth_date, gender, "
                 "nationality, relation_start, relation_end, joint_commissions, worker_types",
                 worker_rows)):
            with cur.copy(f"COPY register.{table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE")
    return chosen(periods, workers)


def chosen(periods: int, workers: int) -> dict:
    """A period (not cancelled), a worker and a declaration of the filled register."""
    middle = 700_000_000_000 + (periods // 2 + 1) * 100
    return {"period": middle, "ssin": ssin_of(workers // 2), "declaration": middle}


def pages(ids: dict) -> dict[str, str]:
    """The pages to time, by name."""
    p, s, d = ids["period"], ids["ssin"], ids["declaration"]
    full = "/web/search?when=full&presentation="
    return {
        "search form": "/web/search",
        "periods, full register, page 1": full + "periods",
        "periods, full register, offset 50,000": full + "periods&offset=50000",
        "periods, full register, last page": full + "periods&size=100&offset=99900",
        "periods, active in a month": "/web/search?when=between&from=2025-03-01&to=2025-03-31"
                                      "&presentation=periods",
        "periods, today": "/web/search?when=today&presentation=periods",
        "periods, one SSIN": f"{full}periods&ssin={s}",
        "periods, part of a name": f"{full}periods&name=eter&partial=1",
        "periods, whole name": f"{full}periods&name=Peeters",
        "periods, JC + type + no cancelled": f"{full}periods&jc=302&workerType=EXT"
                                             "&excludeCancelled=1",
        "periods, period number": f"{full}periods&period={p}",
        "workers, full register, page 1": full + "workers",
        "workers, full register, offset 5,000": full + "workers&offset=5000",
        "monthly overview, 2025-03": "/web/search?presentation=monthly&month=2025-03",
        "worker's periods": f"/web/workers/{s}/periods",
        "period detail": f"/web/periods/{p}",
        "modify form": f"/web/periods/{p}/update",
        "declarations, page 1": "/web/declarations",
        "declarations, offset 50,000": "/web/declarations?offset=50000",
        "declaration detail": f"/web/declarations/{d}",
        "quota 2025": "/web/quota?year=2025",
        "PDF of a page of 100": f"/web/search/pdf?{full[12:]}periods&size=100",
    }


def measure(client, paths: dict[str, str], runs: int = 11) -> list[tuple[str, float, float]]:
    figures = []
    for name, path in paths.items():
        answer = client.get(path)
        assert answer.status_code == 200, (path, answer.status_code, answer.text[-500:])
        times = []
        for _ in range(runs):
            began = time.perf_counter()
            client.get(path)
            times.append((time.perf_counter() - began) * 1000)
        figures.append((name, statistics.median(times), max(times)))
        print(f"{name:42s} p50 {figures[-1][1]:7.1f} ms   max {figures[-1][2]:7.1f} ms",
              flush=True)
    return figures


def main() -> None:
    from dimona.stack import migrate
    from tests.integration.http_world import World
    from tests.integration.test_web_session import signed_in

    server, periods = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    if "/bench_" in server:  # a database filled before: time its pages again
        url, ids = server, chosen(periods, 10_000)
        world = World(url)
    else:
        name = f"bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        url = server.rsplit("/", 1)[0] + f"/{name}"
        migrate(url)
        world = World(url)
        began = time.perf_counter()
        ids = fill(url, periods)
        print(f"filled {periods:,} periods of one employer into {url} in "
              f"{time.perf_counter() - began:.1f} s")
    client = signed_in(world, {"clientId": "0403170701", "secret": "kroon-secret-token"},
                       EMPLOYER)
    measure(client, pages(ids))
    began = time.perf_counter()
    export = client.get("/web/search/export?when=full&presentation=periods")
    print(f"CSV export of every period: {export.headers['x-total-count']} rows, "
          f"{len(export.content) / 1e6:.1f} MB in {time.perf_counter() - began:.2f} s")
    world.close()


if __name__ == "__main__":
    main()
