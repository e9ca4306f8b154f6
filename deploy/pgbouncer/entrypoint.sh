#!/bin/sh
# Writes pgbouncer.ini and its user list from the environment, then runs PgBouncer as `postgres`.
# Transaction mode: a client (web thread, worker pool process) holds a PostgreSQL connection only
# for the length of a transaction, so hundreds of clients share PGBOUNCER_POOL_SIZE of them.
set -eu
: "${POSTGRES_DB:?POSTGRES_DB is required}" "${POSTGRES_USER:?POSTGRES_USER is required}"
: "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD is required}"
case "$POSTGRES_PASSWORD$POSTGRES_USER" in
  *'"'*) echo "pgbouncer: POSTGRES_USER and POSTGRES_PASSWORD must not contain a double quote" >&2; exit 2 ;;
esac
conf=/etc/pgbouncer
umask 077
cat > "$conf/pgbouncer.ini" <<INI
[databases]
${POSTGRES_DB} = host=${POSTGRES_HOST:-postgres} port=${POSTGRES_PORT:-5432} dbname=${POSTGRES_DB}

[pgbouncer]
listen_addr = 0.0.0.0
listen_port = 6432
unix_socket_dir =
auth_type = scram-sha-256
auth_file = $conf/userlist.txt
pool_mode = transaction
max_client_conn = ${PGBOUNCER_MAX_CLIENT_CONN:-2000}
default_pool_size = ${PGBOUNCER_POOL_SIZE:-40}
ignore_startup_parameters = extra_float_digits,options
log_connections = 0
log_disconnections = 0
INI
printf '"%s" "%s"\n' "$POSTGRES_USER" "$POSTGRES_PASSWORD" > "$conf/userlist.txt"
chown -R postgres:postgres "$conf"
exec pgbouncer -u postgres "$conf/pgbouncer.ini"
