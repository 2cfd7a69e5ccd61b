"""The validator's use cases over the in-memory event store: determinism, optimistic
concurrency on shared quotas, identification of workers without SSIN."""

from services.validator.application import DecideDeclarations, ResolveIdentifications
from services.validator.domain import Quota
from services.validator.eventstore import ValidatorApplication
from tests.unit.factories import FakeContext, submitted
from tests.unit.rulebook import SSIN, dimona_in, utc
from tests.unit.test_rules_parties import PERSON

AT = utc("2025-12-20 10:00")


def student(number: int, hours: int, employer: int = 175110801, month: int = 7) -> object:
    """A student period in `month` (one relation may not hold two overlapping periods)."""
    body = {**dimona_in("STU", start=f"2026-{month:02d}-01", endDate=f"2026-{month:02d}-28",
                        plannedHoursNumber=hours),
            "employer": {"employerId": employer}}
    return submitted(body, number=number, employer_key=str(employer), received=AT,
                     declarant=None)


def validator(app: ValidatorApplication, ctx: FakeContext | None = None) -> DecideDeclarations:
    ctx = ctx or FakeContext()
    return DecideDeclarations(app, lambda: ctx.directory)


def as_json(decisions) -> list[str]:
    return [d.model_dump_json() for d in decisions]


def test_replaying_the_same_submissions_gives_the_same_decisions_byte_for_byte():
    batch = [student(680725300000 + i * 100, 120, month=1 + i) for i in range(8)]
    batch.append(submitted({"dimonaCancel": {"periodId": 680725300000}}, number=680725399999,
                           received=AT))
    first = validator(ValidatorApplication())(batch)
    replay = validator(ValidatorApplication())(batch)
    assert as_json(first) == as_json(replay)
    assert [d.result for d in first] == ["A"] * 5 + ["W"] * 3 + ["A"]


def test_a_redelivered_batch_republishes_the_recorded_decisions():
    app = ValidatorApplication()
    batch = [student(680725300000, 40), student(680725300100, 40, month=8)]
    first = validator(app)(batch)
    again = validator(app)(batch)  # a fresh validator: its cache knows nothing
    assert as_json(first) == as_json(again)
    quota = app.repository.get(Quota.create_id("STUDENT", SSIN, 2026))
    assert sum(e["hours"] for e in quota.entries.values()) == 80


def test_two_validators_racing_on_one_student_count_every_hour_once():
    """Both read the student's quota, the second to save conflicts on its version and decides
    its batch again from what the store now holds."""
    app = ValidatorApplication()
    a, b = validator(app), validator(app)
    a([student(680725300000, 300)])
    b([student(680725300100, 300, employer=197100119)])  # b's cache now holds the quota
    a([student(680725300200, 40, month=8)])              # a's copy is stale: a conflict
    late = b([student(680725300300, 100, employer=197100119, month=9)])
    quota = app.repository.get(Quota.create_id("STUDENT", SSIN, 2026))
    assert sum(e["hours"] for e in quota.entries.values()) == 740
    [anomaly] = late[0].anomalies
    assert anomaly.quota.exceeding_hours == 90  # 300 + 300 + 40 + 100 - 650


def test_a_worker_without_ssin_gets_s_then_a_final_result():
    app = ValidatorApplication()
    body = {**dimona_in(ssin=None), "worker": PERSON}
    unknown = FakeContext()
    decide = validator(app, unknown)
    [waiting] = decide([submitted(body, received=AT)])
    assert (waiting.result, waiting.period_after) == ("S", None)
    resolve_unknown = ResolveIdentifications(app, lambda: unknown.directory)
    assert resolve_unknown() == []
    from services.directory.domain import Identity
    known = FakeContext(identities=[Identity(family_name="PEETERS", given_name="an",
                                             birth_date="1990-05-01", ssin="90050100151")])
    [final] = ResolveIdentifications(app, lambda: known.directory)()
    assert (final.result, final.identified_ssin, final.period_after.ssin) == (
        "A", "90050100151", "90050100151")
    assert ResolveIdentifications(app, lambda: known.directory)() == []  # resolved once
    # a redelivery of the submission republishes both decisions, in order
    again = validator(app, known)([submitted(body, received=AT)])
    assert [d.result for d in again] == ["S", "A"]


def test_a_worker_already_known_is_identified_in_the_same_batch():
    from services.directory.domain import Identity
    known = FakeContext(identities=[Identity(family_name="Peeters", given_name="An",
                                             birth_date="1990-05-01", ssin="90050100151")])
    body = {**dimona_in(ssin=None), "worker": PERSON}
    decisions = validator(ValidatorApplication(), known)([submitted(body, received=AT)])
    assert [d.result for d in decisions] == ["S", "A"]


