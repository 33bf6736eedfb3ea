# Sourced by scripts/test and scripts/bench: installs Debian's PostgreSQL when missing and
# starts a throwaway server in a temp dir (initdb refuses root, so as the postgres user).
# After `start_pg [server options…]`, PG_URL names its postgres database; it stops on exit.

install_pg() {
  if ! dpkg -s postgresql >/dev/null 2>&1; then
    echo "installing postgresql" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  fi
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
}

stop_pg() {
  runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$PG_DIR"
}

start_pg() {
  install_pg
  PG_DIR=$(mktemp -d /tmp/datong-pg.XXXXXX)
  chown postgres "$PG_DIR"
  local port=$(( 20000 + RANDOM % 20000 ))
  trap stop_pg EXIT
  runuser -u postgres -- "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 >/dev/null
  runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w \
    -o "-p $port -k $PG_DIR -c listen_addresses=127.0.0.1 $*" start >/dev/null
  PG_URL="postgres://postgres@127.0.0.1:$port/postgres"
  PG_PORT=$port
}
