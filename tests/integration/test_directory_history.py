"""The directory as it stood at any moment (directory.history, append-only): each load dates
the entries it gives; `directory_as_of` answers with the last load made by then; a
database made before the history starts it with what it holds, dated -infinity."""

from __future__ import annotations

from datetime import UTC, datetime

import psycopg
import pytest

from services.common.db import open_pool
from services.directory import adapter
from services.directory.domain import DirectoryDocument

pytestmark = pytest.mark.integration
KROON = {"employerId": 175110801, "enterpriseNumber": "0403170701",
         "name": "Brasserie De Kroon"}


def load(url: str, **lists) -> datetime:
    """Loads a document; returns a moment after its transaction."""
    adapter.load(url, DirectoryDocument.model_validate(lists))
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT clock_timestamp()").fetchone()[0]


def test_the_directory_as_it_stood_at_each_moment(database_url):
    before = datetime.now(UTC)
    first = load(database_url, employers=[KROON], mandates=[
        {"declarant": "0477472701", "employerId": 175110801, "from": "2020-01-01"}],
        identities=[{"familyName": "Peeters", "givenName": "An",
                     "birthDate": "1990-05-01", "ssin": "90050100151"}])
    second = load(database_url, employers=[{**KROON, "active": False, "sector": "public"}],
                  mandates=[{"declarant": "0477472701", "employerId": 175110801,
                             "from": "2020-01-01", "to": "2026-06-30"}])

    empty = adapter.directory_as_of(database_url, before)
    assert empty.employers.by_key("175110801") is None
    then = adapter.directory_as_of(database_url, first)
    kroon = then.employers.by_key("175110801")
    assert (kroon.active, kroon.sector) == (True, "private")
    assert [m.to for m in then.mandates[("0477472701", 175110801)]] == [None]
    assert then.by_ssin["90050100151"].family_name == "Peeters"
    now = adapter.directory_as_of(database_url, second)
    kroon = now.employers.by_key("175110801")
    assert (kroon.active, kroon.sector) == (False, "public")
    assert [str(m.to) for m in now.mandates[("0477472701", 175110801)]] == ["2026-06-30"]
    assert now.by_ssin["90050100151"].given_name == "An"  # kept: not in the second load

    with psycopg.connect(database_url) as conn, pytest.raises(
            psycopg.errors.InsufficientPrivilege):
        conn.execute("UPDATE directory.history SET doc = '{}'")


def test_an_older_database_starts_its_history_with_what_it_holds(database_url):
    load(database_url, employers=[KROON], flexiEligibility=[
        {"ssin": "85073003328", "quarter": "2026Q3", "eligible": False}])
    with psycopg.connect(database_url) as conn:  # as before the history existed
        conn.execute("DROP TABLE directory.history")
    adapter.migrate(database_url)
    adapter.migrate(database_url)  # once only
    with psycopg.connect(database_url) as conn:
        rows = conn.execute("SELECT changed_at::text, list, key, doc FROM directory.history "
                            "ORDER BY list").fetchall()
    assert [r[:3] for r in rows] == [
        ("-infinity", "employers", "175110801"),
        ("-infinity", "flexiEligibility", "85073003328:2026Q3")]
    assert rows[1][3] == {"ssin": "85073003328", "quarter": "2026Q3", "eligible": False}
    early = adapter.directory_as_of(database_url, datetime(2000, 1, 1, tzinfo=UTC))
    assert early.flexi[("85073003328", "2026Q3")] is False
    assert rows[0][3]["name"] == "Brasserie De Kroon"


def test_a_flexi_retirement_as_the_directory_knew_it(database_url):
    """The income counter as of a moment reads the retirement known then (Flexi at work
    views with `--as-of`)."""
    before = datetime.now(UTC)
    first = load(database_url, flexiRetirements=[{"ssin": "50010100156",
                                                  "retiredFrom": "2026-03-01"}])
    load(database_url, flexiRetirements=[{"ssin": "50010100156", "retiredFrom": "2026-01-01"}])
    with open_pool(database_url, 1) as pool:
        found = [adapter.flexi_retirement(pool, "50010100156", at)
                 for at in (before, first, None)]
    assert [r and r.retired_from.isoformat() for r in found] == [
        None, "2026-03-01", "2026-01-01"]
