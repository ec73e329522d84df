"""Static checks on a submission's source, read by the grader (never reported by the sandbox).

:func:`function_sources` gives the source of every function an answer cell defines with a
plain ``def`` (or names once with ``f = g`` or ``f = lambda ...``), or None when the notebook
could bind that name another way (so a check such as "no Python loops" cannot be fooled by a
function whose real body is not the one shown); :func:`dynamic_binding` says which answer cells
bind names in ways no statement shows (``exec``, ``globals()[...] = ``, ``setattr`` on a module,
...), judged by what the code does and by scope, never by a variable's name;
:func:`referenced_globals` lists the names a test cell reads, which the grader imports from the
sandbox.
"""

from __future__ import annotations

import ast
import re
import symtable
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from nbformat import NotebookNode

from ..submissions import nbgrader_meta


def to_python(source: str) -> str:
    """IPython syntax (magics) turned into plain Python, as the kernel would."""
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager().transform_cell(source)

# -- what binds names dynamically -----------------------------------------------------------------

#: Built-ins that run code: any reference to the built-in (a call, or passing it on) counts.
CODE_BUILTINS = frozenset({"exec", "eval", "compile", "__import__"})
#: Built-ins that return a namespace's dict: reading it is harmless, writing it (or passing it on) binds.
NAMESPACE_BUILTINS = frozenset({"globals", "vars", "locals"})
#: Built-ins that set or delete attributes: on a module they bind its names (harmless on a method's self).
ATTRIBUTE_BUILTINS = frozenset({"setattr", "delattr"})
DYNAMIC_BUILTINS = CODE_BUILTINS | NAMESPACE_BUILTINS | ATTRIBUTE_BUILTINS
#: Attributes that are a namespace's dict (a module's or an object's, a function's globals, a frame's,
#: IPython's): reading them is harmless, writing them binds.
NAMESPACE_ATTRIBUTES = frozenset({"__dict__", "__globals__", "__builtins__", "f_globals", "f_locals",
                                  "f_builtins", "user_ns", "user_global_ns"})
#: Attributes whose assignment swaps the code a function runs.
CODE_ATTRIBUTES = frozenset({"__code__", "cell_contents"})
#: Attributes that set or delete attributes (``object.__setattr__(module, ...)``).
SETTER_ATTRIBUTES = frozenset({"__setattr__", "__delattr__"})
#: Methods of a namespace's dict that only read it.
READING_METHODS = frozenset({"get", "keys", "values", "items", "copy", "__contains__", "__getitem__",
                             "__len__", "__iter__"})
#: Built-ins a namespace's dict may be given to: they only read it.
READING_BUILTINS = frozenset({"len", "list", "sorted", "set", "tuple", "dict", "print", "repr", "str",
                              "iter", "any", "all", "frozenset"})
#: Methods of IPython's shell (``get_ipython()``) that bind no names (magics: checked by name below).
#: Any other (push, ex, ev, run_cell, user_ns, ...) may.
SHELL_METHODS = frozenset({"system", "getoutput", "run_line_magic", "run_cell_magic"})
#: Line magics that cannot bind names in the notebook (others, such as %run or %store, can).
HARMLESS_MAGICS = frozenset({"timeit", "time", "matplotlib", "prun", "config", "load_ext", "autoreload",
                             "pip", "conda", "who", "whos", "who_ls", "pinfo", "pinfo2", "psearch", "pdoc",
                             "pdef", "psource", "pfile", "precision", "xmode", "env", "pwd", "lsmagic",
                             "history", "page", "pprint", "quickref", "debug", "pdb"})
#: Line magics whose argument is Python run in the notebook: read as part of the cell.
CODE_MAGICS = frozenset({"time", "timeit", "prun"})
#: Cell magics whose body is Python run in the notebook (read as part of the cell) ...
CODE_CELL_MAGICS = frozenset({"time", "timeit", "prun", "capture"})
#: ... or is no Python at all.
OTHER_CELL_MAGICS = frozenset({"writefile", "bash", "sh", "html", "markdown", "latex", "svg",
                               "javascript", "js"})
#: Options of %timeit and %prun that take a value (``%timeit -n 10 f(x)``).
_VALUED_OPTIONS = {"timeit": "nrp", "prun": "lsDT"}
#: Packages a ``from ... import *`` may come from (it binds their names, none of the notebook's functions).
STAR_IMPORTABLE = frozenset({"numpy", "math", "cmath", "scipy", "matplotlib", "statistics"})

