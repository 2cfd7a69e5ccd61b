"""The confirmation of receipt after every declaration made on the pages (seed 002,
"Confirmation de réception"): the declarations with their number and status, which fills in
once decided: by a script that asks `/web/status` (no page reload), or, without JavaScript,
by the page reloading itself while one is still being processed."""

from __future__ import annotations

from functools import partial

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from services.api.web import i18n, pages
from services.api.web.deps import Found, PageNotFound, Session
from services.api.web.session import WebSession

router = APIRouter(include_in_schema=False)
MAX_SHOWN = 500


def ids_of(text: str) -> list[int]:
    try:
        ids = [int(i) for i in text.split(",") if i.strip()][:MAX_SHOWN]
    except ValueError:
        raise PageNotFound() from None
    if not ids:
        raise PageNotFound()
    return ids


def statuses(found: Found, session: WebSession, ids: list[int]) -> list[dict]:
    """Each declaration's status as the register knows it (`pending` until decided), of
    the declarations this session may see; another's is not there (404)."""
    owners = found.access.store.submitted_by(ids)
    if set(ids) - owners.keys() or not all(
            found.access.may_read(session.principal, declarant, employer)
            for declarant, employer in set(owners.values())):  # each pair asked once
        raise PageNotFound()
    decided = found.readers.queries.results(ids)  # one query, polled every second
    rows = []
    for i in ids:
        found_result = decided.get(i)
        result = found_result["result"] if found_result else None
        rows.append({"declarationId": i, "result": result["result"] if result else "pending",
                     "type": result["declarationType"] if result else None,
                     "periodId": result.get("periodId") if result else None,
                     "registration": result.get("dailyRegistration") if result else None,
                     "anomalies": [a["code"] for a in result["anomalies"]] if result else [],
                     "declaration": found_result["declaration"] if found_result else None})
    return rows


@router.get("/web/confirmation")
def confirmation(request: Request, session: Session, found: Found, ids: str = "") -> Response:
    rows = statuses(found, session, ids_of(ids))
    return pages.render(request, "confirmation.html", session, rows=rows,
                        anomaly=partial(i18n.anomaly_label, language=pages.language(request)),
                        pending=any(r["result"] == "pending" for r in rows), ids=ids)


@router.get("/web/status")
def status(request: Request, session: Session, found: Found, ids: str = "") -> Response:
    """JSON for the confirmation page's script: [{declarationId, result, type, label,
    periodId, anomalies}]."""
    language = pages.language(request)
    label = i18n.translator(language)
    return JSONResponse([{"declarationId": r["declarationId"], "result": r["result"],
                          "type": r["type"],
                          "periodId": r["periodId"], "label": label(f"result.{r['result']}"),
                          "anomalies": [f"{c} {i18n.anomaly_label(c, language)}"
                                        for c in r["anomalies"]]}
                         for r in statuses(found, session, ids_of(ids))])
