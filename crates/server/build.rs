//! Lays out the release binary's code so that what start-up runs sits together, at a fixed
//! address.
//!
//! `symbol-order.txt` lists the functions a start-up and a first request run
//! (`scripts/symbol-order.py` writes it from callgrind runs of the release builds). Given to
//! the linker, it puts them first in `.text`, so start-up faults in a few contiguous pages of
//! the binary instead of pages spread over all of it: idle memory is mostly the binary's own
//! pages (BENCHMARKS.md, "2026-12-06: issue 15 and issue 11"). Only lld (rustc's default
//! linker on x86_64-unknown-linux-gnu since 1.90) understands the file; other linkers, and
//! names a build spells differently, simply get the default layout.
//!
//! The same builds link a position-dependent executable (`-no-pie`, as
//! `scripts/build-release.sh` does for the shipped static build): a PIE's 0.7 MB of
//! relocations are read and its 0.5 MB of `.data.rel.ro` rewritten at every start, about
//! 1 MiB of idle memory. What it costs is ASLR of the binary's own image (libraries, heap
//! and stacks stay randomized), for a server that listens on localhost by default.

use std::env;
use std::process::Command;

fn main() {
    let order = format!("{}/symbol-order.txt", env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    println!("cargo:rerun-if-changed=symbol-order.txt");
    println!("cargo:rerun-if-env-changed=KINESIN_SYMBOL_ORDER");
    if env::var("PROFILE").as_deref() == Ok("release") && linked_by_lld() {
        println!("cargo:rustc-link-arg-bin=kinesin=-Wl,--symbol-ordering-file={order}");
        println!("cargo:rustc-link-arg-bin=kinesin=-Wl,--no-warn-symbol-ordering");
        println!("cargo:rustc-link-arg-bin=kinesin=-no-pie");
    }
}

/// Whether the binary is linked by rustc's self-contained lld: the target is
/// x86_64-unknown-linux-gnu, rustc is 1.90 or newer, no flag chooses another linker, and
/// `KINESIN_SYMBOL_ORDER=0` does not turn the layout off.
fn linked_by_lld() -> bool {
    let flags = env::var("CARGO_ENCODED_RUSTFLAGS").unwrap_or_default();
    env::var("TARGET").as_deref() == Ok("x86_64-unknown-linux-gnu")
        && env::var("KINESIN_SYMBOL_ORDER").as_deref() != Ok("0")
        && env::var_os("CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER").is_none()
        && !flags.contains("linker")
        && !flags.contains("link-self-contained")
        && !flags.contains("fuse-ld")
        && rustc_minor().is_some_and(|minor| minor >= 90)
}

/// The minor version of the compiler cargo builds with (`rustc 1.95.0 (...)` -> 95).
fn rustc_minor() -> Option<u32> {
    let rustc = env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let out = Command::new(rustc).arg("--version").output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    text.split_whitespace().nth(1)?.split('.').nth(1)?.parse().ok()
}
