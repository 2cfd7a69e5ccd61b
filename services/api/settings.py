from services.intake.settings import IntakeSettings


class ApiSettings(IntakeSettings):
    """DIMONA_* settings of the HTTP edge, which runs intake's jobs in its process (one
    port, one relay): intake's settings and those of HTTP."""

    api_host: str = "127.0.0.1"
    api_port: int = 8080
    max_body_bytes: int = 1024 * 1024  # one declaration, or a Multi-Dimona
    max_batch_bytes: int = 16 * 1024**3  # a batch file is streamed to disk, never to memory
    database_wait_s: float = 5.0
    """How long a request waits for a database connection; then it answers 503 with
    Retry-After (the database away, or every connection busy)."""
    token_lifetime_s: int = 3600
    web_session_idle_s: float = 1800
    """A web session ends after this long without a request (docs/interface.md §11)."""
    web_sign_in_attempts: int = 5
    """Failed sign-ins in a row that lock a client id ..."""
    web_lockout_s: float = 900
    """... for this long."""
    web_secure_cookies: bool = False
    """Send the session cookie over HTTPS only (set it behind a TLS proxy)."""
    as_of_kept: int = 4
    """Registers as of a moment kept after answering, for the next pages of a search ..."""
    as_of_keep_s: float = 600
    """... each until this long after its last use (docs/interface.md §4)."""
