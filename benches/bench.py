#!/usr/bin/env python3
"""Side-by-side wall time and peak RSS of whole-process helper runs.

Usage: python3 benches/bench.py [--runs N] [--aws-runs N] [--release OUT]
Builds the release binary and a no-op Rust binary with the same profile
(`cargo build --release --bin git-credential-mfa-codecommit --example noop`),
then runs, one after another on the same machine, each scenario with git's
request on stdin:
  noop       the no-op binary: the floor for any Rust process here
  cached     a CodeCommit `get` for a profile with mfa_serial, its MFA session
             warm in the kernel keyring (made first by `login` against moto's
             STS on 127.0.0.1, the prompt answered through a pseudo-terminal)
  cred-proc  `credential-process` for the same profile, its session warm: what
             the AWS CLI and SDKs run
  keys       a CodeCommit `get` with long-term keys from the environment
  foreign    `get` for github.com (must print nothing)
  store      `store`
  erase      `erase` for a foreign host
  aws-cli    `aws codecommit credential-helper get` for the same request
  remote     `git-remote-codecommit origin codecommit://myrepo` (region from
             the profile) up to its exec of `git remote-https`: `git` on PATH
             is the no-op binary
  aws-remote AWS's `git-remote-codecommit` (PyPI) for the same URL, the same way
  rel-cached, rel-keys
             with --release OUT (what install/release.sh built): `cached` and
             `keys` by the program in OUT's x86_64 Linux archive, the one
             users install (zig-linked against glibc 2.17)
and prints median, min and max wall time, peak RSS, and each one's ratio to
the no-op binary and to the AWS CLI; for this project's own programs also
the instructions one run executes and their ratio to the no-op's, counted by
valgrind's callgrind (Debian package `valgrind`), which gives the same count
however busy the machine is; then the cold path: `login` (prompt
answered at once in a pseudo-terminal, GetSessionToken to moto) beside a bare
GetSessionToken round trip to the same moto, and the difference. Each child is timed from spawn to reap (os.posix_spawn +
os.wait4), so Python's own start-up is not counted. Peak RSS is read by GNU
time (`/usr/bin/time -f %M`, Debian package `time`) in a run of its own: a
child spawned by Python inherits Python's high-water mark across exec.
"""
import argparse
import http.client
import json
import os
import pty
import re
import statistics
import subprocess
import sys
import sysconfig
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


def start_moto():
    """moto's STS server on 127.0.0.1; returns (process, endpoint)."""
    moto = subprocess.Popen([sys.executable, "-m", "moto.server", "-H",
                             "127.0.0.1", "-p", "0"], stderr=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, text=True)
    for line in moto.stderr:
        found = re.search(r"http://127\.0\.0\.1:\d+", line)
        if found:
            return moto, found.group(0)
    sys.exit("moto did not start (pip install 'moto[server]')")


def mfa_environment(home, sts):
    """A profile with an MFA device of its own, its session in the kernel keyring."""
    serial = f"arn:aws:iam::123456789012:mfa/bench-{os.getpid()}"
    os.makedirs(os.path.join(home, ".aws"), exist_ok=True)
    with open(os.path.join(home, ".aws", "config"), "w") as config:
        config.write(f"[default]\nmfa_serial = {serial}\n")
    with open(os.path.join(home, ".aws", "credentials"), "w") as credentials:
        credentials.write("[default]\naws_access_key_id = AKIABENCHEXAMPLE\n"
                          "aws_secret_access_key = bench/secret\n")
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": home,
        "AWS_ENDPOINT_URL_STS": sts,
        "GIT_CREDENTIAL_MFA_CODECOMMIT_KEYRING": "keyutils",
    }


def login(binary, env):
    """`login` in a pseudo-terminal, answering its prompt; returns its seconds."""
    started = time.perf_counter()
    pid, terminal = pty.fork()
    if pid == 0:
        os.execve(binary, [binary, "login"], env)
    screen = b""
    while b"MFA code for" not in screen:
        screen += os.read(terminal, 1024)
    os.write(terminal, b"123456\r")
    try:
        while os.read(terminal, 1024):
            pass
    except OSError:
        pass  # the terminal closes when login exits
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit("login failed")
    return time.perf_counter() - started


