"""How many processes of each service `dimona up` runs (dimona.stack)."""

import pytest

from dimona.stack import parse_scale, replica_names


def test_two_validators_and_one_process_of_each_other_service_by_default():
    assert replica_names(parse_scale([])) == [
        "validator", "validator-2", "projections", "notifier", "intake", "sftp"]


def test_a_scale_names_the_processes_of_each_consumer():
    assert parse_scale(["validator=3", "notifier=3"]) == {"validator": 3, "notifier": 3}
    assert replica_names(parse_scale(["projections=2,notifier=2"])) == [
        "validator", "validator-2", "projections", "projections-2", "notifier", "notifier-2",
        "intake", "sftp"]


def test_one_validator_when_asked():
    assert replica_names(parse_scale(["validator=1"])) == [
        "validator", "projections", "notifier", "intake", "sftp"]


@pytest.mark.parametrize("spec", ["intake=2", "sftp=2", "validator=0", "validator=17", "validator"])
def test_a_bad_scale_is_refused(spec):
    with pytest.raises(ValueError, match="expected SERVICE=N"):
        parse_scale([spec])
