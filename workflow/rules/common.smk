import math
from pathlib import Path

from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

from aim.core.codedeps import code_fingerprint
from aim.core.io import duplicate_yaml_keys, summary_values
from aim.core.validation import InputError, non_finite_keys
from aim.figures import REGISTRY, WINGS, figures_of


def config_error(message):
    """Stop before any job is planned, with one line naming the key."""
    raise SystemExit(f"config error: {message}")


def validate_config(cfg):
    """Duplicate keys, non-finite numbers, then the schema: the first fault, one line."""
    for path in workflow.configfiles:
        for fault in duplicate_yaml_keys(path):
            config_error(f"{path}: {fault}")
    for fault in non_finite_keys(cfg):
        config_error(fault)
    try:
        validate(cfg, "../schemas/config.schema.yaml")
    except WorkflowError as err:
        cause = (
            err.__context__
        )  # the jsonschema ValidationError, raised inside validate
        if not hasattr(cause, "absolute_path"):
            raise
        key = ".".join(map(str, cause.absolute_path)) or "(top level)"
        moved = {"hardmax", "softmax", "solver"} & set(
            cfg
        )  # the first release's layout
        hint = f"; {', '.join(sorted(moved))} now live under 'bayes:'" if moved else ""
        config_error(f"{key}: {cause.message}{hint}")


validate_config(config)

PAPERS = [paper for paper in WINGS if paper in config]
# The figures this config can build: those of the papers it has a section for.
FIGURES = {figure.id: figure for figure in figures_of(PAPERS)}
config.setdefault("figures", list(FIGURES))


def check_figures(requested):
    for name in requested:
        if name not in REGISTRY:
            config_error(
                f"figures: unknown figure {name!r}; known: {', '.join(REGISTRY)}"
            )
        if name not in FIGURES:
            config_error(
                f"figures: {name} needs the config section "
                f"'{REGISTRY[name].paper}', which is absent"
            )


check_figures(config["figures"])

# The checkout whose library and scripts the jobs run (moving it reruns nothing: only the
# code's content enters the fingerprints).
ROOT = Path(workflow.basedir)
EFFECTIVE_CONFIG = "results/effective_config.yaml"
EXTRA_TARGETS = []  # products beside the figures (a wing adds its own)


wildcard_constraints:
    paper="|".join(PAPERS) or "none",
    figure="|".join(FIGURES) or "none",
    rho=r"[0-9][0-9.e+-]*|inf",
    T=r"[0-9]+",
    variant="exact|published",
    teacher="natural|authors",
    channel="softmax|hardmax",
    alpha=r"[0-9][0-9.e+-]*",
    d=r"[0-9]+",
    seeds=r"[0-9]+-[0-9]+",
    seed=r"[0-9]+",
    K=r"[0-9]+",


def code_of(script, *modules):
    """The `code` param of a job: a fingerprint of the library code that its script
    imports (and of `modules`), blind to docstrings and comments. With the params rerun
    trigger, an edit to that code reruns the job, and nothing else does."""
    return code_fingerprint(
        ROOT, scripts=[ROOT / "workflow/scripts" / script], modules=modules
    )


def module_of(target):
    """'package.module:function' -> 'package.module'."""
    return target.partition(":")[0]


def canonical(mapping):
    """A config mapping in sorted key order: reordering keys in a config file is no change
    to a job's parameters (Snakemake compares their text)."""
    return dict(sorted(mapping.items()))


def minutes(seconds, attempt):
    """A job's runtime request: twice the estimate, times the attempt, at least 5 min."""
    return max(5, math.ceil(2 * attempt * seconds / 60))


def light_memory(wildcards, attempt):
    """Theory curves, gathers and plots: well under 2 GB."""
    return 2000 * attempt


def light_runtime(wildcards, attempt):
    return 30 * attempt


def figure_targets(ids):
    return [path for name in ids for path in REGISTRY[name].images.values()]


def gather_inputs(wildcards):
    figure = FIGURES[wildcards.figure]
    if figure.paper != wildcards.paper:
        raise ValueError(
            f"figure {figure.id} belongs to {figure.paper}, not {wildcards.paper}"
        )
    return figure.inputs(config[figure.paper])
