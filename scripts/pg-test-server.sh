#!/usr/bin/env bash
# A throwaway PostgreSQL for tests (the Redshift destination speaks its wire protocol).
#
#   scripts/pg-test-server.sh start   initdb's a cluster in a new temp dir, starts it on a
#                                     free port of 127.0.0.1 and prints one line:
#                                     postgresql://kinesin:kinesin@127.0.0.1:PORT/postgres DIR
#   scripts/pg-test-server.sh stop DIR   stops that cluster and removes DIR.
#
# Uses Debian's binaries (/usr/lib/postgresql/*/bin; `apt-get install postgresql`) or those
# on PATH. As root, the cluster runs as the `postgres` user (initdb refuses root).
set -euo pipefail

bindir() {
    local d
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r) "$(dirname "$(command -v initdb 2>/dev/null || echo /nonexistent/initdb)")"; do
        if [[ -x "$d/initdb" && -x "$d/pg_ctl" ]]; then
            echo "$d"
            return 0
        fi
    done
    echo "pg-test-server: no PostgreSQL binaries (initdb, pg_ctl) found; apt-get install postgresql" >&2
    return 1
}

as_owner() {
    if [[ "$(id -u)" == 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

case "${1:-}" in
start)
    bin="$(bindir)"
    dir="$(mktemp -d /tmp/kinesin-pg.XXXXXX)"
    [[ "$(id -u)" == 0 ]] && chown postgres: "$dir"
    port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
    printf 'kinesin\n' >"$dir/pw"
    [[ "$(id -u)" == 0 ]] && chown postgres: "$dir/pw"
    as_owner "$bin/initdb" -D "$dir/data" -U kinesin --pwfile="$dir/pw" --auth-host=scram-sha-256 \
        --auth-local=trust -E UTF8 --no-sync >"$dir/initdb.log" 2>&1 ||
        { cat "$dir/initdb.log" >&2; exit 1; }
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off" start >/dev/null ||
        { cat "$dir/server.log" >&2; exit 1; }
    echo "postgresql://kinesin:kinesin@127.0.0.1:$port/postgres $dir"
    ;;
stop)
    dir="${2:?usage: pg-test-server.sh stop DIR}"
    [[ "$dir" == /tmp/kinesin-pg.* ]] || { echo "pg-test-server: $dir is not one of ours" >&2; exit 2; }
    bin="$(bindir)"
    as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
*)
    echo "usage: $0 start | stop DIR" >&2
    exit 2
    ;;
esac