#: Constant attribute names that make ``getattr(x, name)`` bind dynamically.
GETATTR_NAMES = (DYNAMIC_BUILTINS | NAMESPACE_ATTRIBUTES | CODE_ATTRIBUTES | SETTER_ATTRIBUTES
                 | {"modules", "get_ipython", "import_module"})
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def _target_names(target: ast.AST) -> Iterator[str]:
    """The plain names an assignment target binds (``a``, ``a, (b, *c)``)."""
    if isinstance(target, ast.Name):
        yield target.id
    elif isinstance(target, (ast.Tuple, ast.List)):
        for elt in target.elts:
            yield from _target_names(elt)
    elif isinstance(target, ast.Starred):
        yield from _target_names(target.value)


def _own_nodes(nodes: Iterable[ast.AST]) -> Iterator[ast.AST]:
    """Every node of a scope's code: nested scopes' names, decorators, defaults and first iterables
    (which run in this scope) included, their bodies not."""
    stack = list(nodes)
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            args = node.args
            stack.extend(d for d in [*args.defaults, *args.kw_defaults] if d is not None)
            if not isinstance(node, ast.Lambda):
                stack.extend(node.decorator_list)
        elif isinstance(node, ast.ClassDef):
            stack.extend([*node.decorator_list, *node.bases, *(k.value for k in node.keywords)])
        elif isinstance(node, _COMPREHENSIONS):
            stack.append(node.generators[0].iter)
            # An assignment expression in a comprehension binds in the enclosing scope.
            stack.extend(sub.target for sub in ast.walk(node) if isinstance(sub, ast.NamedExpr))
        else:
            stack.extend(ast.iter_child_nodes(node))


def _import_bindings(node: ast.Import | ast.ImportFrom) -> Iterator[tuple[str, str]]:
    """(name bound, what it is: the module or ``module.name``) for each name an import binds."""
    for alias in node.names:
        if isinstance(node, ast.Import):
            yield (alias.asname or alias.name.split(".")[0]), (alias.name if alias.asname
                                                               else alias.name.split(".")[0])
        elif alias.name != "*":
            yield (alias.asname or alias.name), f"{'.' * node.level}{node.module or ''}.{alias.name}"


def _own_bindings(nodes: Iterable[ast.AST]) -> Iterator[tuple[str, str | None]]:
    """(name, the module it was imported from or None) for each name ``nodes`` bind in their own
    scope: assignments and deletions, defs and classes, imports, ``except ... as``, match captures."""
    for sub in _own_nodes(nodes):
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, (ast.Store, ast.Del)):
            yield sub.id, None
        elif isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            yield sub.name, None
        elif isinstance(sub, (ast.Import, ast.ImportFrom)):
            yield from _import_bindings(sub)
        elif isinstance(sub, ast.ExceptHandler) and sub.name:
            yield sub.name, None
        elif isinstance(sub, (ast.MatchAs, ast.MatchStar)) and sub.name:
            yield sub.name, None
        elif isinstance(sub, ast.MatchMapping) and sub.rest:
            yield sub.rest, None


