# One image for the four services (compose.yaml picks the command).
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml ./
COPY schemas schemas
COPY services services
COPY dimona dimona
COPY examples examples
RUN pip install --no-cache-dir . && useradd --system dimona
USER dimona
