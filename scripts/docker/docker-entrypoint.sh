#!/bin/sh
# The image's entrypoint (/usr/local/bin/docker-entrypoint.sh), also what the testcontainers
# LocalStack modules run from their start script. Maps LocalStack's environment onto kinesin's,
# then execs kinesin with the arguments given:
#   GATEWAY_LISTEN=host:port[,...]  first address -> KINESIN_HOST/KINESIN_PORT (default 0.0.0.0:4566)
#   LOCALSTACK_HOST=host[:port]     host in returned URLs (queue URLs) -> KINESIN_PUBLIC_HOST
#                                   (HOSTNAME_EXTERNAL, LocalStack < 2.0, when it is unset)
#   DEFAULT_REGION                  -> KINESIN_REGION (also AWS_DEFAULT_REGION)
#   PERSISTENCE=1                   -> KINESIN_DATA_DIR=$LOCALSTACK_VOLUME_DIR/state (/var/lib/localstack/state)
#   DEBUG=1                         -> KINESIN_LOG_LEVEL=debug (with the request log)
#   SERVICES=a,b                    services kinesin does not emulate are named on stderr
# Init hooks run from $KINESIN_INIT_DIR (default /etc/localstack/init). kinesin's own KINESIN_*
# variables win over the LocalStack ones. KINESIN_EXE overrides the binary (tests run this
# script outside a container).
set -eu

exe="${KINESIN_EXE:-/usr/local/bin/kinesin}"

listen="${GATEWAY_LISTEN:-0.0.0.0:4566}"
listen="${listen%%,*}"
case "$listen" in
    \[*\]:*) host="${listen%]:*}"; host="${host#[}"; port="${listen##*]:}" ;;
    *:*) host="${listen%:*}"; port="${listen##*:}" ;;
    *) host="$listen"; port=4566 ;;
esac
export KINESIN_HOST="${KINESIN_HOST:-${host:-0.0.0.0}}" KINESIN_PORT="${KINESIN_PORT:-${port:-4566}}"

public="${LOCALSTACK_HOST:-${HOSTNAME_EXTERNAL:-}}"
if [ -n "$public" ] && [ -z "${KINESIN_PUBLIC_HOST:-}" ]; then
    export KINESIN_PUBLIC_HOST="$public"
fi

region="${DEFAULT_REGION:-${AWS_DEFAULT_REGION:-}}"
if [ -n "$region" ] && [ -z "${KINESIN_REGION:-}" ]; then
    export KINESIN_REGION="$region"
fi
if [ -n "${KINESIN_REGION:-}" ] && [ -z "${AWS_DEFAULT_REGION:-}" ]; then
    export AWS_DEFAULT_REGION="$KINESIN_REGION"
fi

case "${PERSISTENCE:-0}" in
    1 | true | TRUE | True)
        if [ -z "${KINESIN_DATA_DIR:-}" ]; then
            export KINESIN_DATA_DIR="${LOCALSTACK_VOLUME_DIR:-/var/lib/localstack}/state"
        fi
        ;;
esac

case "${DEBUG:-0}" in
    1 | true | TRUE | True) export KINESIN_LOG_LEVEL="${KINESIN_LOG_LEVEL:-debug}" ;;
esac

if [ -n "${SERVICES:-}" ]; then
    unknown=""
    for s in $(printf '%s' "$SERVICES" | tr ',' ' '); do
        case "$s" in
            kinesis | firehose | sqs | s3 | pipes | sts | iam) ;;
            *) unknown="$unknown $s" ;;
        esac
    done
    if [ -n "$unknown" ]; then
        echo "kinesin: SERVICES names services kinesin does not emulate:$unknown (their requests will fail)" >&2
    fi
fi

export KINESIN_INIT_DIR="${KINESIN_INIT_DIR:-/etc/localstack/init}"
export KINESIN_ADDR_FILE="${KINESIN_ADDR_FILE:-/tmp/kinesin.addr}"
exec "$exe" "$@"
