"""The employer's choice of system for its daily registrations: a dated fact, read as of a
moment, and a copy of the directory that re-reads the choices it may miss (issue 22)."""

from datetime import UTC, datetime, timedelta

from services.directory.domain import (
    CLOCK_TOLERANCE,
    Directory,
    SystemChoice,
    choice_in_force,
)
from tests.unit.factories import KROON, PARC

T0 = datetime(2026, 7, 7, 8, 0, tzinfo=UTC)
KEY = KROON.key


def chosen(system: str, at: datetime, key: str = KEY) -> SystemChoice:
    return SystemChoice(employer_key=key, system=system, chosen_at=at, chosen_by="0403170701")


def test_the_choice_in_force_is_the_latest_made_by_then():
    first, second = chosen("dimona", T0), chosen("dimona+cashRegister", T0 + timedelta(days=2))
    choices = [second, first]  # any order
    assert choice_in_force(choices, T0 - timedelta(microseconds=1)) is None
    assert choice_in_force(choices, T0) == first  # a choice counts from its own instant
    assert choice_in_force(choices, T0 + timedelta(days=1)) == first
    assert choice_in_force(choices, T0 + timedelta(days=3)) == second


def test_the_directory_answers_per_employer_and_moment():
    directory = Directory([KROON, PARC], choices=[chosen("dimona", T0)])
    assert directory.daily_registration_system(KEY, T0 + timedelta(hours=1)) == "dimona"
    assert directory.daily_registration_system(KEY, T0 - timedelta(hours=1)) is None
    assert directory.daily_registration_system(PARC.key, T0 + timedelta(hours=1)) is None


class Reader:
    """The database as Directory.freshen_choices reads it again: what it holds now."""

    def __init__(self, *choices: SystemChoice, now: datetime = T0):
        self.choices, self.now, self.asked = list(choices), now, []

    def __call__(self, keys):
        self.asked.append(set(keys))
        return self.now, [c for c in self.choices if c.employer_key in keys]


def test_a_copy_read_before_a_reception_re_reads_the_employers_it_has_no_choice_for():
    """The choice was recorded after the copy was read and before the registration was
    received: the copy does not know it, the targeted read does."""
    reception = T0 + timedelta(seconds=1)
    db = Reader(chosen("dimona", T0 + timedelta(milliseconds=500)), now=T0 + timedelta(seconds=2))
    copy = Directory([KROON, PARC], read_at=T0, reread_choices=db)
    assert copy.daily_registration_system(KEY, reception) is None  # stale
    assert copy.may_miss_choice(KEY, reception)
    copy.freshen_choices([(KEY, reception), (PARC.key, reception)])
    assert db.asked == [{KEY, PARC.key}]  # one query for the batch, only those employers
    assert copy.daily_registration_system(KEY, reception) == "dimona"
    assert copy.daily_registration_system(PARC.key, reception) is None
    copy.freshen_choices([(PARC.key, reception)])  # read again after that reception: known
    assert db.asked == [{KEY, PARC.key}]


def test_a_copy_read_well_after_the_reception_is_trusted_and_not_re_read():
    reception = T0
    db = Reader(chosen("dimona", T0))
    copy = Directory([KROON], read_at=T0 + CLOCK_TOLERANCE, reread_choices=db)
    assert not copy.may_miss_choice(KEY, reception)
    copy.freshen_choices([(KEY, reception)])
    assert db.asked == []
    assert copy.daily_registration_system(KEY, reception) is None  # what a replay says too


def test_a_copy_read_within_the_clocks_tolerance_of_the_reception_is_re_read():
    reception = T0
    copy = Directory([KROON], read_at=T0 + CLOCK_TOLERANCE - timedelta(microseconds=1))
    assert copy.may_miss_choice(KEY, reception)
    assert Directory([KROON]).may_miss_choice(KEY, reception)  # read at an unknown time


def test_a_copy_that_knows_a_choice_in_force_never_re_reads():
    db = Reader()
    copy = Directory([KROON], choices=[chosen("dimona", T0)], read_at=T0, reread_choices=db)
    copy.freshen_choices([(KEY, T0 + timedelta(hours=5))])
    assert db.asked == []


def test_a_choice_made_after_the_reception_does_not_count():
    """Decisions are deterministic: the choice is read as of the reception time."""
    reception = T0
    db = Reader(chosen("dimona", T0 + timedelta(seconds=1)), now=T0 + timedelta(seconds=3))
    copy = Directory([KROON], read_at=T0 - timedelta(seconds=2), reread_choices=db)
    copy.freshen_choices([(KEY, reception)])
    assert db.asked == [{KEY}]
    assert copy.daily_registration_system(KEY, reception) is None
