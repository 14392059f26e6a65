"""Which library code a pipeline job runs, and a fingerprint of it that ignores docstrings,
comments and formatting.

A job's code dependencies are the modules its script imports, followed transitively
through every `import aim...` (also those inside functions), plus the packages' __init__
files on the way. The fingerprint hashes the syntax trees of those files with docstrings
removed, so a comment, a docstring or a reflowed line reruns nothing, and an edit to any
statement reruns exactly the jobs whose code it is.
"""

from __future__ import annotations

import ast
import hashlib
from functools import cache
from pathlib import Path

PACKAGE = "aim"


def _module_path(root: Path, name: str) -> Path | None:
    """The file of module `name` under root (a package's __init__.py), or None."""
    base = root.joinpath(*name.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


def _package_inits(root: Path, name: str) -> list[str]:
    """Every package that `import name` executes on the way: 'aim', 'aim.core', ..."""
    parts = name.split(".")
    return [".".join(parts[:k]) for k in range(1, len(parts))]


def imported_modules(root: Path, path: Path) -> set[str]:
    """The aim modules a file imports, anywhere in it (lazy imports included)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from aim.core import io` imports the module aim.core.io as well
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        found.update(n for n in names if n.split(".")[0] == PACKAGE and _module_path(root, n))
    return found


@cache
def _closure(root: Path, modules: tuple[str, ...]) -> tuple[Path, ...]:
    todo, seen = list(modules), set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo.extend(_package_inits(root, name))
        path = _module_path(root, name)
        if path is None:
            raise ModuleNotFoundError(f"no module {name} under {root}")
        todo.extend(imported_modules(root, path))
    return tuple(sorted(_module_path(root, name) for name in seen))


def code_closure(root: str | Path, *, scripts=(), modules=()) -> list[Path]:
    """The library files that running `scripts` (paths) and importing `modules` (dotted
    names) executes, for the aim package found under `root`."""
    root = Path(root)
    start = set(modules)
    for script in scripts:
        start |= imported_modules(root, Path(script))
    return list(_closure(root, tuple(sorted(start))))


def _without_docstrings(tree: ast.AST) -> ast.AST:
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (
            isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        ):
            node.body = body[1:] or [ast.Pass()]
    return tree


@cache
def _file_fingerprint(path: Path, mtime_ns: int) -> str:
    tree = _without_docstrings(ast.parse(path.read_text(), filename=str(path)))
    return hashlib.sha256(ast.dump(tree).encode()).hexdigest()


def code_fingerprint(root: str | Path, *, scripts=(), modules=()) -> str:
    """A short hash of the code a job runs (see code_closure), blind to docstrings,
    comments and formatting."""
    root = Path(root)
    digest = hashlib.sha256()
    for path in code_closure(root, scripts=scripts, modules=modules):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(_file_fingerprint(path, path.stat().st_mtime_ns).encode())
    return digest.hexdigest()[:16]
