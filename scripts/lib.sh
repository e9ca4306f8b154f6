# Shared set-up steps for scripts/serve and scripts/test. Sourced, not run.
# Starts PostgreSQL and Redis when they are down and builds .venv from the pinned requirements.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-python3}"

log() { printf '[photochanger] %s\n' "$*" >&2; }

ensure_postgres() {
  if pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then return; fi
  log "starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n 1)" main start || true
  for _ in $(seq 1 60); do pg_isready -h 127.0.0.1 -p 5432 -q && return; sleep 0.5; done
  log "PostgreSQL did not start"; return 1
}

ensure_redis() {
  if redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then return; fi
  log "starting Redis"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
  for _ in $(seq 1 40); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && return; sleep 0.25; done
  log "Redis did not start"; return 1
}

# ensure_venv REQUIREMENTS_FILE: (re)install when the requirement files changed since last time.
ensure_venv() {
  local reqs="$1" stamp="$ROOT/.venv/.requirements.sha256" want
  want="$(cat "$ROOT"/requirements*.txt | sha256sum | cut -d' ' -f1)-$(basename "$reqs")"
  if [ -x "$ROOT/.venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return; fi
  log "installing Python dependencies from $(basename "$reqs")"
  [ -x "$ROOT/.venv/bin/python" ] || "$PYTHON" -m venv "$ROOT/.venv"
  "$ROOT/.venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
  "$ROOT/.venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$reqs"
  echo "$want" > "$stamp"
}

# ensure_gettext: compiling the translation catalogues needs GNU gettext's msgfmt (Debian's gettext).
ensure_gettext() {
  if command -v msgfmt >/dev/null 2>&1; then return; fi
  log "installing gettext (apt-get, to compile the translations)"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends gettext >/dev/null
}

# compile_messages: the catalogues (locale/<lang>/LC_MESSAGES/django.po) to the .mo files Django reads
# (not kept in git). Run after ensure_venv; an up-to-date .mo is left alone. django's own
# compilemessages without a settings module: it finds ./locale by itself, and needs no keys.
compile_messages() {
  ensure_gettext
  (cd "$ROOT" && env -u DJANGO_SETTINGS_MODULE "$ROOT/.venv/bin/python" -m django compilemessages \
    --ignore=.venv --ignore=var --ignore=.git >/dev/null)
}

# ensure_chromium: the browser tests (tests/admin, marker "browser") drive Debian's Chromium through
# its chromedriver; never a downloaded browser. Installs them only when either one is missing.
ensure_chromium() {
  if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then return; fi
  log "installing chromium and chromium-driver (apt-get)"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium chromium-driver >/dev/null
}

# ensure_pgbouncer: the live-stack tests and bench/ put Debian's PgBouncer (transaction mode)
# between their stacks and PostgreSQL, as the compose deployment does (tests/support/pgbouncer.py).
# Only the binary is used: each run starts its own on a free port; the package's service stays off.
ensure_pgbouncer() {
  if [ -x /usr/sbin/pgbouncer ]; then return; fi
  log "installing pgbouncer (apt-get)"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq pgbouncer >/dev/null
}

# ensure_compose: tests/ops validates docker-compose.yml with `docker compose config` (the plugin)
# or, where the plugin is absent, Debian's docker-compose. Only the CLI is needed (no engine), so
# recommends (docker.io) are skipped. A failed install is not fatal: that one test then skips.
ensure_compose() {
  if docker compose version >/dev/null 2>&1 || command -v docker-compose >/dev/null 2>&1; then return; fi
  log "installing docker-compose (apt-get, to validate docker-compose.yml)"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
      docker-compose >/dev/null; } || log "could not install docker-compose; the compose validation test will skip"
}

# ensure_docker: scripts/compose-check needs a Docker engine, a compose CLI and mmdebstrap (for the
# stand-in base images): Debian's docker.io, docker-compose (1.29) and mmdebstrap, installed when
# missing. Never a downloaded binary.
ensure_docker() {
  local missing=()
  command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
  command -v mmdebstrap >/dev/null 2>&1 || missing+=(mmdebstrap)
  docker compose version >/dev/null 2>&1 || command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
  [ "${#missing[@]}" -eq 0 ] && return
  log "installing ${missing[*]} (apt-get)"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

# start_dockerd: start the Docker engine when none answers. dockerd picks its storage driver
# (overlay2 where the kernel allows it: containers start in seconds; else down to vfs, which copies
# every image for each container and layer, ~2.5x slower here); DOCKER_STORAGE_DRIVER=vfs forces one.
# Sets STARTED_DOCKERD to its pid so the caller can stop it.
STARTED_DOCKERD=""
start_dockerd() {
  if docker info >/dev/null 2>&1; then return; fi
  log "starting dockerd ${DOCKER_STORAGE_DRIVER:+(storage driver $DOCKER_STORAGE_DRIVER) }(log: /tmp/photochanger-dockerd.log)"
  dockerd ${DOCKER_STORAGE_DRIVER:+--storage-driver="$DOCKER_STORAGE_DRIVER"} >/tmp/photochanger-dockerd.log 2>&1 &
  STARTED_DOCKERD=$!
  for _ in $(seq 1 120); do docker info >/dev/null 2>&1 && return; sleep 0.5; done
  log "dockerd did not start"; tail -20 /tmp/photochanger-dockerd.log >&2; return 1
}
