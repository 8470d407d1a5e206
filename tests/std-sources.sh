# Sourced, not run: where std's sources are for this rustc, which
# -Zbuild-std builds for targets whose std is not installed (Windows and
# macOS here, aarch64 Linux): rustup's rust-src component if it is there,
# else Debian's rust-src that install/test-peers.sh unpacks; and
# use_std_sources, which points cargo at them or stops.
std_version=$(rustc --version | awk '{print $2}')
std_root=${RUST_SRC_ROOT:-/usr/local/share/rust-src/$std_version}
std_library=$(rustc --print sysroot)/lib/rustlib/src/rust/library
[ -d "$std_library" ] || std_library=$std_root/usr/lib/rustlib/src/rust/library

use_std_sources() {
    if [ ! -d "$std_library" ]; then
        echo "$1: no rust-src for rustc $std_version at $std_library; run install/test-peers.sh" >&2
        exit 1
    fi
    export RUSTC_BOOTSTRAP=1 __CARGO_TESTS_ONLY_SRC_ROOT="$std_library"
}
