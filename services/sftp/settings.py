from pathlib import Path

from services.common.settings import CommonSettings


class SftpSettings(CommonSettings):
    """DIMONA_* settings of the SFTP server of the official batch files (docs/interface.md
    §10); the folders it serves are DIMONA_SFTP_DIR, which intake watches."""

    sftp_host: str = "127.0.0.1"
    """The address it listens on (0.0.0.0 in a container)."""
    sftp_port: int = 2222
    """The port it listens on."""
    sftp_host_key: Path | None = None
    """The server's private host key (OpenSSH or PEM). Unset: `sftp_host_key` beside the
    folder root (`<DIMONA_SFTP_DIR>/../sftp_host_key`, outside every sender's folder). A key
    missing at either path is generated at the first start (Ed25519, mode 0600) and reused
    from then on, so that the senders' known_hosts stay valid."""