@dataclass
class _Scope:
    """A function, lambda, class or comprehension scope (the module's is ``parent is None``)."""

    kind: str  #: "module", "function", "class" or "comprehension"
    parent: _Scope | None = None
    bound: set[str] = field(default_factory=set)  #: names local to it
    declared_global: set[str] = field(default_factory=set)
    imports: dict[str, set[str]] = field(default_factory=dict)  #: local name -> modules it was imported from
    self_name: str | None = None  #: a method's first parameter

    @classmethod
    def of(cls, node: ast.AST, parent: _Scope) -> _Scope:
        scope = cls("class" if isinstance(node, ast.ClassDef) else
                    "comprehension" if isinstance(node, _COMPREHENSIONS) else "function", parent)
        if isinstance(node, _COMPREHENSIONS):
            scope.bound = {n for gen in node.generators for n in _target_names(gen.target)}
            return scope
        nonlocal_: set[str] = set()
        body = [node.body] if isinstance(node, ast.Lambda) else node.body
        for name, origin in _own_bindings(body):
            scope.bound.add(name)
            if origin is not None:
                scope.imports.setdefault(name, set()).add(origin)
        for sub in _own_nodes(body):
            if isinstance(sub, ast.Global):
                scope.declared_global.update(sub.names)
            elif isinstance(sub, ast.Nonlocal):
                nonlocal_.update(sub.names)
        if not isinstance(node, ast.ClassDef):
            args = node.args
            params = [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
            scope.bound.update(a.arg for a in params if a is not None)
            positional = [*args.posonlyargs, *args.args]
            static = any(isinstance(d, ast.Name) and d.id == "staticmethod"
                         for d in getattr(node, "decorator_list", []))
            if parent.kind == "class" and positional and not static:
                scope.self_name = positional[0].arg
        scope.bound -= scope.declared_global | nonlocal_
        return scope


@dataclass
class _NotebookNames:
    """What the notebook's cells bind at module level, for resolving a name by scope."""

    first_bound: dict[str, tuple[int, int]] = field(default_factory=dict)  #: name -> first plain binding
    deleted: set[str] = field(default_factory=set)  #: names a ``del`` may unbind
    bound: set[str] = field(default_factory=set)  #: every name any cell binds at module level
    imports: dict[str, set[str]] = field(default_factory=dict)  #: name -> modules it was imported from
    #: names of IPython's shell, or of the function that gives it
    shells: set[str] = field(default_factory=lambda: {"get_ipython"})


def _statement_bindings(stmt: ast.stmt) -> set[str]:
    """Names a top-level statement binds whenever it runs (not in a branch, loop or nested scope)."""
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {stmt.name}
    if isinstance(stmt, (ast.Import, ast.ImportFrom)):
        return {name for name, _ in _import_bindings(stmt)}
    if isinstance(stmt, ast.Assign):
        return {n for t in stmt.targets for n in _target_names(t)}
    if isinstance(stmt, (ast.AnnAssign, ast.AugAssign)) and stmt.value is not None:
        return set(_target_names(stmt.target))
    return set()


def _is_shell(expr: ast.AST, names: _NotebookNames) -> bool:
    """``get_ipython()`` (or ``IPython.get_ipython()``), or a name it was assigned to."""
    if isinstance(expr, ast.Call):
        func = expr.func
        return ((isinstance(func, ast.Name) and func.id in names.shells)
                or (isinstance(func, ast.Attribute) and func.attr == "get_ipython"))
    return isinstance(expr, ast.Name) and expr.id in names.shells and expr.id != "get_ipython"


def _magic_code(call: ast.Call) -> tuple[str, str, str] | None:
    """(kind, magic, the Python it runs) for ``run_line_magic``/``run_cell_magic`` of a magic whose
    argument or body is Python run in the notebook."""
    func = call.func
    texts = all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in call.args)
    if not (isinstance(func, ast.Attribute) and func.attr in ("run_line_magic", "run_cell_magic")
            and call.args and texts):
        return None
    magic = call.args[0].value
    if func.attr == "run_line_magic" and magic in CODE_MAGICS and len(call.args) == 2:
        line = call.args[1].value.strip()
        options = _VALUED_OPTIONS.get(magic, "")
        while options and line.startswith("-"):
            found = re.match(r"-([A-Za-z])(\S*)\s*", line)
            if found is None:
                break
            line = line[found.end():]
            if found[1] in options and not found[2]:
                line = line.split(None, 1)[1] if len(line.split(None, 1)) == 2 else ""
        return "line", magic, line
    if func.attr == "run_cell_magic" and magic in CODE_CELL_MAGICS and len(call.args) == 3:
        return "cell", magic, call.args[2].value
    return None


def _parse(source: str) -> ast.Module | None:
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError, MemoryError, RecursionError):  # what the parser may raise
        return None


def _embedded(tree: ast.AST, depth: int = 0) -> list[ast.Module]:
    """The Python that magics of ``tree`` run in the notebook (``%time f = g``, a ``%%capture`` body)."""
    found = []
    for sub in ast.walk(tree):
        if isinstance(sub, ast.Call) and (code := _magic_code(sub)) is not None and depth < 5:
            kind, magic, text = code
            try:
                text = to_python(text) if kind == "cell" else text
            except Exception:  # noqa: BLE001 (IPython's transformer on student text)
                continue
            inner = _parse(text)
            if inner is None:  # does not run in a kernel either
                continue
            if kind == "cell" and magic == "capture":  # %%capture out binds out
                line = sub.args[1].value.split()
                names = [w for w in line if w.isidentifier()]
                inner.body[:0] = [ast.Assign([ast.Name(n, ast.Store())], ast.Constant(None))
                                  for n in names[:1]]
            found.append(inner)
            found.extend(_embedded(inner, depth + 1))
    return found


