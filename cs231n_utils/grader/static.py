"""Static checks on a submission's source, read by the grader (never reported by the sandbox).

:func:`function_sources` gives the source of every function an answer cell defines with a
plain ``def``, or None when the notebook could bind that name another way (so a check such as
"no Python loops" cannot be fooled by a function whose real body is not the one shown);
:func:`referenced_globals` lists the names a test cell reads, which the grader imports from
the sandbox.
"""

from __future__ import annotations

import ast
import symtable

from nbformat import NotebookNode

from ..submissions import nbgrader_meta


def to_python(source: str) -> str:
    """IPython syntax (magics) turned into plain Python, as the kernel would."""
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager().transform_cell(source)

#: Calls and attributes through which a cell can bind names without a statement that says so.
DYNAMIC_BINDING = frozenset({"exec", "eval", "compile", "globals", "vars", "locals", "setattr",
                             "__import__", "__dict__", "__code__", "user_ns", "user_global_ns",
                             "modules", "push", "run_cell", "run_cell_magic", "ex", "ev"})

#: Line magics that cannot bind names in the notebook (others, such as %run, can).
HARMLESS_MAGICS = frozenset({"timeit", "time", "matplotlib", "prun", "config", "load_ext",
                             "autoreload", "pip", "who", "whos"})

def _bound_names(node: ast.AST) -> set[str]:
    """Names a top-level statement binds in the notebook's namespace (not counting a plain def)."""
    names: set[str] = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, (ast.Store, ast.Del)):
            names.add(sub.id)
        elif isinstance(sub, ast.Attribute | ast.Subscript) and isinstance(sub.ctx, (ast.Store, ast.Del)):
            base = sub.value
            while isinstance(base, ast.Attribute | ast.Subscript):
                base = base.value
            if isinstance(base, ast.Name):  # f.__code__ = ..., f.__wrapped__ = ...
                names.add(base.id)
        elif isinstance(sub, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in sub.names)
        elif isinstance(sub, ast.Global):
            names.update(sub.names)
        elif isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and sub is not node:
            names.add(sub.name)
        elif isinstance(sub, ast.MatchAs | ast.MatchStar) and sub.name:
            names.add(sub.name)
    return names

def _dynamic(tree: ast.AST) -> bool:
    for sub in ast.walk(tree):
        if isinstance(sub, ast.Name) and sub.id in DYNAMIC_BINDING:
            return True
        if isinstance(sub, ast.Attribute) and sub.attr in DYNAMIC_BINDING:
            return True
        if (isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute)
                and sub.func.attr == "run_line_magic"):
            magic = sub.args[0] if sub.args else None
            if not (isinstance(magic, ast.Constant) and magic.value in HARMLESS_MAGICS):
                return True
    return False

def function_sources(nb: NotebookNode) -> dict[str, str | None]:
    """Source of every top-level ``def`` in the answer cells, read here (not reported by the
    sandbox), for static checks.

    A name gets its source only when the notebook can bind it in no other way: a function that
    is decorated, defined twice, also assigned, imported or bound in a nested block, or that
    lives beside code binding names dynamically (``exec``, ``globals()``, ``setattr``, ...),
    maps to None, which the checks treat as unverifiable.
    """
    out: dict[str, str | None] = {}
    tainted: set[str] = set()
    dynamic = False
    for cell in nb.cells:
        if cell.cell_type != "code" or not nbgrader_meta(cell).get("solution"):
            continue
        try:
            source = to_python(cell.source)
            tree = ast.parse(source)
        except (SyntaxError, ValueError, MemoryError, RecursionError):  # what the parser may raise
            continue
        try:
            dynamic = dynamic or _dynamic(tree)
        except RecursionError:
            dynamic = True
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if node.name in out or node.decorator_list:
                    tainted.add(node.name)
                out[node.name] = ast.get_source_segment(source, node) or ""
                # Names bound inside the def are local, but its defaults and decorators run here.
                for expr in [*node.decorator_list, *node.args.defaults, *node.args.kw_defaults]:
                    if expr is not None:
                        tainted.update(_bound_names(expr))
                for sub in ast.walk(node):  # a ``global`` inside lets it rebind notebook names
                    if isinstance(sub, ast.Global):
                        tainted.update(sub.names)
            else:
                tainted.update(_bound_names(node))
                if isinstance(node, ast.ClassDef):
                    tainted.add(node.name)
    if dynamic:
        return dict.fromkeys(out)
    return {name: (None if name in tainted else src) for name, src in out.items()}

def referenced_globals(source: str) -> set[str]:
    """Global names a cell reads (module level and inside its functions)."""
    try:
        top = symtable.symtable(source, "<cell>", "exec")
    except SyntaxError:
        return set()
    names: set[str] = set()
    stack = [top]
    while stack:
        table = stack.pop()
        for sym in table.get_symbols():
            if sym.is_referenced() and (table is top or sym.is_global()):
                names.add(sym.get_name())
        stack.extend(table.get_children())
    return names
