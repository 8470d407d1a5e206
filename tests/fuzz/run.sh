#!/bin/sh
# Fuzzes every target in tests/fuzz/fuzz_targets (cargo-fuzz, libFuzzer, on
# stable Rust: `--sanitizer none`) for FUZZ_RUNS executions each (default
# 1,000,000), at most FUZZ_MAX_TIME seconds each (default 600). Fails on any
# crash, timeout (one input running over FUZZ_TIMEOUT seconds, default 10) or
# out-of-memory, and when a target stops at its time limit short of its runs.
# Prints per target the executions, executions per second and wall time.
#
# The fuzzer starts from the committed seeds in tests/fuzz/corpus/<target>/
# and writes what it finds to a scratch corpus under $TMPDIR, never to them.
# A crashing input is kept in tests/fuzz/artifacts/<target>/ (git-ignored);
# the failure output says how to reproduce and minimise it.
set -eu
cd "$(dirname "$0")/../.."

CARGO_FUZZ_VERSION=0.13.2
runs=${FUZZ_RUNS:-1000000}
max_time=${FUZZ_MAX_TIME:-600}
timeout=${FUZZ_TIMEOUT:-10}
fuzz_dir=tests/fuzz

if ! cargo fuzz --version 2>/dev/null | grep -qx "cargo-fuzz $CARGO_FUZZ_VERSION"; then
    cargo install --locked cargo-fuzz --version "$CARGO_FUZZ_VERSION"
fi

rustfmt --edition 2024 --check "$fuzz_dir"/fuzz_targets/*.rs

# The fuzz crate has its own lock; it goes stale when the helper's
# dependencies change. Cargo then adds what is missing: commit the result.
if ! cargo metadata --locked --format-version 1 \
    --manifest-path "$fuzz_dir/Cargo.toml" >/dev/null 2>&1; then
    echo "fuzz: note: $fuzz_dir/Cargo.lock is out of date; updating it (commit the change)"
fi

start=$(date +%s)
cargo fuzz build --fuzz-dir "$fuzz_dir" --sanitizer none
echo "fuzz: built the targets in $(($(date +%s) - start)) s"

scratch=$(mktemp -d "${TMPDIR:-/tmp}/fuzz.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
trap 'exit 130' INT TERM

failed=""
for target in $(cargo fuzz list --fuzz-dir "$fuzz_dir"); do
    mkdir "$scratch/$target"
    log="$scratch/$target.log"
    start=$(date +%s)
    # New inputs go to the first corpus directory, the scratch one.
    if cargo fuzz run --fuzz-dir "$fuzz_dir" --sanitizer none "$target" \
        "$scratch/$target" "$fuzz_dir/corpus/$target" -- \
        -runs="$runs" -max_total_time="$max_time" -timeout="$timeout" \
        -rss_limit_mb=2048 -print_final_stats=1 >"$log" 2>&1; then
        status=ok
    else
        status=FAILED
    fi
    wall=$(($(date +%s) - start))
    executed=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    per_second=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
    if [ "$status" = ok ] && [ "${executed:-0}" -lt "$runs" ]; then
        status="FAILED (stopped at the ${max_time} s limit short of $runs runs)"
    fi
    echo "fuzz: $target: ${executed:-?} executions, ${per_second:-?} exec/s, ${wall} s wall: $status"
    case $status in
    ok) ;;
    *)
        # The panic or libFuzzer's report and the input, without the
        # progress lines and backtrace frames.
        grep -v -e '^#[0-9]' -e '# Uses: ' -e '^	NEW_FUNC' \
            -e '^ *[0-9][0-9]*: ' -e '^ *at ' "$log" | tail -n 40
        echo "fuzz: reproduce: cargo fuzz run --fuzz-dir $fuzz_dir --sanitizer none $target $fuzz_dir/artifacts/$target/<file>"
        failed="$failed $target"
        ;;
    esac
done

if [ -n "$failed" ]; then
    echo "fuzz: failed:$failed"
    exit 1
fi