class _DynamicFinder:
    """Finds what in one top-level statement binds names dynamically, resolving each name by scope."""

    def __init__(self, names: _NotebookNames, position: tuple[int, int], label: str):
        self.names = names
        self.position = position
        self.label = label
        self.parents: dict[ast.AST, ast.AST] = {}
        self.found: list[str] = []

    def run(self, tree: ast.AST) -> list[str]:
        for parent in ast.walk(tree):
            for child in ast.iter_child_nodes(parent):
                self.parents[child] = parent
        self._visit(tree, _Scope("module"))
        return self.found

    def _report(self, node: ast.AST, what: str) -> None:
        self.found.append(f"{what} ({self.label}, line {getattr(node, 'lineno', '?')})")

    # -- scopes ---------------------------------------------------------------------------------
    def _visit(self, node: ast.AST, scope: _Scope) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            args = node.args
            outer = [d for d in [*args.defaults, *args.kw_defaults] if d is not None]
            if not isinstance(node, ast.Lambda):
                outer += node.decorator_list
                outer += [a.annotation for a in [*args.posonlyargs, *args.args, *args.kwonlyargs,
                                                 args.vararg, args.kwarg] if a is not None and a.annotation]
                outer += [node.returns] if node.returns else []
            for sub in outer:
                self._visit(sub, scope)
            inner = _Scope.of(node, scope)
            for sub in ([node.body] if isinstance(node, ast.Lambda) else node.body):
                self._visit(sub, inner)
            return
        if isinstance(node, ast.ClassDef):
            for sub in [*node.decorator_list, *node.bases, *(k.value for k in node.keywords)]:
                self._visit(sub, scope)
            inner = _Scope.of(node, scope)
            for sub in node.body:
                self._visit(sub, inner)
            return
        if isinstance(node, _COMPREHENSIONS):
            self._visit(node.generators[0].iter, scope)
            inner = _Scope.of(node, scope)
            for i, gen in enumerate(node.generators):
                for sub in [gen.target, *([gen.iter] if i else []), *gen.ifs]:
                    self._visit(sub, inner)
            for sub in ([node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]):
                self._visit(sub, inner)
            return
        self._check(node, scope)
        for child in ast.iter_child_nodes(node):
            self._visit(child, scope)

    def _binding_scope(self, name: str, scope: _Scope) -> _Scope | None:
        """The function, class or comprehension scope ``name`` resolves to, or None: the module's."""
        current, first = scope, True
        while current.parent is not None:
            if name in current.declared_global:
                return None
            if (current.kind != "class" or first) and name in current.bound:
                return current
            current, first = current.parent, False
        return None

    def _is_builtin(self, name: str, scope: _Scope) -> bool:
        """Whether ``name`` here means the built-in: bound in no enclosing scope, nor by the notebook
        (unconditionally, at top level, before this statement, and never deleted)."""
        if self._binding_scope(name, scope) is not None:
            return False
        first = self.names.first_bound.get(name)
        return first is None or first >= self.position or name in self.names.deleted

    def _origins(self, name: str, scope: _Scope) -> set[str] | None:
        """What ``name`` was imported from, or None when it is certainly no import."""
        home = self._binding_scope(name, scope)
        if home is not None:
            return home.imports.get(name)
        if name in self.names.imports:
            return self.names.imports[name]
        return None if name in self.names.bound else {"?"}  # bound by no cell: unknown, maybe a module

    def _is_module(self, expr: ast.AST, scope: _Scope, module: str | None = None) -> bool:
        if isinstance(expr, ast.Name):
            origins = self._origins(expr.id, scope)
            return origins is not None and (module is None or bool(origins & {module, "?"}))
        return False

    def _is_self(self, expr: ast.AST, scope: _Scope) -> bool:
        if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) and expr.func.id == "super":
            return True
        if not isinstance(expr, ast.Name):
            return False
        home = self._binding_scope(expr.id, scope)
        return home is not None and home.self_name == expr.id

    def _only_read(self, expr: ast.AST, scope: _Scope) -> bool:
        """Whether the namespace dict ``expr`` is only read where it is used."""
        parent = self.parents.get(expr)
        if isinstance(parent, ast.Subscript) and parent.value is expr:
            return isinstance(parent.ctx, ast.Load)
        if isinstance(parent, ast.Attribute) and parent.value is expr:
            return parent.attr in READING_METHODS
        if isinstance(parent, ast.Compare) and expr in parent.comparators:
            return all(isinstance(op, (ast.In, ast.NotIn)) for op in parent.ops)
        if isinstance(parent, ast.Call) and expr in parent.args:
            func = parent.func
            return (isinstance(func, ast.Name) and func.id in READING_BUILTINS
                    and self._is_builtin(func.id, scope))
        if isinstance(parent, (ast.For, ast.AsyncFor, ast.comprehension)) and parent.iter is expr:
            return True
        if isinstance(parent, ast.keyword) and parent.arg is None:  # f(**locals()), "...".format(**vars())
            return True
        if isinstance(parent, ast.Dict):  # {**globals()}
            return any(k is None and v is expr for k, v in zip(parent.keys, parent.values))
        return isinstance(parent, (ast.Starred, ast.FormattedValue))

    def _is_builtins_module(self, expr: ast.AST, scope: _Scope) -> bool:
        return self._is_module(expr, scope, "builtins") or self._is_module(expr, scope, "__builtin__")

    def _check_key(self, namespace: ast.AST) -> None:
        """A namespace dict read at the name of a built-in that binds (``vars(m)['exec']``)."""
        parent = self.parents.get(namespace)
        if (isinstance(parent, ast.Subscript) and isinstance(parent.slice, ast.Constant)
                and parent.slice.value in DYNAMIC_BUILTINS):
            self._report(parent, f"{ast.unparse(parent)}")

    def _called(self, node: ast.AST) -> ast.Call | None:
        parent = self.parents.get(node)
        return parent if isinstance(parent, ast.Call) and parent.func is node else None

    # -- what a node does -----------------------------------------------------------------------
    def _check(self, node: ast.AST, scope: _Scope) -> None:
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            self._check_name(node, scope)
        elif isinstance(node, ast.Attribute):
            self._check_attribute(node, scope)
        elif isinstance(node, ast.Call) and _is_shell(node, self.names):
            self._check_shell(node)
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            for alias in node.names:
                origin = f"{module}.{alias.name}"
                if alias.name == "*" and (node.level or module.split(".")[0] not in STAR_IMPORTABLE):
                    self._report(node, f"from {'.' * node.level}{module} import *")
                elif (module in ("builtins", "__builtin__") and alias.name in DYNAMIC_BUILTINS) or origin in (
                        "sys.modules", "importlib.import_module"):
                    self._report(node, f"from {module} import {alias.name}")
        elif isinstance(node, ast.Constant) and node.value == "__builtins__":
            self._report(node, "'__builtins__'")

    def _check_name(self, node: ast.Name, scope: _Scope) -> None:
        name = node.id
        if name in self.names.shells:
            call = self._called(node)
            if name == "get_ipython" and call is None:
                self._report(node, "get_ipython passed on")
            elif name != "get_ipython":  # a name for the shell (in any scope: it may be a local's)
                self._check_shell(node)
            return
        if name == "__builtins__":
            self._report(node, "__builtins__")
            return
        if name not in DYNAMIC_BUILTINS and name != "getattr" or not self._is_builtin(name, scope):
            return
        call = self._called(node)
        if name in CODE_BUILTINS:
            self._report(node, f"{name}(...)" if call else f"{name} passed on")
        elif name in NAMESPACE_BUILTINS:
            if name == "vars" and call is not None and call.args and self._is_self(call.args[0], scope):
                return  # vars(self).update(kwargs): an object's own attributes, as setattr(self, ...)
            if call is None or not self._only_read(call, scope):
                self._report(node, f"{name}() written to" if call else f"{name} passed on")
            elif call.args and self._is_builtins_module(call.args[0], scope):
                self._report(node, f"{name}({ast.unparse(call.args[0])})")
            else:
                self._check_key(call)
        elif name in ATTRIBUTE_BUILTINS:
            if call is None or not call.args or not self._is_self(call.args[0], scope):
                self._report(node, f"{name}(...) on something other than a method's self")
        elif name == "getattr" and call is not None and len(call.args) >= 2:
            attr = call.args[1]
            if isinstance(attr, ast.Constant):
                if attr.value in GETATTR_NAMES:
                    self._report(node, f"getattr(..., {attr.value!r})")
            elif any(self._is_module(call.args[0], scope, m)
                     for m in ("builtins", "__builtin__", "sys", "importlib")):
                self._report(node, f"getattr({ast.unparse(call.args[0])}, <a computed name>)")

    def _check_attribute(self, node: ast.Attribute, scope: _Scope) -> None:
        attr, value = node.attr, node.value
        storing = isinstance(node.ctx, (ast.Store, ast.Del))
        if attr == "__dict__" and self._is_self(value, scope):
            pass  # self.__dict__.update(kwargs): an object's own attributes, as setattr(self, ...)
        elif attr in NAMESPACE_ATTRIBUTES and not (storing is False and self._only_read(node, scope)):
            self._report(node, f".{attr} written to")
        elif attr in NAMESPACE_ATTRIBUTES and self._is_builtins_module(value, scope):
            self._report(node, f"{ast.unparse(node)}")
        elif attr in NAMESPACE_ATTRIBUTES:
            self._check_key(node)
        elif attr in CODE_ATTRIBUTES and storing:
            self._report(node, f".{attr} assigned")
        elif attr in SETTER_ATTRIBUTES:
            call = self._called(node)
            first = call.args[0] if call is not None and call.args else None
            if not (self._is_self(value, scope) or (first is not None and self._is_self(first, scope))):
                self._report(node, f".{attr}(...) on something other than a method's self")
        elif attr == "get_ipython" and self._called(node) is None:
            self._report(node, "get_ipython passed on")
        elif attr == "import_module":
            self._report(node, "importlib.import_module(...)")
        elif attr == "modules" and self._is_module(value, scope, "sys"):
            parent = self.parents.get(node)
            if not (isinstance(parent, ast.Compare) and node in parent.comparators
                    and all(isinstance(op, (ast.In, ast.NotIn)) for op in parent.ops)):
                self._report(node, "sys.modules")
        elif attr in DYNAMIC_BUILTINS and self._is_builtins_module(value, scope):
            self._report(node, f"builtins.{attr}")
        if storing:  # module.name = ..., np.linalg.inv = ..., globals()['np'].dot = ...
            root: ast.AST = value
            while isinstance(root, (ast.Attribute, ast.Subscript)):
                root = root.value
            if self._is_module(root, scope):
                self._report(node, f"{ast.unparse(node)} assigned (an attribute of a module)")
            elif (isinstance(root, ast.Call) and isinstance(root.func, ast.Name)
                  and root.func.id in NAMESPACE_BUILTINS and self._is_builtin(root.func.id, scope)):
                self._report(node, f"{ast.unparse(node)} assigned")

    def _check_shell(self, expr: ast.AST) -> None:
        """``get_ipython()`` (or a name for it): harmless only for a few methods and harmless magics."""
        parent = self.parents.get(expr)
        if isinstance(parent, ast.Attribute) and parent.value is expr:
            call = self._called(parent)
            first = call.args[0] if call is not None and call.args else None
            magic = first.value if isinstance(first, ast.Constant) else None
            if parent.attr not in SHELL_METHODS:
                self._report(parent, f"get_ipython().{parent.attr}")
            elif parent.attr == "run_line_magic" and magic not in HARMLESS_MAGICS:
                self._report(parent, f"%{magic}" if isinstance(magic, str) else "a computed line magic")
            elif parent.attr == "run_cell_magic" and magic not in CODE_CELL_MAGICS | OTHER_CELL_MAGICS:
                self._report(parent, f"%%{magic}" if isinstance(magic, str) else "a computed cell magic")
        elif isinstance(parent, ast.Assign) and parent.value is expr and all(
                isinstance(t, ast.Name) for t in parent.targets):
            return  # a name for the shell: its own uses are checked
        elif not isinstance(parent, ast.Expr):
            self._report(expr, "get_ipython() passed on")


