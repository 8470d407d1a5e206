#!/bin/sh
# Type-checks and lints both executables and every test for macOS, Apple
# silicon and Intel, as `sh tests/macos/check.sh`: std from the rust-src that
# install/test-peers.sh unpacked for this rustc, and zig (PyPI's ziglang) as
# the C compiler of aws-lc-sys's build script. Nothing links: that needs
# Apple's SDK, which no registry this project reaches carries.
set -eu
cd "$(dirname "$0")/../.."
. tests/std-sources.sh
use_std_sources tests/macos/check.sh
export CARGO_TARGET_DIR="$PWD/target/macos"
mkdir -p "$CARGO_TARGET_DIR"
python=$(command -v python3)
for arch in aarch64 x86_64; do
    # cc-rs passes clang's --target=, which zig refuses (it takes -target),
    # and an -march zig does not know for Apple silicon.
    cc="$CARGO_TARGET_DIR/zig-cc-$arch"
    cat >"$cc" <<WRAPPER
#!/bin/sh
for arg do
    shift
    case \$arg in
        --target=*) ;;
        -march=armv8.4-a+sha3) set -- "\$@" -mcpu=apple_m1 ;;
        *) set -- "\$@" "\$arg" ;;
    esac
done
exec "$python" -m ziglang cc -target $arch-macos "\$@"
WRAPPER
    chmod +x "$cc"
    target=$arch-apple-darwin
    env "CC_$(echo "$target" | tr - _)=$cc" \
        cargo check --locked -Zbuild-std=std,panic_abort --target "$target" --bins
    env "CC_$(echo "$target" | tr - _)=$cc" \
        cargo clippy --locked -Zbuild-std=std,panic_abort --target "$target" --all-targets -- -D warnings
done