def sts_round_trip(sts):
    """One GetSessionToken with a code, over a new connection, as `login`
    makes it; returns its seconds."""
    host, port = sts.removeprefix("http://").split(":")
    body = ("Action=GetSessionToken&Version=2011-06-15&DurationSeconds=43200"
            "&SerialNumber=arn%3Aaws%3Aiam%3A%3A123456789012%3Amfa%2Fbench"
            "&TokenCode=123456")
    started = time.perf_counter()
    connection = http.client.HTTPConnection(host, int(port))
    connection.request("POST", "/", body, {
        "Content-Type": "application/x-www-form-urlencoded"})
    response = connection.getresponse()
    response.read()
    connection.close()
    if response.status != 200:
        sys.exit(f"moto answered {response.status}")
    return time.perf_counter() - started


def remote_environment(home, noop):
    """A profile with a region, keys for AWS's helper, and `git` the no-op."""
    os.makedirs(os.path.join(home, ".aws"), exist_ok=True)
    with open(os.path.join(home, ".aws", "config"), "w") as config:
        config.write("[default]\nregion = us-east-1\n")
    bin_dir = os.path.join(home, "bin")
    os.makedirs(bin_dir)
    os.symlink(noop, os.path.join(bin_dir, "git"))
    env = environment(home)
    env["PATH"] = bin_dir + os.pathsep + env["PATH"]
    return env


def aws_remote_helper():
    """AWS's git-remote-codecommit, where pip put it."""
    script = os.path.join(sysconfig.get_path("scripts"), "git-remote-codecommit")
    if not os.path.exists(script):
        sys.exit("AWS's git-remote-codecommit is missing (pip install git-remote-codecommit)")
    return script


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


