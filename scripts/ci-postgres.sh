#!/usr/bin/env bash
# Start a throw-away PostgreSQL server for the ledger tests and print its SQLAlchemy URL.
#
# Installs PostgreSQL from Debian packages when it is absent, creates a cluster owned by a
# non-root user (PostgreSQL refuses to run as root), listens on 127.0.0.1 only, creates a
# database and prints one line on stdout:
#
#     postgresql+psycopg://modelpact@127.0.0.1:PORT/modelpact_test
#
# Everything else goes to stderr, so callers can do
#     export MODELPACT_TEST_POSTGRES_URL="$(bash scripts/ci-postgres.sh)"
#
# Settings (environment): PGPORT (default 54329), PGDATA_DIR (default /tmp/modelpact-pg),
# PG_OS_USER (default postgres; created if missing).
set -euo pipefail

PORT="${PGPORT:-54329}"
DATA_DIR="${PGDATA_DIR:-/tmp/modelpact-pg}"
OS_USER="${PG_OS_USER:-postgres}"
DB_NAME="modelpact_test"
DB_USER="modelpact"

log() { echo "ci-postgres: $*" >&2; }

as_user() {
    if [ "$(id -u)" = "0" ]; then
        runuser -u "$OS_USER" -- "$@"
    else
        "$@"
    fi
}

find_bindir() {
    local dir
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
            echo "$dir"
            return 0
        fi
    done
    if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
        dirname "$(command -v initdb)"
        return 0
    fi
    return 1
}

BINDIR="$(find_bindir || true)"
if [ -z "$BINDIR" ]; then
    log "PostgreSQL not found; installing it from Debian packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq postgresql >&2
    BINDIR="$(find_bindir)"
fi
log "using PostgreSQL binaries in $BINDIR"

if [ "$(id -u)" = "0" ]; then
    if ! id "$OS_USER" >/dev/null 2>&1; then
        useradd --system --create-home --shell /bin/bash "$OS_USER"
    fi
    mkdir -p "$DATA_DIR"
    chown -R "$OS_USER" "$DATA_DIR"
else
    OS_USER="$(id -un)"
    mkdir -p "$DATA_DIR"
fi

# The socket directory lives inside the data directory so no system path needs write access.
SOCKET_DIR="$DATA_DIR/socket"
CLUSTER="$DATA_DIR/cluster"

if as_user "$BINDIR/pg_ctl" -D "$CLUSTER" status >/dev/null 2>&1; then
    log "server already running in $CLUSTER"
else
    # The data is throw-away: a cluster left by a machine that was stopped (stale pid file)
    # is replaced by a fresh one rather than trusted.
    rm -rf "$CLUSTER"
    if [ ! -f "$CLUSTER/PG_VERSION" ]; then
        as_user mkdir -p "$SOCKET_DIR"
        as_user "$BINDIR/initdb" -D "$CLUSTER" -U "$OS_USER" --auth=trust \
            --encoding=UTF8 --locale=C.UTF-8 >/dev/null 2>&1 \
            || as_user "$BINDIR/initdb" -D "$CLUSTER" -U "$OS_USER" --auth=trust \
                --encoding=UTF8 --no-locale >&2
    fi
    as_user mkdir -p "$SOCKET_DIR"
    as_user "$BINDIR/pg_ctl" -D "$CLUSTER" -l "$DATA_DIR/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $PORT -k $SOCKET_DIR -c fsync=off -c autovacuum=off" start >&2
fi

psql_admin() {
    as_user "$BINDIR/../bin/psql" -h 127.0.0.1 -p "$PORT" -U "$OS_USER" -d postgres \
        -v ON_ERROR_STOP=1 -qtA "$@" 2>/dev/null \
    || as_user psql -h 127.0.0.1 -p "$PORT" -U "$OS_USER" -d postgres -v ON_ERROR_STOP=1 -qtA "$@"
}

if [ "$(psql_admin -c "SELECT 1 FROM pg_roles WHERE rolname = '$DB_USER'")" != "1" ]; then
    psql_admin -c "CREATE ROLE $DB_USER LOGIN CREATEDB" >&2
fi
if [ "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'")" != "1" ]; then
    psql_admin -c "CREATE DATABASE $DB_NAME OWNER $DB_USER" >&2
fi

echo "postgresql+psycopg://$DB_USER@127.0.0.1:$PORT/$DB_NAME"
