"""Why an anomaly was raised (the audit log's rules): every code a rule can yield leads back
to the rule, with what it follows; read from the rules' own code, nothing at import."""

from __future__ import annotations

import pytest

from schemas.catalogue import catalogue
from services.validator.domain import FLEXI_WAGE_RULES, REGISTRATION_RULES, RULES
from services.validator.domain.explain import RuleRef, codes_of, rule_ref, rules_of
from services.validator.eventlog import rules_of as published
from tests.unit.factories import IN, FakeContext
from tests.unit.rulebook import SSIN, codes, dimona_in, period, run
from tests.unit.test_rules_flexi_wages import calculation, declare, element, feature, flexi
from tests.unit.test_rules_quotas import used
from tests.unit.test_rules_registrations import create, register, registered, update

DOMAIN = "services.validator.domain."


def functions(code: str, declaration_type: str | None = None) -> list[str]:
    return [r.function.removeprefix(DOMAIN) for r in rules_of(code, declaration_type)]


@pytest.mark.parametrize(("code", "expected"), [
    ("00663-005", ["sectors.control_cards_presence"]),
    ("00664-353", ["sectors.next_month_card_same_as_first"]),
    ("90017-369", ["quotas.quota_exceeded"]),       # yielded by quotas' helpers (CHECKS)
    ("90256-369", ["quotas.quota_exceeded"]),
    ("90373-460", ["deadlines.late"]),              # f"{case.block}-460"
    ("90379-460", ["deadlines.late"]),
    ("90900-460", ["flexi_wages.late"]),            # f"{BLOCK}-460"
    ("90480-334", ["registrations.overlapping"]),
    ("00948-235", ["parties.employer_not_in_directory",  # f"{employer_zone(...)}-235"
                   "flexi_wages.debtor_not_in_directory"]),
    ("01085-001", ["registrations.registration_id_presence"]),  # _presence(…, "01085")
    ("01907-008", ["flexi_wages.amount_negative"]),  # f"{AMOUNT}-008"
    ("90256-342", ["parties.secured_channel_only"]),  # named by no_mandate's docstring only
])
def test_known_codes_lead_to_their_rule(code, expected):
    assert functions(code) == expected


def test_a_declaration_type_has_its_own_rulebook():
    assert functions("00910-008", "DIMONA_IN") == [
        "fields.worker_type_not_declarable", "fields.start_date_domain",
        "deadlines.flexi_too_early", "deadlines.article17_too_early"]
    assert functions("00910-008", "DAILY_REGISTRATION") == ["registrations.start_date_domain"]
    assert functions("90900-460", "DIMONA_IN") == []
    assert functions("99999-999") == []
    assert published is rules_of


def test_a_rule_names_what_it_follows():
    assert rule_ref(RULES[0]) == RuleRef(  # no docstring of its own: its module's
        DOMAIN + "identifiers.ssin_invalid",
        "Identifiers (docs/sources.md §8) and the rules on the worker's and employer's "
        "numbers.", "docs/sources.md §8")
    [cards] = rules_of("00663-005")
    assert cards.source == "docs/sources.md §2.2, §6.1, §11 item 4"
    [quota] = rules_of("90017-369")
    assert quota.summary == "90017-369 (worker) / 90256-369 (employer), with the amount " \
                            "over the quota."
    assert quota.to_json() == {"function": DOMAIN + "quotas.quota_exceeded",
                               "summary": quota.summary, "source": "docs/sources.md §7"}
    [overlap] = rules_of("90480-334")
    assert overlap.source is None  # registrations cite the glossary and docs/rules.md only


def test_every_rule_yields_codes_the_catalogue_knows_all_read():
    for rule in {*RULES, *REGISTRATION_RULES, *FLEXI_WAGE_RULES}:
        found = codes_of(rule)
        assert found, rule
        assert all(not c.startswith("*") for c in found), (rule, found)  # every prefix read
        assert found <= catalogue().keys(), rule


def anomalous_decisions():
    cards = {"constructionControlCards": {"firstMonthC32ANumber": "123456789012"}}
    yield run(dimona_in(**cards))                                       # forbidden cards
    yield run(dimona_in("BCW", "124", **{"constructionControlCards": {
        "firstMonthC32ANumber": "123456789012", "nextMonthC32ANumber": "123456789012"}}))
    yield run(dimona_in(start="2026-06-01"), at="2026-07-01 10:00")    # late
    yield run(dimona_in("STU", endDate="2026-07-31", plannedHoursNumber=80),
              ctx=used("STUDENT", SSIN, {"hours": 600}))                 # over the quota
    yield run({**IN, "employer": {"employerId": 100006}}, ctx=FakeContext())  # unknown
    yield run({"dimonaOut": {"periodId": 680725377630, "endDate": "2026-07-01"}},
              period(end=None), declarant="0999999999", at="2026-07-10 10:00")
    yield run({"dimonaUpdate": {"periodId": 680725377630}}, period())
    yield register(create(start_hour=None, end_hour="0700", registration_id=1))
    yield register(update(end_hour="0700"), registrations=[registered()])
    yield declare(flexi(calc=calculation("2026-07-01", "2026-06-30", "2026-07-31", feature(
        element(amount=-5), worker_code="999"))), at="2026-09-30 10:00")


def test_every_anomaly_of_real_decisions_has_its_rule():
    decisions = list(anomalous_decisions())
    found = {a.code for d in decisions for a in d.anomalies}
    assert len(found) > 15 and all(d.anomalies for d in decisions)
    for d in decisions:
        for code in codes(d):
            assert rules_of(code, d.declaration_type), (d.declaration_type, code)
