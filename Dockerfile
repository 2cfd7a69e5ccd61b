# One image for the four services and the SFTP server (compose.yaml picks the command).
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml ./
COPY schemas schemas
COPY services services
COPY dimona dimona
COPY examples examples
RUN pip install --no-cache-dir . && useradd --system dimona \
 && mkdir -p /data /srv/sftp /var/lib/dimona-sftp \
 && chown dimona /data /srv/sftp /var/lib/dimona-sftp
# two malloc arenas per process: peak memory nearly flat over long runs (docs/performance.md)
ENV MALLOC_ARENA_MAX=2
USER dimona