def recorded_events(batches) -> list:
    """Every domain event the validator records for these batches (in memory)."""
    app, events = ValidatorApplication(), []
    put = app.events.put

    def put_and_keep(new: list) -> object:
        events.extend(new)
        return put(new)

    app.events.put = put_and_keep
    decide = validator(app)
    for batch in batches:
        decide(batch)
    ResolveIdentifications(app, lambda: FakeContext().directory)()
    return events


def test_the_event_store_transcoder_writes_what_the_librarys_writes_for_every_event():
    """orjson (services/common/transcoder.py) must write the bytes of the library's JSON
    transcoder: a UUID attribute would come out as a plain string and differ here."""
    from eventsourcing.persistence import JSONTranscoder, Mapper

    from services.common.transcoder import OrjsonTranscoder
    ours, library = OrjsonTranscoder(), JSONTranscoder()
    ValidatorApplication().register_transcodings(ours)
    ValidatorApplication().register_transcodings(library)
    events = recorded_events([
        [student(680725300000, 40), student(680725300100, 40, month=8),
         submitted({**dimona_in(ssin=None), "worker": PERSON}, number=680725300200,
                   received=AT)],
        [submitted({"dimonaUpdate": {"periodId": 680725300000, "endDate": "2026-01-20"}},
                   number=680725300300, received=AT),
         submitted({"dimonaCancel": {"periodId": 680725300100}}, number=680725300400,
                   received=AT)]])
    kinds = {type(e).__qualname__ for e in events}
    assert {"Declaration.Decided", "Period.Opened", "Period.Changed", "Relation.Started",
            "Relation.PeriodRecorded", "Quota.Opened", "Quota.Counted",
            "Identifications.Opened", "Identifications.Waiting"} <= kinds
    for e in events:
        assert (Mapper(ours).to_stored_event(e).state
                == Mapper(library).to_stored_event(e).state), type(e).__qualname__


def test_a_relation_recorded_before_it_carried_its_first_period_still_loads():
    """Relation.Started and Quota.Opened took an optional first entry (rules 2026.11.2);
    events stored without it replay as an empty relation or quota."""
    from eventsourcing.application import project_aggregate
    from eventsourcing.persistence import JSONTranscoder, Mapper, StoredEvent

    from services.validator.domain import Relation
    transcoder = JSONTranscoder()
    ValidatorApplication().register_transcodings(transcoder)
    mapper = Mapper(transcoder)
    [started] = Relation("175110801", SSIN).collect_events()
    stored = mapper.to_stored_event(started)
    old = transcoder.encode({k: v for k, v in transcoder.decode(stored.state).items()
                             if k != "state"})
    relation = project_aggregate(None, [mapper.to_domain_event(StoredEvent(
        stored.originator_id, stored.originator_version, stored.topic, old))])
    assert (relation.ssin, relation.periods) == (SSIN, {})


def test_a_test_files_declarations_are_decided_and_recorded_but_change_nothing():
    """docs/adr/0011-official-batch-files.md, decision 7: a form of a T or S file is decided
    against the live state, its decision recorded, no aggregate moved."""
    from services.validator.domain import Declaration, Period, Relation
    app = ValidatorApplication()
    decide = validator(app)
    test_in = student(680725300000, 40).model_copy(update={"environment": "T"})
    [decided] = decide([test_in])
    assert (decided.result, decided.environment, decided.period_after.period_id) == (
        "A", "T", 680725300000)
    recorded = app.repository.get(Declaration.create_id(680725300000))
    assert recorded.decisions[0]["environment"] == "T"
    assert Period.create_id(680725300000) not in app.repository
    assert Relation.create_id("175110801", SSIN) not in app.repository
    assert Quota.create_id("STUDENT", SSIN, 2026) not in app.repository
    # the same worker's production IN over the same days is not refused as an overlap
    [real] = validator(app)([student(680725300100, 40)])
    assert (real.result, real.environment) == ("A", "R")
    quota = app.repository.get(Quota.create_id("STUDENT", SSIN, 2026))
    assert sum(e["hours"] for e in quota.entries.values()) == 40


