"""File names and folders of the batch channel: parsed and built, and each wrong part
refused with its ACRF code."""

from datetime import date

import pytest

from services.intake.xmlforms.errors import FileNameError
from services.intake.xmlforms.names import (
    InputName,
    check_folder,
    input_name,
    output_name,
    parse_input_name,
    parse_output_name,
)


def test_a_dimona_set_of_files():
    fi = parse_input_name("FI.DIMN.000640.20260707.00001.R.1.1")
    assert fi == InputName("FI", "DIMN", "000640", date(2026, 7, 7), "00001", "R", 1, 1)
    assert (fi.folder, fi.flexi) == ("IN", False)
    assert str(fi.signature()) == "FS.DIMN.000640.20260707.00001.R.1.1"
    assert str(fi.trigger()) == "GO.DIMN.000640.20260707.00001.R.1"
    go = parse_input_name("GO.DIMN.000640.20260707.00001.R.1")
    assert go.part is None and go == fi.trigger()
    assert str(go.declarations(1)) == str(fi)


def test_a_flexi_set_of_two_parts():
    second = parse_input_name("FI.FLEX.000640.20240404.00001.T.2.2")
    assert (second.parts, second.part, second.folder, second.flexi) == (2, 2, "INTEST", True)
    assert str(second.trigger()) == "GO.FLEX.000640.20240404.00001.T.2"
    assert str(parse_input_name("FS.FLEX.000640.20240404.00001.T.2.1")) == (
        "FS.FLEX.000640.20240404.00001.T.2.1")


def test_names_are_built_and_checked():
    name = input_name("DIMN", "123456", date(2003, 8, 1), "0000A", "S")
    assert (str(name), name.folder) == ("FI.DIMN.123456.20030801.0000A.S.1.1", "INTEST-S")
    with pytest.raises(FileNameError):
        input_name("DIMN", "12345", date(2003, 8, 1), "00001", "R")


@pytest.mark.parametrize(("name", "code"), [
    ("FX.DIMN.000640.20260707.00001.R.1.1", "129"),
    ("FI.DMFA.000640.20260707.00001.R.1.1", "129"),
    ("FI.DIMN.000640.20260707.00001.R.1", "131"),
    ("FS.DIMN.000640.20260707.00001.R", "132"),
    ("GO.DIMN.000640.20260707.00001.R.1.1", "107"),
    ("FI.DIMN.64.20260707.00001.R.1.1", "131"),
    ("GO.DIMN.000000.20260707.00001.R.1", "107"),
    ("FI.DIMN.000640.2026077.00001.R.1.1", "109"),
    ("FI.DIMN.000640.20260231.00001.R.1.1", "110"),
    ("FI.DIMN.000640.2026O707.00001.R.1.1", "110"),
    ("FI.DIMN.000640.20260707.0001.R.1.1", "112"),
    ("FI.DIMN.000640.20260707.0000a.R.1.1", "367"),
    ("FI.DIMN.000640.20260707.00-01.R.1.1", "367"),
    ("FI.DIMN.000640.20260707.00000.R.1.1", "127"),
    ("FI.DIMN.000640.20260707.00001.P.1.1", "117"),
    ("FI.FLEX.000640.20260707.00001.S.1.1", "117"),
    ("FI.DIMN.000640.20260707.00001.R.10.1", "114"),
    ("FI.DIMN.000640.20260707.00001.R.x.1", "115"),
    ("GO.DIMN.000640.20260707.00001.R.0", "116"),
    ("FI.DIMN.000640.20260707.00001.R.2.3", "123"),
    ("FS.DIMN.000640.20260707.00001.R.2.3", "124"),
    ("FI.DIMN.000640.20260707.00001.R.1.0", "116"),
])
def test_each_wrong_part_has_its_code(name, code):
    with pytest.raises(FileNameError) as refused:
        parse_input_name(name)
    assert (refused.value.code, refused.value.error_id) == (code, f"ACRF-{code}")
    assert name in str(refused.value)


def test_the_sender_and_the_date_against_the_channel():
    name = "FI.DIMN.000640.20260708.00001.R.1.1"
    assert parse_input_name(name, sender="000640", today=date(2026, 7, 8)).sender == "000640"
    with pytest.raises(FileNameError) as other_sender:
        parse_input_name(name, sender="000641")
    with pytest.raises(FileNameError) as future:
        parse_input_name(name, today=date(2026, 7, 7))
    assert (other_sender.value.code, future.value.code) == ("108", "111")


@pytest.mark.parametrize(("environment", "right", "wrong", "code"), [
    ("R", "IN", "INTEST", "118"), ("T", "INTEST", "IN", "119"),
    ("S", "INTEST-S", "INTEST", "257")])
def test_each_environment_has_its_folder(environment, right, wrong, code):
    name = parse_input_name(f"FI.DIMN.000640.20260707.00001.{environment}.1.1")
    check_folder(name, right)
    check_folder(name, right.lower() + "/")
    with pytest.raises(FileNameError) as refused:
        check_folder(name, wrong)
    assert refused.value.code == code


def test_the_answers_names():
    acrf = output_name("ACRF", date(2025, 1, 10), "00001", "R")
    assert (str(acrf), acrf.folder) == ("FO.ACRF.999999.20250110.00001.R", "OUT")
    noti = output_name("NOTI", date(2025, 1, 11), "00001", "T", flexi=True)
    assert (str(noti), noti.folder) == ("FO.NOTI.999999.20250111.00001.T.FLEX", "OUTTEST")
    assert [str(n) for n in noti.triplet()] == [
        "FO.NOTI.999999.20250111.00001.T.FLEX", "FS.NOTI.999999.20250111.00001.T.FLEX",
        "GO.NOTI.999999.20250111.00001.T.FLEX"]
    assert output_name("NOTI", date(2014, 6, 28), "24AZG", "S").folder == "OUTTEST-S"
    assert parse_output_name("CO.NOTI.999999.20140628.00001.R").prefix == "CO"


@pytest.mark.parametrize("name", [
    "FO.ACRF.999998.20250110.00001.R", "FO.DIMN.999999.20250110.00001.R",
    "FO.ACRF.999999.20250110.00001.R.DIMN", "FO.ACRF.999999.20250110.00001",
    "FO.NOTI.999999.20250110.00001.S.FLEX", "FI.ACRF.999999.20250110.00001.R"])
def test_wrong_answer_names_are_refused(name):
    with pytest.raises(FileNameError):
        parse_output_name(name)
