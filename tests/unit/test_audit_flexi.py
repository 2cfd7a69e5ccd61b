"""The audit log of a Flexi at work declaration (issue 23): its reception names the action,
the situation and the beneficiary; its decision the situation before and after. And the
directory's retired flexi-jobbers."""

from datetime import UTC, date, datetime

import pytest

from services.audit.domain import decision_entry, reception_entry, text
from services.directory.domain import DirectoryDocument
from tests.unit.situations import RELATION, WORKER, calculation, create, modify

KEY = f"175110801:{WORKER}:{RELATION}"


def test_a_modify_in_the_audit_log():
    made = create()
    changed = modify(680725500117, made.situation_after, calculation(5500, None))
    received = reception_entry(3, changed, None)
    assert (received.details["declarationType"], received.details["action"],
            received.details["situationKey"], received.details["ssin"]) == (
        "FLEXI_WAGE", "modify", KEY, WORKER)
    assert f"FLEXI_WAGE modify of situation {KEY} webservice" in text(received)[0]
    decided = decision_entry(4, datetime(2026, 8, 3, tzinfo=UTC), changed)
    json = decided.to_json()
    assert (json["situationBefore"]["wagesCents"], json["situationAfter"]["wagesCents"],
            json["situationAfter"]["version"], json["situationAfter"]["ticket"]) == (
        9400, 5500, 2, 680725500117)
    first, before, after = text(decided)
    assert f"A, situation {KEY}" in first
    assert before.strip() == ("before 2026-07-01 - 2026-07-31 wages 9400 premiums 5000 "
                              "cents, year 2026, ticket 680725500018 (version 1)")
    assert after.strip().startswith("after 2026-07-01 - 2026-07-31 wages 5500 premiums 0")


def test_a_refused_create_has_no_situation_after():
    decided = decision_entry(4, datetime(2026, 8, 3, tzinfo=UTC), create(result="B"))
    assert (decided.details["situationBefore"], decided.details["situationAfter"]) == (
        None, None)
    assert [line.strip() for line in text(decided)[1:]] == ["before -", "after -"]


def test_the_directory_names_retired_flexi_jobbers():
    doc = DirectoryDocument.model_validate(
        {"flexiRetirements": [{"ssin": WORKER, "retiredFrom": "2025-01-01"}]})
    assert doc.flexi_retirements[0].retired_from == date(2025, 1, 1)
    with pytest.raises(ValueError):
        DirectoryDocument.model_validate({"flexiRetirements": [{"ssin": WORKER}]})