@dataclass
class _Cell:
    index: int  #: the answer cell's place among the answer cells
    label: str  #: its grade_id, for messages
    source: str  #: as plain Python
    tree: ast.Module
    embedded: list[list[ast.Module]]  #: per top-level statement, the Python its magics run


def _answer_cells(nb: NotebookNode) -> tuple[list[_Cell], list[ast.Module]]:
    """The parsed answer cells, and the parsed other code cells (the instructor's, trusted)."""
    cells, others = [], []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        try:
            source = to_python(cell.source)
        except Exception:  # noqa: BLE001 (IPython's transformer on student text)
            continue
        tree = _parse(source)
        if tree is None:
            continue
        meta = nbgrader_meta(cell)
        if not meta.get("solution"):
            others.append(tree)
            continue
        try:
            embedded = [_embedded(stmt) for stmt in tree.body]
        except RecursionError:
            embedded = [[] for _ in tree.body]
        cells.append(_Cell(len(cells), str(meta.get("grade_id") or f"answer cell {len(cells) + 1}"),
                           source, tree, embedded))
    return cells, others


def _notebook_names(cells: list[_Cell], others: list[ast.Module]) -> _NotebookNames:
    names = _NotebookNames()
    modules = [*others, *(c.tree for c in cells), *(m for c in cells for ms in c.embedded for m in ms)]
    for tree in modules:  # module-level bindings, of every cell
        for name, origin in _own_bindings(tree.body):
            names.bound.add(name)
            if origin is not None:
                names.imports.setdefault(name, set()).add(origin)
                if origin.endswith(".get_ipython"):
                    names.shells.add(name)
    for cell in cells:
        for j, stmt in enumerate(cell.tree.body):
            for name in _statement_bindings(stmt):
                names.first_bound.setdefault(name, (cell.index, j))
        for sub in ast.walk(cell.tree):
            if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Del):
                names.deleted.add(sub.id)
    trees = [c.tree for c in cells] + [m for c in cells for ms in c.embedded for m in ms]
    grew = True
    while grew:  # ip = get_ipython(); shell = ip
        grew = False
        for tree in trees:
            for sub in ast.walk(tree):
                if isinstance(sub, ast.Assign) and _is_shell(sub.value, names):
                    new = {n for t in sub.targets for n in _target_names(t)} - names.shells
                    names.shells |= new
                    grew = grew or bool(new)
    return names


