# helpdesk-mcp: docker build -t helpdesk-mcp . && docker run -p 8000:8000 -e HELPDESK_BASE_URL=https://helpdesk.example.com helpdesk-mcp
# Configured entirely by HELPDESK_* environment variables (see server/settings.py). The default
# database is SQLite in the /data volume; set HELPDESK_DATABASE_URL=postgresql+psycopg://... for
# PostgreSQL and HELPDESK_REDIS_URL to share quotas between replicas.

# --- builder: install the package and its dependencies into a virtual environment -------------
FROM python:3.11-slim AS builder

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN python -m venv /opt/venv
WORKDIR /src
# Dependencies first, from pyproject.toml alone: this layer is rebuilt only when they change, not
# on every source edit.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && /opt/venv/bin/pip install --no-compile -r /tmp/requirements.txt
# Then the package itself, as a wheel (not editable): the same install CI's wheel step tests.
COPY . .
RUN /opt/venv/bin/pip install --no-compile --no-deps . \
    && /opt/venv/bin/python -m compileall -q /opt/venv/lib

# --- runtime: the virtual environment alone, run by an unprivileged user -----------------------
FROM python:3.11-slim

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HELPDESK_DATABASE_URL=sqlite:////data/helpdesk.db

RUN groupadd --system --gid 10001 helpdesk \
    && useradd --system --uid 10001 --gid helpdesk --home-dir /data --create-home \
        --shell /usr/sbin/nologin helpdesk

COPY --from=builder /opt/venv /opt/venv

USER 10001:10001
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8000

# No curl in the slim image: ask /healthz with the interpreter that is already there.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]

CMD ["helpdesk-mcp", "serve", "--host", "0.0.0.0"]
