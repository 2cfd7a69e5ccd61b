"""The REST v2 declaration JSON (docs/interface.md §2) as intake accepts it."""

import pytest
from pydantic import ValidationError

from schemas.declaration import Declaration

IN = {"employer": {"employerId": 175110801}, "worker": {"ssin": "85073003328"},
      "dimonaIn": {"startDate": "2026-07-08", "startHour": "0800", "endDate": "2026-07-08",
                   "endHour": "1400",
                   "features": {"jointCommissionNumber": "XXX", "workerType": "FLX"}}}


def test_in_round_trips_in_camel_case():
    d = Declaration.model_validate(IN)
    assert d.declaration_type == "DIMONA_IN"
    assert d.employer.key == "175110801"
    assert d.to_json_dict() == IN


def test_change_declarations_carry_only_a_period():
    d = Declaration.model_validate({"dimonaCancel": {"periodId": 680725377630}})
    assert (d.declaration_type, d.period_id, d.employer) == ("DIMONA_CANCEL", 680725377630, None)


def test_enterprise_number_is_the_key_without_nsso_number():
    d = Declaration.model_validate({**IN, "employer": {"enterpriseNumber": "403170701"}})
    assert d.employer.key == "0403170701"


@pytest.mark.parametrize("body, field", [
    ({**IN, "dimonaCancel": {"periodId": 1}}, "exactly one"),
    ({"employer": IN["employer"]}, "exactly one"),
    ({k: v for k, v in IN.items() if k != "worker"}, "requires employer and worker"),
    ({**IN, "dimonaIn": {**IN["dimonaIn"], "startHour": "2460"}}, "dimonaIn.startHour"),
    ({**IN, "dimonaIn": {**IN["dimonaIn"], "startDate": "08/07/2026"}}, "dimonaIn.startDate"),
    ({**IN, "colour": "blue"}, "colour"),
    ({**IN, "employer": {}}, "employerId or enterpriseNumber"),
    # digits are ASCII digits: other scripts' digits match Python's \d, not the XML form's
    ({**IN, "dimonaIn": {**IN["dimonaIn"], "startHour": "08\u0660\u0660"}},
     "dimonaIn.startHour"),
    ({**IN, "worker": {"ssin": "8507300332\u0668"}}, "worker.ssin"),
    # an integer the event store cannot record (it would block its partition for ever)
    ({**IN, "employer": {"employerId": 2**63}}, "employer.employerId"),
    ({**IN, "dimonaIn": {**IN["dimonaIn"], "plannedHoursNumber": 2**64}},
     "dimonaIn.plannedHoursNumber"),
    ({**IN, "worker": {"ssin": "85073003328", "nationality": -(2**63) - 1}},
     "worker.nationality"),
])
def test_what_is_not_a_declaration_names_the_field(body, field):
    with pytest.raises(ValidationError) as exc:
        Declaration.model_validate(body)
    assert field in str(exc.value).replace("dimona_in", "dimonaIn")
