# Sourced, not run: where install/test-peers.sh unpacks Debian's rust-src
# for this rustc (std's sources, which -Zbuild-std builds for Windows and
# macOS), and use_std_sources, which points cargo at them or stops.
std_version=$(rustc --version | awk '{print $2}')
std_root=${RUST_SRC_ROOT:-/usr/local/share/rust-src/$std_version}

use_std_sources() {
    library=$std_root/usr/lib/rustlib/src/rust/library
    if [ ! -d "$library" ]; then
        echo "$1: no rust-src for rustc $std_version at $library; run install/test-peers.sh" >&2
        exit 1
    fi
    export RUSTC_BOOTSTRAP=1 __CARGO_TESTS_ONLY_SRC_ROOT="$library"
}
