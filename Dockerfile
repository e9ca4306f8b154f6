# PhotoChanger application image: web (gunicorn), worker and beat (Celery), flower, migrations.
# One image, several commands (docker-compose.yml). Configuration comes from the environment only.
#
# The base is pinned to an exact Python release on a fixed Debian release; to pin it by content
# too, replace the tag with its digest (`docker buildx imagetools inspect python:3.11.13-slim-bookworm`).
# PYTHON_IMAGE is overridable only so scripts/compose-check can build on a stand-in where no registry
# is reachable (deploy/standins/README.md); deployments keep the default.
ARG PYTHON_IMAGE=python:3.11.13-slim-bookworm

# The translation catalogues (locale/*/LC_MESSAGES/django.po) compiled to the .mo files Django reads,
# in a stage of their own: GNU gettext's msgfmt (Debian's gettext) is needed only here, never in the
# application image, and the stage is rebuilt only when a catalogue or the Django pin changes.
FROM ${PYTHON_IMAGE} AS messages
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt ./
RUN pip install --no-cache-dir "$(grep -i '^django==' requirements.txt)"
COPY locale ./locale
RUN python -m django compilemessages

FROM ${PYTHON_IMAGE}

LABEL org.opencontainers.image.title="PhotoChanger"

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=photochanger.settings.production \
    MEDIA_ROOT=/data/media \
    STATIC_ROOT=/app/var/static \
    GUNICORN_BIND=0.0.0.0:8000 \
    PROMETHEUS_MULTIPROC_DIR=/tmp/prometheus

# An unprivileged user with a fixed id (volume permissions stay stable across rebuilds).
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --shell /usr/sbin/nologin app

WORKDIR /app

# Dependencies first, so a code change does not reinstall them. Every version is pinned there.
COPY requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt

# The code stays owned by root and read-only to the app user: a compromised process cannot rewrite
# what it runs. Only /data (media, beat's schedule) and the metrics directory are writable.
COPY . .
COPY --from=messages /app/locale ./locale

# Static files (admin, API docs) are collected into the image and served by the app itself. The
# keys below exist only for this build step (generated, thrown away); the real ones come from the
# env file.
RUN DJANGO_SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
    JWT_SIGNING_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
    python manage.py collectstatic --noinput \
    && chmod -R a-w,a+rX /app \
    && mkdir -p /data/media /data/beat /tmp/prometheus \
    && chown -R app:app /data /tmp/prometheus

USER app:app
EXPOSE 8000
VOLUME ["/data"]

HEALTHCHECK --interval=15s --timeout=6s --start-period=20s --retries=3 \
    CMD ["python", "-m", "photochanger.probe", "http", "http://127.0.0.1:8000/healthz"]

CMD ["gunicorn", "photochanger.wsgi:application", "-c", "gunicorn.conf.py"]
