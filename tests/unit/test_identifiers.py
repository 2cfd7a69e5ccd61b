"""SSIN check digits (docs/sources.md §8.1) and our declaration numbers (§8.4, docs/adr/0002)."""

from hypothesis import given
from hypothesis import strategies as st

from services.intake.domain import check_number, declaration_number, is_declaration_number
from services.validator.domain import valid_ssin


def ssin_with_check(first9: str, born_after_2000: bool) -> str:
    base = int(("2" if born_after_2000 else "") + first9)
    return f"{first9}{97 - base % 97:02d}"


def test_published_vectors():
    # Vectors from docs/sources.md §8.1 (stdnum and PEAR test suites).
    for ssin in ("85073003328", "73011136173", "88222999936", "08222999934", "88422999979",
                 "08422999977"):
        assert valid_ssin(ssin), ssin
    assert not valid_ssin("72011136173")
    assert not valid_ssin("8507300332")  # ten digits
    assert not valid_ssin("abcdefghijk")


@given(year=st.integers(0, 99), month=st.integers(1, 12), day=st.integers(1, 28),
       seq=st.integers(1, 997), after_2000=st.booleans())
def test_computed_check_digits_are_accepted(year, month, day, seq, after_2000):
    if after_2000 and year > 25:
        year = year % 26
    ssin = ssin_with_check(f"{year:02d}{month:02d}{day:02d}{seq:03d}", after_2000)
    assert valid_ssin(ssin)


@given(first9=st.from_regex(r"\A[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|1[0-9]|2[0-8])[0-9]{3}\Z"),
       delta=st.integers(1, 96))
def test_wrong_check_digits_are_refused(first9, delta):
    good = ssin_with_check(first9, born_after_2000=False)
    good_2000 = ssin_with_check(first9, born_after_2000=True)
    wrong = f"{first9}{(int(good[9:]) + delta - 1) % 97 + 1:02d}"
    if wrong not in (good, good_2000):
        assert not valid_ssin(wrong)


def test_bis_number_month_plus_20_and_40():
    # BIS numbers: month + 20 (sex unknown) or + 40 (sex known).
    assert valid_ssin(ssin_with_check("882229999", False))
    assert valid_ssin(ssin_with_check("884229999", False))


@given(st.integers(10**9, 10**10 - 1))
def test_declaration_numbers_have_12_digits_and_a_check_number(sequence):
    number = declaration_number(sequence)
    assert len(str(number)) == 12
    assert number % 100 == check_number(sequence)
    assert 1 <= number % 100 <= 97
    assert is_declaration_number(number)
    assert not is_declaration_number(number + (1 if number % 100 < 97 else -1))
