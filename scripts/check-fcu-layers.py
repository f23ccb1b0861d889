#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Checks the module layering of the factory tool against what the compiler really produced.

tools/fcu/LAYERS names the modules of libfcu and of the `fcu` front, lowest first, and the
source files of each. This script reads the object files of a build with `nm`, maps every
defined global symbol to the module whose object defines it, turns every undefined symbol of an
object into an edge "module -> module that defines it", and fails (exit 1), naming the edge, on:
  - a cycle between modules (any strongly connected set of more than one module);
  - a call from a module to one listed above it (a lower layer may not use a higher one);
  - a front (cli) object that uses a symbol of a library object which the public API does not
    offer: not exported by libfcu.so, or not declared in a header under include/fcu/;
  - an object no module of LAYERS claims, or a module of LAYERS without an object (so the list
    cannot silently fall behind the tree).

usage: check-fcu-layers.py LAYERS INCLUDE_DIR LIBFCU_SO OBJECT...
"""
import os
import re
import subprocess
import sys


def read_layers(path):
    """[(module, kind, [source basenames])] lowest first. Line: `kind module: files -- why`."""
    mods = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            m = re.match(r"^(lib|cli)\s+([\w-]+)\s*:\s*([^-]*?)\s*(--.*)?$", line)
            if not m:
                sys.exit(f"{path}:{n}: expected `lib|cli MODULE: file.c ... -- purpose`")
            files = m.group(3).split()
            if not files:
                sys.exit(f"{path}:{n}: module {m.group(2)} names no source file")
            mods.append((m.group(2), m.group(1), files))
    return mods


def nm_symbols(obj, extra=()):
    """(defined strong, defined weak, undefined) global symbol sets of an object."""
    out = subprocess.run(["nm", "-P", *extra, obj], capture_output=True, text=True, check=True)
    strong, weak, undef = set(), set(), set()
    for line in out.stdout.splitlines():
        parts = line.split()
        if len(parts) < 2:
            continue
        name, kind = parts[0].split("@", 1)[0], parts[1]  # drop a symbol version (@@LIBFCU_1)
        if kind == "U":
            undef.add(name)
        elif kind in ("W", "V"):
            weak.add(name)
        elif kind.isupper():
            strong.add(name)
    return strong, weak, undef


def public_declarations(include_dir):
    """Function and object names declared in the public headers (include/fcu/*.h)."""
    names = set()
    for root, _, files in os.walk(include_dir):
        for f in files:
            if f.endswith(".h"):
                with open(os.path.join(root, f), encoding="utf-8") as fh:
                    text = fh.read()
                names.update(re.findall(r"\b(fcu_tool_\w+)\s*\(", text))
    return names


def find_cycles(graph):
    """Strongly connected components with more than one node (Tarjan, iterative)."""
    index, low, stack, on, comps, counter = {}, {}, [], set(), [], [0]
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter[0]
        counter[0] += 1
        stack.append(start)
        on.add(start)
        while work:
            v, it = work[-1]
            nxt = next(it, None)
            if nxt is not None:
                if nxt not in index:
                    index[nxt] = low[nxt] = counter[0]
                    counter[0] += 1
                    stack.append(nxt)
                    on.add(nxt)
                    work.append((nxt, iter(sorted(graph.get(nxt, ())))))
                elif nxt in on:
                    low[v] = min(low[v], index[nxt])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    comps.append(sorted(comp))
    return comps


def main(argv):
    if len(argv) < 5:
        sys.exit(__doc__)
    layers_path, include_dir, libfcu, objects = argv[1], argv[2], argv[3], argv[4:]
    mods = read_layers(layers_path)
    rank = {name: i for i, (name, _, _) in enumerate(mods)}
    kind = {name: k for name, k, _ in mods}
    by_file = {}
    for name, _, files in mods:
        for f in files:
            if f in by_file:
                sys.exit(f"{layers_path}: {f} is listed in {by_file[f]} and {name}")
            by_file[f] = name

    problems = []
    obj_mod, seen_mods = {}, set()
    for obj in objects:
        src = os.path.basename(obj)
        src = re.sub(r"\.o(bj)?$", "", src)
        mod = by_file.get(src)
        if mod is None:
            problems.append(f"object {obj}: its source {src} belongs to no module of LAYERS")
            continue
        obj_mod[obj] = mod
        seen_mods.add(mod)
    for name, _, _ in mods:
        if name not in seen_mods:
            problems.append(f"module {name} of LAYERS has no object in the build")

    defined, weak_def, undefined = {}, {}, {}
    for obj, mod in obj_mod.items():
        strong, weak, undef = nm_symbols(obj)
        undefined[obj] = undef
        for s in strong:
            defined[s] = (mod, obj)
        for s in weak:
            weak_def.setdefault(s, (mod, obj))
    for s, where in weak_def.items():
        defined.setdefault(s, where)

    exported = set(nm_symbols(libfcu, ("-D", "--defined-only"))[0]) if libfcu else set()
    declared = public_declarations(include_dir)

    graph = {name: set() for name in rank}
    why = {}
    for obj, mod in sorted(obj_mod.items()):
        for s in sorted(undefined[obj]):
            if s not in defined:
                continue  # a system or other library's symbol
            to, _ = defined[s]
            if to == mod:
                continue
            graph[mod].add(to)
            why.setdefault((mod, to), f"{os.path.basename(obj)} uses {s}")
            if kind[mod] == "cli" and kind[to] == "lib":
                if s not in exported:
                    problems.append(f"front {mod} -> {to}: {os.path.basename(obj)} uses {s}, "
                                    "which libfcu.so does not export")
                elif s not in declared:
                    problems.append(f"front {mod} -> {to}: {os.path.basename(obj)} uses {s}, "
                                    "which no header of include/fcu declares")
            if kind[mod] == "lib" and kind[to] != "lib":
                problems.append(f"library {mod} -> front {to}: {why[(mod, to)]}")

    for comp in find_cycles(graph):
        edges = [f"{a} -> {b} ({why[(a, b)]})" for a in comp for b in sorted(graph[a])
                 if b in comp]
        problems.append("cycle between " + ", ".join(comp) + ": " + "; ".join(edges))
    for a in sorted(graph, key=rank.get):
        for b in sorted(graph[a], key=rank.get):
            if rank[b] > rank[a]:
                problems.append(f"upward call {a} -> {b} ({why[(a, b)]}): {b} is listed above "
                                f"{a} in {os.path.basename(layers_path)}")

    for p in problems:
        print("fcu_layers: " + p)
    edges = sum(len(v) for v in graph.values())
    if problems:
        print(f"fcu_layers: FAILED, {len(problems)} problem(s) in {len(obj_mod)} objects, "
              f"{len(rank)} modules, {edges} edges")
        return 1
    print(f"fcu_layers: ok, {len(obj_mod)} objects, {len(rank)} modules, {edges} edges, "
          "no cycle, no upward call, the front uses the public API only")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
