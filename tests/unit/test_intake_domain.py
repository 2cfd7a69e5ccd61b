"""Intake's pure decisions: batch lines and the employer of a declaration."""

import json

import pytest

from schemas.declaration import Declaration
from services.intake.domain import UNKNOWN_EMPLOYER, employer_key, file_lines, parse_lines
from tests.unit.factories import IN


def test_parse_lines_keeps_line_numbers_and_reasons():
    lines = [json.dumps(IN), "not json", "", json.dumps({"dimonaCancel": {"periodId": "x"}})]
    good, bad = parse_lines(lines)
    assert [n for n, _ in good] == [1]
    assert [(r.line, r.reason) for r in bad] == [
        (2, "not valid JSON"), (3, "empty line"),
        (4, "dimonaCancel.periodId: Input should be a valid integer, unable to parse string "
            "as an integer")]


def test_employer_of_a_change_is_the_employer_of_its_period():
    cancel = Declaration.model_validate({"dimonaCancel": {"periodId": 680725377630}})
    assert employer_key(cancel, {680725377630: "175110801"}) == "175110801"
    assert employer_key(cancel, {}) == UNKNOWN_EMPLOYER
    assert employer_key(Declaration.model_validate(IN), {}) == "175110801"


def test_file_lines_refuses_non_utf8():
    assert file_lines(b'{"a":1}\n{"b":2}\n') == ['{"a":1}', '{"b":2}']
    with pytest.raises(ValueError, match="not UTF-8"):
        file_lines(b"\xff\xfe{}")
