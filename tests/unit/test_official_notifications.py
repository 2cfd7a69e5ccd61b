"""services.intake.official_files.Notifications with fakes of its stores: a file is answered
only once every form's final result is in a NOTIFICATION file, even when results keep
arriving while a file is being written (its last position and its count of lines are read
together, so that no line is counted before it is written)."""

from __future__ import annotations

import contextlib
from dataclasses import replace
from datetime import UTC, datetime

from lxml import etree

from schemas.events import Origin
from services.intake.adapter import OpenXmlFile
from services.intake.official_files import Notifications
from services.validator.domain import decide
from tests.unit.factories import IN, FakeContext, submitted

FORMS = 6
RAW = ("<Form><Identification>DIMONA</Identification><FormCreationDate>2026-12-07"
       "</FormCreationDate><FormCreationHour>10:00:00.000</FormCreationHour>"
       "<AttestationStatus>0</AttestationStatus><TypeForm>SU</TypeForm></Form>")


class Returns:
    """The notifier's return entries of one file; two more arrive right after each
    progress read, as results come while intake writes a NOTIFICATION file."""

    def __init__(self):
        self.arrived = 2

    def progress(self, ticket):
        """(last position, lines waiting, lines with an entry), read together."""
        upto = self.arrived
        self.arrived = min(self.arrived + 2, FORMS)
        return upto, 0, upto

    def of(self, ticket, after, upto):
        return ({"declarationId": 680725300000 + line, "result": "A", "line": line}
                for line in range(after + 1, upto + 1))


class Store:
    def __init__(self):
        self.file = OpenXmlFile("ABCDEFGHIJKLM", "000640", "FI.DIMN.000640.20261207.00001.R.1.1",
                                "R", "DIMN", "sftp", FORMS, 0)
        self.answered = False
        self.sequence = 0

    def next_return_sequence(self, *args):
        self.sequence += 1
        return self.sequence

    @contextlib.contextmanager
    def claim_xml_files(self, limit):
        store = self

        class Claim:
            files = [] if store.answered else [store.file]

            def notified(self, ticket, upto, answered):
                store.file = replace(store.file, noti_upto=upto)
                store.answered = answered
        yield Claim()


def decisions(numbers):
    origin = Origin(via="sftp", raw=RAW).model_dump(mode="json")
    return {n: ([decide(submitted(IN, number=n), FakeContext())], origin) for n in numbers}


def test_a_file_is_answered_only_when_every_form_is_in_a_notification(tmp_path):
    store, returns = Store(), Returns()
    notifications = Notifications(store, returns, decisions, tmp_path,
                                  clock=lambda: datetime(2026, 12, 7, 10, tzinfo=UTC))
    while notifications.write_pending():
        pass
    assert store.answered
    written = sorted((tmp_path / "000640" / "OUT").glob("FO.NOTI.*"))
    numbers = [int(n) for path in written
               for n in etree.parse(str(path)).xpath("//HandledReference/ReferenceNbr/text()")]
    assert sorted(numbers) == [680725300000 + line for line in range(1, FORMS + 1)]
    assert len(written) >= 2, "results written as they came, in several files"
