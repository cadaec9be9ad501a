#!/usr/bin/env bash
# Builds the release binary as shipped (Docker image, benchmarks): glibc linked statically
# (`+crt-static`), so no libc/libm/libgcc_s/ld.so mappings are paged in at run time (idle RSS
# ~2 MiB lower than the dynamically linked build), and not position-independent
# (`relocation-model=static`), so start-up applies no relocations (no .rela.dyn read, no
# .data.rel.ro pages copied). The explicit --target keeps the flags off build scripts and
# proc macros. Prints the binary's path on stdout.
#   scripts/build-release.sh [extra cargo args]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
host=$(rustc -vV | sed -n 's/^host: //p')
RUSTFLAGS="${RUSTFLAGS:-} -C target-feature=+crt-static -C relocation-model=static" \
  cargo build --release --target "$host" -p kinesin-server "$@" >&2
target_dir=${CARGO_TARGET_DIR:-$root/target}
case "$target_dir" in /*) ;; *) target_dir="$root/$target_dir" ;; esac
echo "$target_dir/$host/release/kinesin"
