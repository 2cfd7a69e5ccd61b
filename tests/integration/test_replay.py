"""What a rule change would change (issue 28 point 2; docs/interface.md §4, `dimona replay`):
recorded submissions decided again in a sandbox under another version of the rules, with
the directory as it stood at each reception. The same rules change nothing; a deadline
moved by a day changes exactly the declarations it concerns."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
import pytest

from services.directory import adapter
from services.directory.domain import DirectoryDocument
from services.validator.application import DecideDeclarations
from services.validator.eventstore import open_event_store
from services.validator.replay import ROOT, Replay, ReplayError, Scope, rules_tree
from tests.unit.factories import submitted

pytestmark = pytest.mark.integration
BRUSSELS = ZoneInfo("Europe/Brussels")
KROON = {"employerId": 175110801, "enterpriseNumber": "0403170701", "name": "Brasserie De Kroon"}
NIEUW = {"employerId": 197100119, "enterpriseNumber": "0876543270", "name": "Nieuw"}
MOVED = ("return at(p.start_date, p.start_hour) if p.start_hour else end_of(p.start_date)",
         "return at(p.start_date, p.start_hour) if p.start_hour else end_of(\n"
         "        p.start_date + timedelta(days=1))")


def an_in(number: int, ssin: str, start: datetime, employer: int = 175110801):
    """An open OTH IN without a start hour, received now."""
    return submitted({"employer": {"employerId": employer}, "worker": {"ssin": ssin},
                      "dimonaIn": {"startDate": start.date().isoformat(), "features": {
                          "jointCommissionNumber": "XXX", "workerType": "OTH"}}},
                     number=number, employer_key=str(employer), declarant=None,
                     received=datetime.now(UTC))


@pytest.fixture(scope="module")
def history(infra) -> tuple[str, dict[int, object]]:
    """Kroon in the directory; an IN the day before, two days before and today (late,
    late, in time); an OUT; an IN for an employer loaded only after it (refused), and
    another after the load (accepted)."""
    url = infra.new_database()
    adapter.load(url, DirectoryDocument.model_validate({"employers": [KROON]}))
    decide = DecideDeclarations(open_event_store(url, create_table=False),
                                lambda: adapter.directory(url))
    today = datetime.now(BRUSSELS)
    decided = decide([an_in(680725377630, "85073003328", today - timedelta(days=1)),
                      an_in(680725377729, "90050100151", today - timedelta(days=2)),
                      an_in(680725377828, "73011136173", today)])
    decided += decide([submitted({"dimonaOut": {"periodId": 680725377828,
                                                "endDate": today.date().isoformat()}},
                                 number=680725377927, declarant=None,
                                 received=datetime.now(UTC))])
    decided += decide([an_in(680725378026, "74011136194", today, 197100119)])
    adapter.load(url, DirectoryDocument.model_validate({"employers": [NIEUW]}))
    decided += decide([an_in(680725378125, "74011136194", today, 197100119)])
    return url, {d.declaration_id: d for d in decided}


def moved_deadline(tmp_path: Path) -> Path:
    """This source tree with an IN without start hour due a day later."""
    for part in ("schemas", "services"):
        shutil.copytree(ROOT / part, tmp_path / part,
                        ignore=shutil.ignore_patterns("__pycache__"))
    rule = tmp_path / "services/validator/domain/deadlines.py"
    text = rule.read_text()
    assert MOVED[0] in text
    rule.write_text(text.replace(*MOVED))
    return tmp_path


def test_the_recorded_decisions_are_what_was_expected(history):
    _, decided = history
    assert {n: (d.result, [a.code[-3:] for a in d.anomalies]) for n, d in decided.items()} == {
        680725377630: ("W", ["460"]), 680725377729: ("W", ["460"]),
        680725377828: ("A", []), 680725377927: ("A", []),
        680725378026: ("B", ["235"]), 680725378125: ("A", [])}


def test_the_same_rules_change_nothing(history):
    url, decided = history
    seen = []
    with rules_tree(str(ROOT)) as tree:
        report = Replay(url, tree, lambda n, total: seen.append((n, total))).run()
    assert (report.replayed, report.compared, report.changes) == (6, 6, [])
    assert seen[-1] == (6, 6)  # progress, submissions decided of those recorded


def test_a_deadline_moved_by_a_day_finds_exactly_the_declarations_it_changes(
        history, tmp_path):
    url, decided = history
    late = decided[680725377630].anomalies[0].code
    report = Replay(url, moved_deadline(tmp_path)).run()
    assert [(c.declaration_id, c.old_result, c.new_result, c.added, c.removed)
            for c in report.changes] == [(680725377630, "W", "A", [], [late])]
    assert report.totals() == {late: {"added": 0, "removed": 1}}
    assert report.results() == {"W→A": 1}

    # only Nieuw's declarations compared: none changes (all are decided again)
    only = Replay(url, tmp_path).run(Scope(employer_keys=frozenset({"197100119"})))
    assert (only.replayed, only.compared, only.changes) == (6, 2, [])


def test_a_git_reference_is_a_source_tree_and_a_wrong_one_is_said(tmp_path):
    with rules_tree("HEAD") as tree:
        assert (tree / "services/validator/domain/version.py").is_file()
    with pytest.raises(ReplayError, match="neither a directory nor a git reference"):
        with rules_tree("no-such-ref-anywhere"):
            pass
    with pytest.raises(ReplayError, match="not a source tree"):
        with rules_tree(str(tmp_path)):
            pass


def test_rules_that_do_not_run_are_said(history, tmp_path):
    url, _ = history
    tree = moved_deadline(tmp_path)
    (tree / "services/validator/domain/deadlines.py").write_text("raise SystemExit('broken')")
    with pytest.raises(ReplayError, match="broken"):
        Replay(url, tree).run()
    with psycopg.connect(url) as conn:  # nothing live was touched
        assert conn.execute("SELECT count(*) FROM validator_events").fetchone()[0] > 6
