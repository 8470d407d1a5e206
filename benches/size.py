#!/usr/bin/env python3
"""How big the code is, and how much of it one cached `get` runs through.

Usage: python3 benches/size.py [--get]
Prints the lines of code in src/ (not counting blank lines, comments and
`#[cfg(test)]` items) and the number of files. With --get it also builds the
helper unoptimized (`cargo build`: nothing inlined, so each file's code
counts where it is written), makes an MFA session in the kernel keyring as
benches/bench.py does (moto's STS on 127.0.0.1, the prompt answered
through a pseudo-terminal), runs one cached `get` under valgrind's
callgrind, and lists the files of src/ whose code it executed.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOKEN = re.compile(
    r'//[^\n]*|/\*.*?\*/|r(#*)".*?"\1|b?"(?:\\.|[^"\\])*"'
    r"|b?'(?:\\.|[^'\\])'|[{};\n]|[^{};\n\"'/rb]+|.",
    re.S,
)


def code_lines(text):
    """Lines holding code, outside comments and `#[cfg(test)]` items."""
    lines, depth, skipping, pending, line, has_code = 0, 0, None, False, [], False
    for match in TOKEN.finditer(text):
        token = match.group(0)
        if token == "\n":
            if has_code and skipping is None:
                lines += 1
            has_code = False
            continue
        if token.startswith("//") or token.startswith("/*") or token.isspace():
            continue
        if "#[cfg(test)]" in token:
            pending = True
            continue
        has_code = True
        if token == "{":
            if pending and skipping is None:
                skipping, pending = depth, False
            depth += 1
        elif token == "}":
            depth -= 1
            if skipping == depth:
                skipping, has_code = None, False
        elif token == ";" and pending and skipping is None and depth >= 0:
            pending, has_code = False, False  # a one-line `#[cfg(test)] use …;`
    return lines


def sources():
    for folder, _, names in os.walk(os.path.join(ROOT, "src")):
        for name in sorted(names):
            if name.endswith(".rs"):
                yield os.path.join(folder, name)


def files_of_a_cached_get():
    """The src/ files whose code one cached `get` executes."""
    sys.path.insert(0, os.path.join(ROOT, "benches"))
    import bench

    subprocess.run(["cargo", "build", "--quiet", "--bin", "git-credential-mfa-codecommit"],
                   cwd=ROOT, check=True)
    metadata = subprocess.run(["cargo", "metadata", "--format-version", "1", "--no-deps"],
                              cwd=ROOT, check=True, capture_output=True, text=True).stdout
    target = json.loads(metadata)["target_directory"]
    binary = os.path.join(target, "debug", "git-credential-mfa-codecommit")
    moto, sts = bench.start_moto()
    try:
        with tempfile.TemporaryDirectory() as home, tempfile.NamedTemporaryFile() as out:
            mfa_env = bench.mfa_environment(home, sts)
            bench.login(binary, mfa_env)
            subprocess.run(["valgrind", "--tool=callgrind", "--quiet",
                            f"--callgrind-out-file={out.name}", binary, "get"],
                           input=bench.REQUEST, env=mfa_env, check=True,
                           stdout=subprocess.DEVNULL)
            subprocess.run([binary, "logout"], env=mfa_env, check=True,
                           stdout=subprocess.DEVNULL)
            text = open(out.name, encoding="utf-8", errors="replace").read()
    finally:
        moto.terminate()
    # A file is named once, where callgrind first meets it: as the file of
    # code run (fl, fi, fe) or of a function called (cfi, cfl).
    named = re.findall(r"^c?f[lie]=\(\d+\) (.*)$", text, re.M)
    # rustc names the crate's own files as cargo gave them: `src/…`, or
    # absolute where a path was absolute.
    relative = {os.path.relpath(n, ROOT) if os.path.isabs(n) else n for n in named}
    return sorted(n for n in relative if n.startswith("src" + os.sep))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--get", action="store_true")
    args = parser.parse_args()
    files = list(sources())
    total = sum(code_lines(open(f, encoding="utf-8").read()) for f in files)
    print(f"src/: {total:,} lines of code in {len(files)} files")
    if args.get:
        touched = files_of_a_cached_get()
        print(f"a cached get runs code of {len(touched)} files:")
        for name in touched:
            print(f"  {name}")


if __name__ == "__main__":
    main()
