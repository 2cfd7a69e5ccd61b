"""Kept only for the modules not yet moved to the register's new modules (intake,
dimona.client, dimona.stack); removed after the move. The register's writer is
services.projections.writer, its projection services.projections.projection, its reads
services.projections.queries."""

# re-export, removed after the move
from services.projections.queries import RegisterQueries as RegisterReader  # noqa: F401
from services.projections.writer import migrate  # noqa: F401
