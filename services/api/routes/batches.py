"""POST /batches and GET /batches/{ref} (docs/interface.md §5, §10): a JSON Lines file or
an official XML batch file through the batch channel, and its progress and results."""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response, StreamingResponse

from services.api.access import Unauthorized
from services.api.batch_views import chunked
from services.api.deps import Caller, IntakeDep, Reader, ReadersDep, official_files
from services.intake.domain import Principal
from services.intake.xmlforms.errors import SenderUnknown

router = APIRouter()
BATCH_BODY = {"requestBody": {"required": True, "content": {
    "application/x-ndjson": {"schema": {
        "type": "string", "description": "JSON Lines: one declaration per line"}},
    "application/xml": {"schema": {
        "type": "string", "description": "An official Dimona or FLXWAGE file"}}}}}


@router.post("/batches", status_code=202, openapi_extra=BATCH_BODY)
async def post_batch(request: Request, who: Caller, intake: IntakeDep, readers: ReadersDep,
                     x_file_name: Annotated[str, Header(min_length=1, max_length=255)]):
    """A JSON Lines file through the batch channel, streamed to disk; answers its
    acknowledgement (docs/interface.md §5). With `Content-Type: application/xml`, an
    official batch file named `FI.…` (docs/interface.md §10): answered by its ACRF, 202
    when accepted (Location: the batch), 422 when refused."""
    if who.declarant is None:
        raise Unauthorized("a batch needs a declarant's bearer token")
    if is_xml(request.headers.get("content-type", "")):
        return await post_official_file(request, who, x_file_name)
    with tempfile.SpooledTemporaryFile(max_size=1 << 20) as spool:
        digest = hashlib.sha256()
        async for chunk in request.stream():  # BodyLimit stops what is too large
            digest.update(chunk)
            spool.write(chunk)
        spool.seek(0)
        summary = await run_in_threadpool(intake.accept_batch, x_file_name, spool,
                                          digest.hexdigest(), who.declarant,
                                          "POST /batches", who.token)
    return StreamingResponse(chunked(readers.batches.acknowledgement(summary)),
                             status_code=202, media_type="application/json")


def is_xml(content_type: str) -> bool:
    return content_type.split(";")[0].strip().lower() in ("application/xml", "text/xml")


async def post_official_file(request: Request, who: Principal, file_name: str) -> Response:
    files = official_files(request)
    with tempfile.TemporaryDirectory(prefix="dimona-xml-") as folder:
        path = Path(folder) / "FI"
        with path.open("wb") as out:
            async for chunk in request.stream():  # BodyLimit stops what is too large
                out.write(chunk)
        try:
            answer = await run_in_threadpool(files.accept_upload, who.declarant, file_name,
                                             path, "POST /batches", who.token)
        except SenderUnknown as exc:
            raise HTTPException(403, str(exc)) from None
    headers = {"Location": f"/batches/{answer.ticket}"} if answer.accepted else {}
    return Response(answer.acrf.read_bytes(), 202 if answer.accepted else 422,
                    headers, media_type="application/xml")


@router.get("/batches/{batch_ref}")
def get_batch(batch_ref: str, who: Reader, readers: ReadersDep,
              after_line: Annotated[int, Query(alias="afterLine", ge=0)] = 0,
              limit: Annotated[int, Query(ge=1, le=100_000)] = 10_000):
    """Progress (how many lines have a result) and the results of the lines after
    `afterLine`, `limit` at most, in line order; rejected lines with their reason."""
    summary = readers.batches.summary(batch_ref)
    if summary is None or not who.may_read(summary["declarant"], None):
        raise HTTPException(404, "unknown batch")
    return readers.batches.progress(summary, after_line, limit)
