#!/usr/bin/env python3
"""Fails when modules of the library import each other in a circle.

cargo-modules (`cargo install cargo-modules`) reads the crate as
rust-analyzer does: `structure` lists its modules, `dependencies` every
"uses" edge between items. Its own `--acyclic` works on items, where a type
and its methods always form a circle; this folds each edge's two ends into
the modules that hold them and looks for circles between modules (a parent
module and its child count as two), printing each one it finds.

    python3 .ci/module-cycles.py      # exit 0: no circle; 1: circles printed
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


def main():
    known = modules()
    edges = module_edges(known)
    found = circles(edges)
    for members in found:
        inside = set(members)
        print("circle: " + ", ".join(m.split("::", 1)[-1] for m in members))
        for member in members:
            for used in sorted(edges.get(member, set()) & inside):
                print(f"    {member.split('::', 1)[-1]} uses {used.split('::', 1)[-1]}")
    print(f"{len(known)} modules, {sum(map(len, edges.values()))} module edges, "
          f"{len(found)} circles")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
