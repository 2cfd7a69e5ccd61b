"""GET /health (liveness) and GET /metrics (Prometheus text format); no token needed."""

from fastapi import APIRouter, Response
from fastapi.concurrency import run_in_threadpool
from prometheus_client import CONTENT_TYPE_LATEST

from services.api.deps import MetricsDep

router = APIRouter()


@router.get("/health")
def health() -> dict:
    return {"status": "ok"}


@router.get("/metrics", response_class=Response,
            responses={200: {"content": {CONTENT_TYPE_LATEST: {}}}})
async def prometheus(metrics: MetricsDep) -> Response:
    """The metrics in Prometheus text format (no token needed)."""
    return Response(await run_in_threadpool(metrics.exposition),
                    media_type=CONTENT_TYPE_LATEST)