def instructions(argv, stdin_bytes, env):
    """Instructions one run executes, as valgrind's callgrind counts them."""
    try:
        result = subprocess.run(["valgrind", "--tool=callgrind",
                                 "--callgrind-out-file=/dev/null", *argv],
                                input=stdin_bytes, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    except FileNotFoundError:
        sys.exit("valgrind is missing (apt-get install valgrind)")
    found = re.search(rb"Collected : (\d+)", result.stderr)
    if result.returncode != 0 or not found:
        sys.exit(f"{' '.join(argv)} failed under valgrind")
    return int(found.group(1))


def measure(name, argv, stdin_bytes, env, runs, counted=True):
    """Wall times of `runs` runs, peak RSS, and (if `counted`) instructions."""
    run_once(argv, stdin_bytes, env)  # warm the page cache
    times = [run_once(argv, stdin_bytes, env) * 1000 for _ in range(runs)]
    return {
        "name": name,
        "runs": runs,
        "median": statistics.median(times),
        "min": min(times),
        "max": max(times),
        "rss": peak_rss_mb(argv, stdin_bytes, env),
        "instructions": instructions(argv, stdin_bytes, env) if counted else None,
    }


def build():
    """Builds the binaries; returns (helper, remote helper, noop) paths."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    subprocess.run(["cargo", "build", "--quiet", "--release", "--bin",
                    "git-credential-mfa-codecommit", "--bin",
                    "git-remote-codecommit", "--example", "noop"],
                   cwd=root, check=True)
    metadata = subprocess.run(["cargo", "metadata", "--format-version", "1",
                               "--no-deps"], cwd=root, check=True,
                              capture_output=True, text=True).stdout
    release = os.path.join(json.loads(metadata)["target_directory"], "release")
    return (os.path.join(release, "git-credential-mfa-codecommit"),
            os.path.join(release, "git-remote-codecommit"),
            os.path.join(release, "examples", "noop"))


def unpack_release(out, into):
    """The helper from OUT's x86_64 Linux archive, unpacked into `into`."""
    name = "git-credential-mfa-codecommit"
    target = "x86_64-unknown-linux-gnu"
    subprocess.run(["tar", "-xJf", os.path.join(out, f"{name}-{target}.tar.xz"),
                    "-C", into], check=True)
    return os.path.join(into, f"{name}-{target}", name)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--aws-runs", type=int, default=10)
    parser.add_argument("--login-runs", type=int, default=10)
    parser.add_argument("--release", help="install/release.sh's output folder")
    args = parser.parse_args()
    binary, remote, noop = build()
    shipped = tempfile.TemporaryDirectory()
    released = args.release and unpack_release(args.release, shipped.name)
    aws_remote = aws_remote_helper()
    moto, sts = start_moto()
    with tempfile.TemporaryDirectory() as home, tempfile.TemporaryDirectory() as mfa_home, \
            tempfile.TemporaryDirectory() as remote_home:
        env = environment(home)
        mfa_env = mfa_environment(mfa_home, sts)
        remote_env = remote_environment(remote_home, noop)
        url = ["origin", "codecommit://myrepo"]
        login(binary, mfa_env)  # warm moto and the page cache
        logins = [login(binary, mfa_env) * 1000 for _ in range(args.login_runs)]
        trips = [sts_round_trip(sts) * 1000 for _ in range(args.login_runs)]
        rows = [
            measure("noop", [noop], REQUEST, env, args.runs),
            measure("cached", [binary, "get"], REQUEST, mfa_env, args.runs),
            measure("cred-proc", [binary, "credential-process"], b"", mfa_env, args.runs),
            measure("keys", [binary, "get"], REQUEST, env, args.runs),
            measure("foreign", [binary, "get"], FOREIGN, env, args.runs),
            measure("store", [binary, "store"], REQUEST, env, args.runs),
            measure("erase", [binary, "erase"], FOREIGN, env, args.runs),
            measure("aws-cli", [sys.executable, "-m", "awscli", "codecommit",
                                "credential-helper", "get"], REQUEST, env,
                    args.aws_runs, counted=False),
            # Both end in an exec of git, which callgrind does not follow.
            measure("remote", [remote, *url], b"", remote_env, args.runs, counted=False),
            measure("aws-remote", [aws_remote, *url], b"", remote_env, args.aws_runs,
                    counted=False),
        ]
        if released:
            rows += [
                measure("rel-cached", [released, "get"], REQUEST, mfa_env, args.runs),
                measure("rel-keys", [released, "get"], REQUEST, env, args.runs),
            ]
        subprocess.run([binary, "logout"], env=mfa_env, check=True,
                       stdout=subprocess.DEVNULL)
    moto.terminate()
    by_name = {row["name"]: row for row in rows}
    aws = by_name["aws-cli"]["median"]
    floor = rows[0]["median"]
    floor_instructions = rows[0]["instructions"]
    print(f"{'scenario':<10} {'runs':>5} {'median ms':>10} {'min ms':>8} "
          f"{'max ms':>8} {'peak RSS MB':>12} {'this / noop':>12} {'AWS CLI / this':>15}"
          f" {'k instructions':>15} {'/ noop':>7}")
    for row in rows:
        counted = row["instructions"]
        count = (f"{counted / 1000:>15,.0f} {counted / floor_instructions:>6.2f}x"
                 if counted else f"{'-':>15} {'-':>7}")
        print(f"{row['name']:<10} {row['runs']:>5} {row['median']:>10.2f} "
              f"{row['min']:>8.2f} {row['max']:>8.2f} {row['rss']:>12.1f} "
              f"{row['median'] / floor:>11.2f}x {aws / row['median']:>14.0f}x {count}")
    print(f"remote helper: AWS's / ours = "
          f"{by_name['aws-remote']['median'] / by_name['remote']['median']:.0f}x")
    login_ms, trip_ms = statistics.median(logins), statistics.median(trips)
    print(f"cold login (prompt answered at once, STS on loopback), median of "
          f"{len(logins)}: {login_ms:.1f} ms; the bare GetSessionToken round "
          f"trip: {trip_ms:.1f} ms; the helper adds {login_ms - trip_ms:.1f} ms")


if __name__ == "__main__":
    main()
