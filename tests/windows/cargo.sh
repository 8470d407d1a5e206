#!/bin/sh
# cargo for x86_64-pc-windows-gnu, run as `sh tests/windows/cargo.sh build`,
# `… clippy --all-targets -- -D warnings`, `… test --lib`: std built from
# the rust-src that install/test-peers.sh unpacked for this rustc, mingw-w64
# linking, and test binaries run under wine in a prefix of its own
# (target/windows/prefix) with the ProcessPrng shim wine 8 lacks.
set -eu
cd "$(dirname "$0")/../.."
. tests/std-sources.sh
use_std_sources tests/windows/cargo.sh
export CARGO_TARGET_DIR="$PWD/target/windows"
. tests/windows/mingw.sh
export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER=wine
export WINEPREFIX="$CARGO_TARGET_DIR/prefix" WINEDEBUG=-all
shim="$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll"
if [ ! -f "$shim" ]; then
    mkdir -p "$CARGO_TARGET_DIR"
    wine wineboot -i >/dev/null 2>&1
    x86_64-w64-mingw32-gcc-posix -shared -O2 -o "$shim" \
        tests/windows/process_prng.c tests/windows/process_prng.def -ladvapi32
fi
command=$1
shift
exec cargo "$command" -Zbuild-std=std,panic_abort --target x86_64-pc-windows-gnu "$@"
