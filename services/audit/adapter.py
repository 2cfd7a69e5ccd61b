"""Kept only for the modules not yet moved to services.audit.queries (intake, dimona.client,
dimona.stack); removed after the move. The audit log's DDL and reads are in
services.audit.queries, the chain its writers extend in services.common.auditchain."""

# re-export, removed after the move
from services.audit.queries import AuditStore, migrate  # noqa: F401
