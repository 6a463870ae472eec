"""The shape of docgen/: no import cycle (imports inside functions count too) and no module over 600 lines."""
import ast
from pathlib import Path

PKG = Path(__file__).resolve().parent.parent / "docgen"


def _module(path: Path) -> str:
    parts = ["docgen", *path.relative_to(PKG).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking_only(node: ast.AST, parents: dict) -> bool:
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            return True
    return False


def import_graph() -> dict[str, set[str]]:
    """Module → the docgen modules it imports (at import time or inside a function; not TYPE_CHECKING)."""
    modules = {_module(p): p for p in PKG.rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        for node in ast.walk(tree):
            if _type_checking_only(node, parents):
                continue
            targets = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                    base = ".".join(up + ([base] if base else []))
                subs = [f"{base}.{a.name}" for a in node.names]
                # "from . import oxml" imports the submodule; the package itself only if a name is not one
                targets = subs + ([] if all(t in modules for t in subs) else [base])
            for t in targets:
                # every module's own packages are imported before it: not an edge of a cycle
                if t in modules and t != name and not name.startswith(t + "."):
                    graph[name].add(t)
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(n: str) -> list[str] | None:
        state[n] = 1
        stack.append(n)
        for d in sorted(graph[n]):
            if state.get(d) == 1:
                return stack[stack.index(d):] + [d]
            if d not in state and (found := visit(d)):
                return found
        stack.pop()
        state[n] = 2
        return None

    for n in sorted(graph):
        if n not in state and (found := visit(n)):
            return found
    return None


def test_the_graph_sees_the_layers():
    g = import_graph()
    assert "docgen.model.nodes" in g["docgen.model"]
    assert "docgen.writers.pdf.rl_patches" in g["docgen.writers.pdf.fonts"]
    assert g["docgen.model.nodes"] == set()           # the model imports nothing else of docgen


# Cycles that remain, each someone's follow-up (remove the entry when it is gone). None: the cli/ package's
# modules import only cli/common.py, and exam's load_bank lives in importers.py beside the readers it calls.
KNOWN: set[frozenset[str]] = set()


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    graph = {k: set(v) for k, v in graph.items()}
    found = []
    while (cycle := _cycle(graph)) is not None:
        found.append(cycle)
        graph[cycle[-2]].discard(cycle[-1])    # cut the closing edge and look for the next one
    return found


def test_no_import_cycle_inside_docgen():
    new = [c for c in _cycles(import_graph()) if frozenset(c) not in KNOWN]
    assert new == [], "; ".join(" → ".join(c) for c in new)


def test_the_cycle_check_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]


def test_no_module_over_600_lines():
    long = {str(p.relative_to(PKG.parent)): n for p in PKG.rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 600}
    assert long == {}
