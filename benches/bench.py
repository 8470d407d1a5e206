#!/usr/bin/env python3
"""Side-by-side wall time and peak RSS of whole-process helper runs.

Usage: bench.py [--runs N] [--aws-runs N] BINARY
Builds nothing: pass the release binary. Runs, one after another on the same
machine, each scenario with git's request on stdin:
  get        a CodeCommit `get` with credentials from the environment
  foreign    `get` for github.com (must print nothing)
  store      `store`
  aws-cli    `aws codecommit credential-helper get` for the same request
and prints median, min and max wall time, peak RSS, and each one's ratio to
the AWS CLI. Each child is timed from spawn to reap (os.posix_spawn +
os.wait4), so Python's own start-up is not counted. Peak RSS is read by GNU
time (`/usr/bin/time -f %M`, Debian package `time`) in a run of its own: a
child spawned by Python inherits Python's high-water mark across exec.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

REQUEST = (b"protocol=https\nhost=git-codecommit.us-east-1.amazonaws.com\n"
           b"path=v1/repos/myrepo\n\n")
FOREIGN = b"protocol=https\nhost=github.com\npath=o/r\n\n"


def environment(home):
    # No instance metadata probing: the keys are in the environment.
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": home,
        "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "AWS_EC2_METADATA_DISABLED": "true",
    }


def run_once(argv, stdin_bytes, env):
    """Returns the seconds one run took, checking it succeeded."""
    with tempfile.TemporaryFile() as stdin, open(os.devnull, "wb") as null:
        stdin.write(stdin_bytes)
        stdin.seek(0)
        actions = [
            (os.POSIX_SPAWN_DUP2, stdin.fileno(), 0),
            (os.POSIX_SPAWN_DUP2, null.fileno(), 1),
        ]
        started = time.perf_counter()
        pid = os.posix_spawn(argv[0], argv, env, file_actions=actions)
        _, status, _ = os.wait4(pid, 0)
        elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{' '.join(argv)} failed")
    return elapsed


def peak_rss_mb(argv, stdin_bytes, env):
    """Peak resident set size of one run, as GNU time reports it."""
    result = subprocess.run(["/usr/bin/time", "-f", "%M", *argv],
                            input=stdin_bytes, env=env, check=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return int(result.stderr.split()[-1]) / 1024


def measure(name, argv, stdin_bytes, env, runs):
    run_once(argv, stdin_bytes, env)  # warm the page cache
    times = [run_once(argv, stdin_bytes, env) * 1000 for _ in range(runs)]
    return {
        "name": name,
        "runs": runs,
        "median": statistics.median(times),
        "min": min(times),
        "max": max(times),
        "rss": peak_rss_mb(argv, stdin_bytes, env),
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("binary")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--aws-runs", type=int, default=10)
    args = parser.parse_args()
    binary = os.path.abspath(args.binary)
    with tempfile.TemporaryDirectory() as home:
        env = environment(home)
        rows = [
            measure("get", [binary, "get"], REQUEST, env, args.runs),
            measure("foreign", [binary, "get"], FOREIGN, env, args.runs),
            measure("store", [binary, "store"], REQUEST, env, args.runs),
            measure("aws-cli", [sys.executable, "-m", "awscli", "codecommit",
                                "credential-helper", "get"], REQUEST, env,
                    args.aws_runs),
        ]
    aws = rows[-1]["median"]
    print(f"{'scenario':<10} {'runs':>5} {'median ms':>10} {'min ms':>8} "
          f"{'max ms':>8} {'peak RSS MB':>12} {'AWS CLI / this':>15}")
    for row in rows:
        print(f"{row['name']:<10} {row['runs']:>5} {row['median']:>10.2f} "
              f"{row['min']:>8.2f} {row['max']:>8.2f} {row['rss']:>12.1f} "
              f"{aws / row['median']:>14.0f}x")


if __name__ == "__main__":
    main()