@dataclass
class SourceReading:
    """What the grader reads of a notebook's answer cells."""

    sources: dict[str, str | None]  #: function name -> its source, or None when it cannot be verified
    why: dict[str, str]  #: function name -> why its source cannot be verified
    dynamic: list[str]  #: what binds names dynamically, each with its cell and line


def read_sources(nb: NotebookNode) -> SourceReading:
    """The source of every function the answer cells define, and why some cannot be verified.

    A ``def`` at the top level of an answer cell gives its name its source, and so does an alias
    ``f = g`` of such a function or ``f = lambda ...`` (a plain name bound once, at the top level).
    A name gets no source (None) when the notebook can bind it in some other way as well: a
    function that is decorated, defined twice, also assigned, imported or bound in a nested block,
    or, when any answer cell binds names dynamically (a call to the built-in ``exec``, ``eval``,
    ``compile`` or ``__import__``, a write to ``globals()``/``vars()``/``locals()``, ``setattr`` on
    a module, ``sys.modules``, an attribute of a module assigned, IPython's ``push``/``run_cell``/
    ``user_ns``, a magic such as ``%run``), every function.
    """
    cells, others = _answer_cells(nb)
    names = _notebook_names(cells, others)
    defs: dict[str, list[tuple[tuple[int, int], str]]] = {}  # name -> [(position, source)]
    aliases: dict[str, list[tuple[tuple[int, int], ast.expr, str]]] = {}  # name -> [(position, value, src)]
    tainted: dict[str, str] = {}
    dynamic: list[str] = []

    def taint(found: Iterable[str], why: str) -> None:
        for name in found:
            tainted.setdefault(name, why)

    for cell in cells:
        for j, node in enumerate(cell.tree.body):
            position = (cell.index, j)
            where = f"{cell.label}, line {node.lineno}"
            try:
                for tree in [node, *cell.embedded[j]]:
                    dynamic.extend(_DynamicFinder(names, position, cell.label).run(tree))
            except RecursionError:
                dynamic.append(f"code nested too deeply to read ({where})")
            for inner in cell.embedded[j]:
                for stmt in inner.body:
                    taint(_bound_names(stmt) | _statement_bindings(stmt), f"bound inside a magic ({where})")
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if node.decorator_list:
                    tainted.setdefault(node.name, f"decorated ({where})")
                source = ast.get_source_segment(cell.source, node) or ""
                defs.setdefault(node.name, []).append((position, source))
                # Names bound inside the def are local, but its defaults and decorators run here.
                for expr in [*node.decorator_list, *node.args.defaults, *node.args.kw_defaults]:
                    if expr is not None:
                        taint(_bound_names(expr), f"bound in a default or decorator of {node.name} ({where})")
                for sub in ast.walk(node):  # a ``global`` inside lets it rebind notebook names
                    if isinstance(sub, ast.Global):
                        taint(sub.names, f"declared global in {node.name} ({where})")
            elif (isinstance(node, ast.Assign) and [type(t) for t in node.targets] == [ast.Name]
                  and isinstance(node.value, (ast.Name, ast.Lambda))):
                source = ast.get_source_segment(cell.source, node.value) or ""
                aliases.setdefault(node.targets[0].id, []).append((position, node.value, source))
                if isinstance(node.value, ast.Lambda):
                    for expr in [*node.value.args.defaults, *node.value.args.kw_defaults]:
                        if expr is not None:
                            taint(_bound_names(expr), f"bound in the default of a lambda ({where})")
                    for sub in ast.walk(node.value):
                        if isinstance(sub, ast.NamedExpr):
                            taint(_target_names(sub.target), f"bound inside a lambda ({where})")
            else:
                taint(_bound_names(node), f"bound by a statement other than its def ({where})")
                if isinstance(node, ast.ClassDef):
                    tainted.setdefault(node.name, f"a class ({where})")

    def of_function(name: str, seen: frozenset[str] = frozenset()) -> bool:
        """Whether ``name`` is defined, or named by an alias, as a function (a def or a lambda)."""
        return name in defs or any(
            isinstance(value, ast.Lambda) or (value.id not in seen and of_function(value.id, seen | {name}))
            for _, value, _ in aliases.get(name, []))

    functions = [*defs, *(name for name in aliases if name not in defs and of_function(name))]
    if dynamic:
        why = (f"the notebook binds names in a way the grader cannot follow: {dynamic[0]}"
               + (f" (and {len(dynamic) - 1} more)" if len(dynamic) > 1 else ""))
        return SourceReading(dict.fromkeys(functions), dict.fromkeys(functions, why), dynamic)

    sources: dict[str, str | None] = {}
    why: dict[str, str] = {}

    def resolve(name: str, before: tuple[int, int], seen: frozenset[str]) -> tuple[str | None, str]:
        """The source ``name`` has at ``before``: that of its only binding, a def or an alias."""
        bindings = len(defs.get(name, [])) + len(aliases.get(name, []))
        if name in tainted:
            return None, tainted[name]
        if bindings != 1:
            return None, (f"{name} is bound {bindings} times in the answer cells" if bindings
                          else f"{name} is not a function defined in an answer cell")
        if name in defs:
            ((position, source),) = defs[name]
            return (source, "") if position < before else (None, f"{name} is defined after its use")
        ((position, value, source),) = aliases[name]
        if position >= before:
            return None, f"{name} is bound after its use"
        if isinstance(value, ast.Lambda):
            return source, ""
        if value.id in seen:
            return None, f"{name} is an alias of itself"
        target, reason = resolve(value.id, position, seen | {name})
        return target, (reason and f"{name} = {value.id}, and {reason}")

    for name in functions:
        source, reason = resolve(name, (len(cells), 0), frozenset())
        sources[name] = source
        if source is None:
            why[name] = reason
    return SourceReading(sources, why, [])


def function_sources(nb: NotebookNode) -> dict[str, str | None]:
    """Source of every function the answer cells define, read here (not reported by the sandbox),
    for static checks: None for a name whose source cannot be verified (see :func:`read_sources`)."""
    return read_sources(nb).sources


def dynamic_binding(nb: NotebookNode) -> list[str]:
    """What in the answer cells binds names dynamically (empty when nothing does), with cell and line."""
    return read_sources(nb).dynamic


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
