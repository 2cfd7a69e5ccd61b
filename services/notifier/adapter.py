"""Kept only for the modules not yet moved to the notifier's new modules (intake,
dimona.client, dimona.stack, tests/integration/test_batch_files.py); removed after the
move. The notifier's writes are services.notifier.outbox, its reads
services.notifier.queries."""

# re-export, removed after the move
from services.notifier.outbox import Outbox, migrate  # noqa: F401
from services.notifier.queries import Ebox, ReturnEntries  # noqa: F401
