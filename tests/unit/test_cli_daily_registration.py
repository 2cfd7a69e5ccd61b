"""`dimona directory daily-registration EMPLOYER_ID SYSTEM`: what it prints, and what it
refuses before reaching the stack (docs/interface.md §4, §6)."""

import json

import pytest
from click.testing import CliRunner

from dimona.cli import directory as module
from dimona.cli import main

ANSWER = {"employerId": 175110801, "system": "dimona", "chosenAt": "2026-07-07T08:00:00+00:00"}


class FakeClient:
    calls: list = []

    def __init__(self, home) -> None:
        self.home = home

    def choose_daily_registration_system(self, employer: str, system: str) -> dict:
        self.calls.append((employer, system))
        return {**ANSWER, "system": system}


@pytest.fixture
def cli(monkeypatch, tmp_path):
    FakeClient.calls = []
    monkeypatch.setattr(module, "StackClient", FakeClient)
    return lambda *args: CliRunner().invoke(main, ["--home", str(tmp_path), "directory",
                                                   "daily-registration", *args])


def test_it_records_and_prints_the_choice(cli):
    done = cli("175110801", "dimona", "--json")
    assert done.exit_code == 0 and json.loads(done.output) == ANSWER
    done = cli("0403170701", "dimona+cashRegister")
    assert done.exit_code == 0
    assert done.output == ("employer 175110801: daily registrations through "
                           "dimona+cashRegister from 2026-07-07T08:00:00+00:00\n")
    assert FakeClient.calls == [("175110801", "dimona"), ("0403170701", "dimona+cashRegister")]


def test_another_system_is_a_usage_error(cli):
    done = cli("175110801", "cashRegister")
    assert done.exit_code == 2 and FakeClient.calls == []
