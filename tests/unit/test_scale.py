"""How many processes of each service `dimona up` runs (dimona.stack)."""

import pytest

from dimona.stack import parse_scale, replica_names


def test_two_validators_and_one_of_each_other_service_by_default():
    assert replica_names(parse_scale([])) == [
        "validator", "validator-2", "projections", "notifier", "intake"]


def test_a_scale_overrides_the_default_per_service():
    assert parse_scale(["validator=1", "notifier=3"]) == {"validator": 1, "notifier": 3}
    assert parse_scale(["projections=2"]) == {"validator": 2, "projections": 2}
    assert replica_names(parse_scale(["validator=1,notifier=2"])) == [
        "validator", "projections", "notifier", "notifier-2", "intake"]


@pytest.mark.parametrize("spec", ["intake=2", "validator=0", "validator=17", "validator"])
def test_a_bad_scale_is_refused(spec):
    with pytest.raises(ValueError, match="expected SERVICE=N"):
        parse_scale([spec])
