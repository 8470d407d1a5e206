#!/usr/bin/env python3
"""Fails when modules of the library import each other in a circle, or
when a folder imports one it must not.

cargo-modules (`cargo install cargo-modules`) reads the crate as
rust-analyzer does: `structure` lists its modules, `dependencies` every
"uses" edge between items. Its own `--acyclic` works on items, where a type
and its methods always form a circle; this folds each edge's two ends into
the modules that hold them and looks for circles between modules (a parent
module and its child count as two), printing each one it finds.

The same edges, folded into the crate's top-level places (`aws`, `git`,
`session`, `prompt`, `os`, `commands`, and each top-level file), must form
no circle either, and must keep the floor plan's rules (`FORBIDDEN`):

- `aws` never imports `git`, `session`, `prompt` or `commands`;
- `prompt` imports neither `aws` nor `git`;
- `os`, the floor, imports nothing of the crate;
- only `lib` (and the binaries, which are not in the library) import
  `commands`.

    python3 .ci/module-cycles.py      # exit 0: all kept; 1: what breaks them
"""
import re
import subprocess
import sys

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def cargo_modules(*args):
    return subprocess.run(["cargo", "modules", *args, "--lib"], check=True,
                          capture_output=True, text=True).stdout


def modules():
    """Every module's path, from the tree `structure` draws."""
    found, stack = set(), []
    tree = cargo_modules("structure", "--no-fns", "--no-types", "--no-traits")
    for line in ANSI.sub("", tree).splitlines():
        match = re.match(r"^(?P<indent>[│├└─ ]*)(crate|mod) (?P<name>\w+)", line)
        if match:
            stack = stack[:len(match["indent"]) // 4] + [match["name"]]
            found.add("::".join(stack))
    return found


def module_edges(known):
    """(user, used) module pairs of every "uses" edge between two modules."""
    def holder(path):
        while path not in known:
            path = path.rpartition("::")[0]
        return path

    graph = cargo_modules("dependencies", "--no-externs", "--no-sysroot")
    edges = {}
    for user, used in re.findall(r'"([^"]+)" -> "([^"]+)" \[label="uses"', graph):
        user, used = holder(user), holder(used)
        if user != used:
            edges.setdefault(user, set()).add(used)
    return edges


def circles(edges):
    """The strongly connected sets of more than one module (Tarjan)."""
    index, low, on_stack, stack, found = {}, {}, set(), [], []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for next_node in sorted(edges.get(node, ())):
            if next_node not in index:
                visit(next_node)
                low[node] = min(low[node], low[next_node])
            elif next_node in on_stack:
                low[node] = min(low[node], index[next_node])
        if low[node] == index[node]:
            members = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                members.append(member)
                if member == node:
                    break
            if len(members) > 1:
                found.append(sorted(members))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


# place -> the places it must not import; "*" is every other place.
FORBIDDEN = {
    "aws": {"git", "session", "prompt", "commands"},
    "prompt": {"aws", "git"},
    "os": {"*"},
}
# Only these places may import `commands`.
COMMANDS_USERS = {"lib", "commands"}


def place(module):
    """The top-level folder or file that holds `module` (`crate` is lib)."""
    parts = module.split("::")
    return parts[1] if len(parts) > 1 else "lib"


def place_edges(edges):
    """(user, used) pairs of places, from the module edges between them."""
    folded = {}
    for user, used in edges.items():
        for target in used:
            a, b = place(user), place(target)
            if a != b and a != "lib":
                folded.setdefault(a, set()).add(b)
    return folded


def broken_rules(edges, folded):
    """Each module edge that breaks the floor plan's rules, as a line."""
    lines = []
    for user, used in sorted(edges.items()):
        for target in sorted(used):
            a, b = place(user), place(target)
            if a == b:
                continue
            banned = FORBIDDEN.get(a, set())
            if "*" in banned or b in banned:
                lines.append(f"{a} must not import {b}: {user} uses {target}")
            elif b == "commands" and a not in COMMANDS_USERS:
                lines.append(f"only lib imports commands: {user} uses {target}")
    return lines


def main():
    known = modules()
    edges = module_edges(known)
    found = circles(edges)
    folded = place_edges(edges)
    place_circles = circles(folded)
    broken = broken_rules(edges, folded)
    for members in place_circles:
        inside = set(members)
        print("circle between places: " + ", ".join(members))
        for member in members:
            for used in sorted(folded.get(member, set()) & inside):
                print(f"    {member} uses {used}")
    for line in broken:
        print(line)
    for members in found:
        inside = set(members)
        print("circle: " + ", ".join(m.split("::", 1)[-1] for m in members))
        for member in members:
            for used in sorted(edges.get(member, set()) & inside):
                print(f"    {member.split('::', 1)[-1]} uses {used.split('::', 1)[-1]}")
    print(f"{len(known)} modules, {sum(map(len, edges.values()))} module edges, "
          f"{len(found)} circles; {len(folded)} places, "
          f"{sum(map(len, folded.values()))} place edges, {len(place_circles)} circles, "
          f"{len(broken)} broken rules")
    for user in sorted(folded):
        print(f"    {user} -> {', '.join(sorted(folded[user]))}")
    return 1 if found or place_circles or broken else 0


if __name__ == "__main__":
    sys.exit(main())
