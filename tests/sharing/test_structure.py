"""The shape of the sharing code, checked from its source: one family of destinations, imports that run one way.

These read the modules (``ast``), run nothing, and name the file and line that breaks the rule.
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KINDS = {"TomDestination", "HermesDestination"}
FAMILY = ROOT / "sharing" / "destinations"


def _sources(*folders: str):
    for folder in folders:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path, ast.parse(path.read_text(), filename=str(path))


def _names(node) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)} | {
        n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute)}


def test_no_code_outside_the_destination_family_asks_which_kind_it_holds():
    """``isinstance(dest, TomDestination)``, ``dest.kind == ...`` or ``dest.via_api`` outside ``sharing/destinations/``
    would be a switch the family should answer (send, preview, echo_rule, identify, topics...)."""
    found = []
    for path, tree in _sources("sharing", "tom_targets", "alertstreams", "dataproducts", "tom"):
        if FAMILY in path.parents:
            continue
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "isinstance"
                    and len(node.args) == 2 and _names(node.args[1]) & KINDS):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} isinstance(..., {ast.unparse(node.args[1])})")
            if isinstance(node, ast.Attribute) and node.attr == "via_api":
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} .via_api")
            if (isinstance(node, ast.Compare) and isinstance(node.left, ast.Attribute) and node.left.attr == "kind"
                    and any(isinstance(c, ast.Constant) and c.value in ("tom", "hermes") for c in node.comparators)):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} .kind == ...")
    assert not found, found


def _module(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, tree: ast.Module, known: set[str]):
    """(module imported, line) for each import of a module of ours, wherever it stands (in a function too)."""
    package = _module(path) if path.name == "__init__.py" else _module(path).rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[:len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # "from package import module" imports that module; "from module import name", the module.
            names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
        else:
            continue
        for name in names:
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name:
                yield name, node.lineno


def test_the_sharing_modules_import_one_way():
    """No import cycle among the modules of ``sharing`` (nor through ``dataproducts.wire`` or ``core.placeholders``),
    counting imports inside functions: one there to dodge a cycle is still a cycle."""
    sources = dict((_module(path), (path, tree)) for path, tree in _sources("sharing"))
    known = set(sources)
    graph = {name: {imported for imported, _ in _imports(path, tree, known) if imported != name}
             for name, (path, tree) in sources.items()}
    cycles, state = [], {}

    def visit(name, trail):
        state[name] = "open"
        for nxt in sorted(graph.get(name, ())):
            if state.get(nxt) == "open":
                cycles.append(trail[trail.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, trail + [nxt])
        state[name] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert not cycles, [" -> ".join(c) for c in cycles]
