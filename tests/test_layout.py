"""The house rules, checked on the code itself: wings import only the core, physical
parameters are keyword-only, and every registered figure is complete."""

import ast
import importlib
import inspect
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import aim
from aim.cli import WINGS as CLI_WINGS
from aim.core.jobs import resolve
from aim.figures import REGISTRY, WINGS

ROOT = Path(aim.__file__).parent
PHYSICAL = {"alpha", "alpha_bar", "rho", "d", "T", "delta", "beta", "n", "r", "seed", "students"}


def _aim_imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return {name for name in found if name.startswith("aim.")}


PACKAGES = sorted(p.name for p in ROOT.iterdir() if p.is_dir() and (p / "__init__.py").exists())


def test_every_wing_package_has_a_command_line():
    assert set(PACKAGES) - {"core"} == set(CLI_WINGS)


@pytest.mark.parametrize("wing", sorted(CLI_WINGS))
def test_a_wing_imports_the_core_and_itself_only(wing):
    for path in (ROOT / wing).rglob("*.py"):
        for name in _aim_imports(path):
            assert name.split(".")[1] in ("core", wing), f"{path.name} imports {name}"


def test_the_core_imports_no_wing():
    for path in (ROOT / "core").rglob("*.py"):
        for name in _aim_imports(path):
            assert name.startswith("aim.core"), f"{path.name} imports {name}"


def _public_callables():
    for info in pkgutil.walk_packages(aim.__path__, "aim."):
        if info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
                continue
            if inspect.isfunction(obj):
                yield f"{info.name}.{name}", obj
            elif inspect.isclass(obj):
                yield f"{info.name}.{name}", obj.__init__
                for attr, member in vars(obj).items():
                    if inspect.isfunction(member) and not attr.startswith("_"):
                        yield f"{info.name}.{name}.{attr}", member


def test_physical_parameters_are_keyword_only():
    """Swapping two floats must fail loudly: wherever a public function or class takes more
    than one argument, alpha, rho, d, T, ... go by keyword."""
    offenders = []
    for name, func in _public_callables():
        params = [p for p in inspect.signature(func).parameters.values() if p.name != "self"]
        if len(params) < 2:
            continue
        offenders += [
            f"{name}({p.name})"
            for p in params
            if p.name in PHYSICAL and p.kind is not inspect.Parameter.KEYWORD_ONLY
        ]
    assert offenders == []


@pytest.mark.parametrize("figure", REGISTRY.values(), ids=list(REGISTRY))
def test_every_registered_figure_is_complete(figure):
    repo = ROOT.parent
    assert figure.id.startswith(f"{figure.paper}_") and figure.paper in WINGS
    assert (repo / figure.caption).read_text().strip()
    assert callable(resolve(figure.gather)) and callable(resolve(figure.plot))
    assert figure.aggregate.startswith(f"results/{figure.paper}/aggregated/")
    assert all(p.startswith(f"results/{figure.paper}/figures/") for p in figure.images.values())


def test_every_caption_file_belongs_to_a_figure_or_a_report_table():
    captions = {p.stem for p in (ROOT.parent / "workflow/report").glob("*.rst")}
    assert captions == set(REGISTRY) | {"bayes_validation"}


def test_every_registered_figure_is_a_snakemake_target():
    out = subprocess.run(
        [sys.executable, "-m", "snakemake", "--list-rules"],
        cwd=ROOT.parent,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert set(REGISTRY) <= set(out)


@pytest.mark.parametrize(
    "module", ["aim.bayes.amp_runs", "aim.bayes.theory", "aim.figures", "aim.erm.state_evolution"]
)
def test_amp_theory_and_registry_never_import_torch(module):
    code = f"import sys, {module}\nprint('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "False", out.stderr
