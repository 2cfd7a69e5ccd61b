"""The validator's use case with daily registrations, over the in-memory event store: the
registration and its relation recorded, redeliveries, a create and its update in one batch,
and the stored events of older relations (issue 22)."""

from datetime import timedelta

from services.directory.domain import Directory
from services.validator.application import DecideDeclarations
from services.validator.domain import Registration, Relation
from services.validator.eventstore import ValidatorApplication
from tests.unit.factories import KROON, PARC, FakeContext, submitted
from tests.unit.rulebook import SSIN, dimona_in, utc
from tests.unit.test_rules_registrations import CHOSEN, cancel, create, update

AT = utc("2026-07-01 10:00")
IN = 680725377630  # the fixed worker's period: the IN decided first
FIRST, SECOND, THIRD = 680725400099, 680725400196, 680725400293


def sub(body: dict, number: int, at=AT):
    return submitted(body, number=number, received=at)


def fixed_worker_in():
    return sub(dimona_in("OTH", start="2026-07-01"), IN, at=utc("2026-06-30 10:00"))


def validator(app: ValidatorApplication, choices=(CHOSEN,)) -> DecideDeclarations:
    ctx = FakeContext(choices=choices)
    return DecideDeclarations(app, lambda: ctx.directory)


def stored(app: ValidatorApplication, registration_id: int) -> Registration | None:
    return app.load_many([Registration.create_id(registration_id)]).get(
        Registration.create_id(registration_id))


def registration(body_of=create, number=FIRST, **fields):
    return sub(body_of(period_id=IN, **fields) if body_of is create else body_of(
        registration_id=FIRST, **fields), number)


def test_an_accepted_registration_is_recorded_with_its_relation():
    app = ValidatorApplication()
    decide = validator(app)
    decide([fixed_worker_in()])
    [d] = decide([registration()])
    assert (d.result, d.registration_id, d.period_id) == ("A", FIRST, IN)
    assert stored(app, FIRST).current == d.registration_after
    relation = app.repository.get(Relation.create_id("175110801", SSIN))
    assert relation.registrations == {FIRST: d.registration_after}
    assert list(relation.periods) == [IN]


def test_the_same_registration_delivered_twice_is_decided_and_recorded_once():
    app = ValidatorApplication()
    validator(app)([fixed_worker_in()])
    first = validator(app)([registration()])
    again = validator(app)([registration()])  # a fresh validator: its cache knows nothing
    assert [d.model_dump_json() for d in again] == [d.model_dump_json() for d in first]
    assert app.repository.get(Registration.create_id(FIRST)).version == 1
    relation = app.repository.get(Relation.create_id("175110801", SSIN))
    assert list(relation.registrations) == [FIRST]
    # and twice in one batch
    both = validator(app)([registration(number=SECOND, start_hour="1800", end_hour="2200")] * 2)
    assert [d.result for d in both] == ["A", "A"] and both[0] == both[1]
    assert app.repository.get(Registration.create_id(SECOND)).version == 1


def test_a_create_its_update_and_an_overlapping_create_in_one_batch():
    app = ValidatorApplication()
    validator(app)([fixed_worker_in()])
    decided = validator(app)([
        registration(),
        registration(update, SECOND, end_hour="1700"),
        registration(number=THIRD, start_hour="1650", end_hour="1800")])
    assert [(d.result, [a.code for a in d.anomalies]) for d in decided] == [
        ("A", []), ("A", []), ("B", ["90480-334"])]  # 16:50 is inside the updated 08:00-17:00
    assert app.repository.get(Registration.create_id(FIRST)).current.end_hour == "1700"
    assert stored(app, THIRD) is None


def test_a_refused_registration_records_nothing_but_its_decision():
    app = ValidatorApplication()
    validator(app)([fixed_worker_in()])
    [d] = validator(app, choices=())([registration()])
    assert [a.code for a in d.anomalies] == ["00913-461"]
    relation = app.repository.get(Relation.create_id("175110801", SSIN))
    assert relation.registrations == {}
    assert stored(app, FIRST) is None


def test_a_cancelled_registration_no_longer_overlaps():
    app = ValidatorApplication()
    decide = validator(app)
    decide([fixed_worker_in()])
    decide([registration()])
    [cancelled] = decide([registration(cancel, SECOND)])
    assert cancelled.registration_after.cancelled
    [again] = decide([registration(number=THIRD)])
    assert (again.result, again.registration_id) == ("A", THIRD)


class Reader:
    """The directory's table as re-read by freshen_choices: what it holds now."""

    def __init__(self, choices, read_at):
        self.choices, self.read_at, self.asked = choices, read_at, []

    def __call__(self, keys):
        self.asked.append(set(keys))
        return self.read_at, [c for c in self.choices if c.employer_key in keys]


def test_a_stale_copy_of_the_directory_does_not_refuse_a_registration():
    """The choice was recorded after the validator's copy was read, before the reception:
    the batch re-reads that employer's choices (one query), never the clock."""
    app = ValidatorApplication()
    recorded = CHOSEN.model_copy(update={"chosen_at": AT - timedelta(seconds=1)})
    reader = Reader([recorded], AT + timedelta(seconds=1))
    stale = Directory([KROON, PARC], read_at=AT - timedelta(seconds=2), reread_choices=reader)
    decide = DecideDeclarations(app, lambda: stale)
    decide([fixed_worker_in()])
    assert reader.asked == []  # a Dimona batch reads no choice
    [d] = decide([registration(), registration(number=SECOND, start_hour="1800",
                                               end_hour="2200")])[:1]
    assert (d.result, reader.asked) == ("A", [{"175110801"}])
    decide([registration(number=THIRD, start_hour="2300", end_hour="2330")])
    assert len(reader.asked) == 1  # the copy now knows the choice in force


def test_the_registrations_events_are_stored_as_the_librarys_transcoder_writes_them():
    from eventsourcing.persistence import JSONTranscoder, Mapper

    from services.common.transcoder import OrjsonTranscoder
    app, events = ValidatorApplication(), []
    put = app.events.put
    app.events.put = lambda new: (events.extend(new), put(new))[1]
    decide = validator(app)
    decide([fixed_worker_in()])
    decide([registration(), registration(update, SECOND, end_hour="1700")])
    ours, library = OrjsonTranscoder(), JSONTranscoder()
    app.register_transcodings(ours)
    app.register_transcodings(library)
    kinds = {type(e).__qualname__ for e in events}
    assert {"Registration.Opened", "Registration.Changed",
            "Relation.RegistrationRecorded"} <= kinds
    for e in events:
        assert (Mapper(ours).to_stored_event(e).state
                == Mapper(library).to_stored_event(e).state), type(e).__qualname__