def test_a_test_declaration_without_a_known_worker_does_not_wait():
    app = ValidatorApplication()
    body = {**dimona_in(ssin=None), "worker": PERSON}
    [waiting] = validator(app)([submitted(body, received=AT).model_copy(
        update={"environment": "S"})])
    assert waiting.result == "S"
    from services.directory.domain import Identity
    known = FakeContext(identities=[Identity(family_name="PEETERS", given_name="an",
                                             birth_date="1990-05-01", ssin="90050100151")])
    assert ResolveIdentifications(app, lambda: known.directory)() == []  # it never waited


def regular(number: int, worker: int) -> object:
    """An IN of a regular worker (one relation and one period each)."""
    from dimona.bench.workload import ssin
    return submitted(dimona_in(ssin=ssin(worker), start="2026-07-08"), number=number,
                     received=AT)


def follow_ups_of_evicted_periods() -> list[list]:
    """Twelve workers in four batches, then an OUT, an UPDATE and a CANCEL of the first
    three's periods and a second IN of the fourth worker over the same days (refused as a
    duplicate: its relation must be read)."""
    ins = [regular(680725300000 + w * 100, w) for w in range(12)]
    later = [submitted({"dimonaOut": {"periodId": 680725300000, "endDate": "2026-07-20"}},
                       number=680725400000, received=AT),
             submitted({"dimonaUpdate": {"periodId": 680725300100, "startDate": "2026-07-09"}},
                       number=680725400100, received=AT),
             submitted({"dimonaCancel": {"periodId": 680725300200}}, number=680725400200,
                       received=AT),
             regular(680725400300, 3)]
    return [ins[0:3], ins[3:6], ins[6:9], ins[9:12], later]


def test_the_cache_keeps_at_most_its_size_and_an_evicted_aggregate_is_read_again():
    """DIMONA_PERIOD_CACHE_SIZE bounds what a validator keeps between batches; what it
    dropped is read from the event store, so the decisions are those of a cache that holds
    everything."""
    small, large = ValidatorApplication(), ValidatorApplication()
    decide_small = DecideDeclarations(small, lambda: FakeContext().directory, cache_size=4)
    decide_large = DecideDeclarations(large, lambda: FakeContext().directory, cache_size=10**6)
    for batch in follow_ups_of_evicted_periods():
        last = decide_small(batch)
        assert as_json(last) == as_json(decide_large(batch))
        assert 0 < len(decide_small.cache) <= 4
    assert len(decide_large.cache) > 4
    assert decide_small.cache.misses > decide_large.cache.misses  # read again, not kept
    assert [d.result for d in last] == ["A", "A", "A", "B"]
    assert [a.code for a in last[-1].anomalies] == ["90373-333"]


def test_a_batch_keeps_what_it_reads_even_when_the_cache_is_smaller():
    """A cache of one: the period an IN opens is still there for the CANCEL of the same
    batch, and both are recorded."""
    app = ValidatorApplication()
    decide = DecideDeclarations(app, lambda: FakeContext().directory, cache_size=1)
    batch = [regular(680725300000, 0), regular(680725300100, 1),
             submitted({"dimonaCancel": {"periodId": 680725300000}}, number=680725300200,
                       received=AT)]
    assert [d.result for d in decide(batch)] == ["A", "A", "A"]
    assert len(decide.cache) == 1
    from services.validator.domain import Period
    assert app.repository.get(Period.create_id(680725300000)).state["cancelled"] is True


def test_declarations_are_not_kept_between_batches():
    """A Declaration (its decision and the request as received) is never read again after
    its batch: a redelivery is found in the event store."""
    from services.validator.domain import Declaration
    app = ValidatorApplication()
    decide = validator(app)
    batch = [student(680725300000, 40), student(680725300100, 40, month=8)]
    first = decide(batch)
    assert len(decide.cache) > 0
    assert not [a for a in decide.cache if isinstance(a, Declaration)]
    again = decide(batch)  # the same validator: its cache holds no declaration
    assert as_json(again) == as_json(first)
    assert decide.conflicts == 1
    assert not [a for a in decide.cache if isinstance(a, Declaration)]


def test_the_caches_are_bounded_by_settings(monkeypatch):
    from services.validator.domain.aggregates import aggregate_id
    from services.validator.settings import CACHE_SIZE, ValidatorSettings
    assert ValidatorSettings().period_cache_size == CACHE_SIZE == validator(
        ValidatorApplication()).cache.size
    monkeypatch.setenv("DIMONA_PERIOD_CACHE_SIZE", "123")
    assert ValidatorSettings().period_cache_size == 123
    assert aggregate_id.cache_info().maxsize <= 1 << 17  # full long before 100,000
