from services.intake.settings import IntakeSettings


class ApiSettings(IntakeSettings):
    """DIMONA_* settings of the HTTP edge, which runs intake's jobs in its process (one
    port, one relay): intake's settings and those of HTTP."""

    api_host: str = "127.0.0.1"
    api_port: int = 8080
    max_body_bytes: int = 1024 * 1024  # one declaration, or a Multi-Dimona
    max_batch_bytes: int = 16 * 1024**3  # a batch file is streamed to disk, never to memory
    token_lifetime_s: int = 3600
