# Shared shell for the client-suite scripts: build kinesin (debug), start it on a free port
# and wait for its listening line(s), stop background processes. Source it; it sets `repo`.
# shellcheck shell=bash

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

# Fails unless every named tool is on PATH.
require_tools() {
    local tool
    for tool in "$@"; do
        command -v "$tool" >/dev/null 2>&1 || { echo "error: $tool is not on PATH" >&2; exit 1; }
    done
}

# Builds the debug binary and sets `bin` to its path (honours CARGO_TARGET_DIR).
kinesin_build() {
    echo "==> cargo build --bin kinesin"
    (cd "$repo" && cargo build --bin kinesin)
    local target_dir="${CARGO_TARGET_DIR:-$repo/target}"
    case "$target_dir" in /*) ;; *) target_dir="$repo/$target_dir" ;; esac
    bin="$target_dir/debug/kinesin"
}

# Stops a background process by pid, if it runs.
stop_pid() {
    if [[ -n "${1:-}" ]] && kill -0 "$1" 2>/dev/null; then
        kill "$1" 2>/dev/null || true
        wait "$1" 2>/dev/null || true
    fi
}

# kinesin_start WORKDIR ARGS...: starts `$bin --port 0 ARGS...` with its output in WORKDIR and
# sets `pid`, `endpoint` and, when ARGS contain --tls-port, `tls_endpoint`. Exits on failure.
kinesin_start() {
    local work="$1"
    shift
    local want_tls=0 arg out
    for arg in "$@"; do [[ "$arg" == --tls-port ]] && want_tls=1; done
    "$bin" --port 0 "$@" >"$work/stdout" 2>"$work/stderr" </dev/null &
    pid=$!
    endpoint=""
    tls_endpoint=""
    for _ in $(seq 1 300); do
        out="$(cat "$work/stdout" 2>/dev/null || true)"
        if [[ -z "$endpoint" && "$out" =~ listening\ on\ (http://[^[:space:]]+) ]]; then
            endpoint="${BASH_REMATCH[1]}"
        fi
        if [[ -z "$tls_endpoint" && "$out" =~ listening\ on\ (https://[^[:space:]]+) ]]; then
            tls_endpoint="${BASH_REMATCH[1]}"
        fi
        if [[ -n "$endpoint" && ($want_tls -eq 0 || -n "$tls_endpoint") ]]; then
            return 0
        fi
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "error: kinesin exited at start-up:" >&2
            cat "$work/stderr" >&2
            exit 1
        fi
        sleep 0.1
    done
    echo "error: kinesin printed no listening line within 30 s" >&2
    cat "$work/stdout" "$work/stderr" >&2
    exit 1
}
