"""The HTTP edge is complete at creation: every route is mounted by create_app, before any
lifespan runs, and gets its collaborators from `app.state` or FastAPI's overrides."""

from fastapi.testclient import TestClient

from services.api import deps
from services.api.app import create_app
from services.api.settings import ApiSettings
from tests.unit.api.fakes import KROON, app_with, fake_readers

SETTINGS = ApiSettings(database_url="postgresql://nowhere/none")
ROUTES = {  # route name -> (method, path)
    "health": ("GET", "/health"), "prometheus": ("GET", "/metrics"),
    "oauth_token": ("POST", "/oauth/token"),
    "post_declaration": ("POST", "/declarations"),
    "post_multi_dimona": ("POST", "/multi-dimona"),
    "get_declaration": ("GET", "/declarations/{declaration_id}"),
    "post_batch": ("POST", "/batches"), "get_batch": ("GET", "/batches/{batch_ref}"),
    "search": ("GET", "/register/{presentation}"),
    "registrations": ("GET", "/register/registrations"),
    "presence": ("GET", "/register/presence"),
    "period": ("GET", "/register/periods/{period_id}"),
    "declaration": ("GET", "/register/declarations/{declaration_id}"),
    "quotas": ("GET", "/register/quotas/{employer}"),
    "messages": ("GET", "/ebox/messages"), "message": ("GET", "/ebox/messages/{message_id}"),
    "mark_read": ("POST", "/ebox/messages/{message_id}/read"),
    "audit_log": ("GET", "/audit/log"), "audit_verify": ("GET", "/audit/verify"),
    "audit_checkpoints": ("GET", "/audit/checkpoints"),
    "choose_daily_registration_system": ("PUT",
                                         "/employers/{employer_id}/daily-registration-system"),
    "post_flexi_wage": ("POST", "/flexi-wages"), "flexi_transfers": ("GET", "/flexi-wages"),
    "flexi_worker": ("GET", "/flexi-wages/workers/{ssin}"),
    "flexi_decision": ("GET", "/flexi-wages/{ticket}"),
    "flexi_income": ("GET", "/flexi-income"),
}


def test_every_route_is_mounted_at_creation_and_found_by_its_name():
    app = create_app(SETTINGS)  # no lifespan, no database
    paths = app.openapi()["paths"]
    for name, (method, path) in ROUTES.items():
        params = {p: "1" for p in ("declaration_id", "batch_ref", "presentation",
                                   "period_id", "employer", "message_id", "employer_id",
                                   "ticket", "ssin")
                  if f"{{{p}}}" in path}
        assert app.url_path_for(name, **params) == path.format(**params), name
        assert method.lower() in paths[path], (name, path)
    assert len(paths) == len({path for _, path in ROUTES.values()})


def test_health_answers_without_a_lifespan_or_a_database():
    answer = TestClient(create_app(SETTINGS)).get("/health")
    assert (answer.status_code, answer.json()) == (200, {"status": "ok"})


def test_a_route_without_its_collaborators_fails_with_a_problem_not_a_crash():
    client = TestClient(create_app(SETTINGS), raise_server_exceptions=False)
    answer = client.get("/batches/abc", headers=KROON)
    assert answer.status_code == 500
    assert answer.headers["content-type"] == "application/problem+json"


def test_collaborators_can_be_overridden_with_fastapis_dependency_overrides():
    summaries = []

    class Batches:
        def summary(self, ref):
            summaries.append(ref)
            return None
    app, client = app_with()
    app.dependency_overrides[deps.readers] = lambda: fake_readers(batches=Batches())
    assert client.get("/batches/abc", headers=KROON).status_code == 404
    assert summaries == ["abc"]


def test_metrics_count_the_inputs_refused_by_reason():
    _, client = app_with()
    assert client.post("/declarations", content=b"{not json", headers={
        **KROON, "Content-Type": "application/json"}).status_code == 400
    assert client.post("/declarations", json={"colour": "blue"}).status_code == 400
    assert client.post("/declarations", json={}, headers={"Authorization": "Bearer x"}
                       ).status_code == 401
    assert client.get("/register/periods", headers=KROON).status_code == 400  # not an input
    text = client.get("/metrics").text
    assert 'dimona_inputs_rejected_total{channel="rest",reason="not_json"} 1.0' in text
    assert 'dimona_inputs_rejected_total{channel="rest",reason="invalid"} 1.0' in text
    assert 'dimona_inputs_rejected_total{channel="rest",reason="unauthorized"} 1.0' in text
    assert text.count("dimona_inputs_rejected_total{") == 3


def test_a_body_over_its_routes_limit_is_refused_before_it_is_read_whole():
    settings = ApiSettings(database_url="postgresql://nowhere/none", max_body_bytes=100,
                           max_batch_bytes=1000)
    accepted = []

    class Intake:
        def accept_batch(self, name, stream, sha256, declarant, via, token):
            accepted.append(stream.read())
            return {"batchRef": "r"}

    class Batches:
        def acknowledgement(self, summary):
            return iter(['{"batchRef": "r"}'])
    _, client = app_with(fake_readers(batches=Batches()), Intake(), settings)
    big = client.post("/declarations", content=b"x" * 101, headers=KROON)
    assert big.status_code == 413
    assert big.headers["content-type"] == "application/problem+json"
    batch = {**KROON, "X-File-Name": "f.jsonl"}
    assert client.post("/batches", content=b"x" * 500, headers=batch).status_code == 202
    assert accepted == [b"x" * 500]  # a batch has its own, larger, limit
    assert client.post("/batches", content=b"x" * 1001, headers=batch).status_code == 413
    assert accepted == [b"x" * 500]
