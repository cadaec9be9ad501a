#!/bin/bash
# The image's HEALTHCHECK: asks the address kinesin wrote to $KINESIN_ADDR_FILE once serving
# (so it works whatever --port or GATEWAY_LISTEN chose) for /_kinesin/health.
set -eu
addr="$(cat "${KINESIN_ADDR_FILE:-/tmp/kinesin.addr}")"
port="${addr##*:}"
host="${addr%:*}"
case "$host" in 0.0.0.0 | "[::]") host=127.0.0.1 ;; esac
host="${host#[}"
host="${host%]}"
exec 3<>"/dev/tcp/$host/$port"
printf 'GET /_kinesin/health HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3
grep -q '"status":"ok"' <&3
