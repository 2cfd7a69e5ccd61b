"""The rule version recorded with every decision names the rules that made it (issue 7):
a change to the rules' sources without a new version fails here."""

from services.validator.domain.version import RULES_VERSION, VERSIONS, rules_fingerprint


def test_the_rules_sources_match_the_current_version():
    fingerprint = rules_fingerprint()
    assert VERSIONS[RULES_VERSION] == fingerprint, (
        "the rules changed: add a new version to services/validator/domain/version.py "
        f'VERSIONS, e.g. "<next>": "{fingerprint}"')


def test_every_version_names_other_sources():
    assert len(set(VERSIONS.values())) == len(VERSIONS)
