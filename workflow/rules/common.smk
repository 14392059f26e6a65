from pathlib import Path

from snakemake.utils import validate

from aim.io import format_value

validate(config, "../schemas/config.schema.yaml")


def check_ranges(cfg):
    """What the schema cannot say: each range's lower end lies below its upper end."""
    ranges = {
        "hardmax.alpha": (
            cfg["hardmax"]["alpha"]["min"],
            cfg["hardmax"]["alpha"]["max"],
        ),
        "hardmax.alpha_bar": (
            cfg["hardmax"]["alpha_bar"]["min"],
            cfg["hardmax"]["alpha_bar"]["max"],
        ),
        "softmax.x": (cfg["softmax"]["x"]["min_log"], cfg["softmax"]["x"]["max"]),
    }
    for key, (lo, hi) in ranges.items():
        if not lo < hi:
            raise ValueError(
                f"config {key}: the lower end {lo} must be below the upper end {hi}"
            )


check_ranges(config)

AIM = Path(workflow.basedir) / "aim"
# The aim modules each stage imports: declared as inputs so that editing one reruns
# exactly the jobs that use it.
THEORY_CODE = [
    str(AIM / f"{m}.py")
    for m in ("prior", "gaussian", "channels", "state_evolution", "curves", "io")
]
AGGREGATE_CODE = [str(AIM / f"{m}.py") for m in ("aggregate", "curves", "io")]
PLOT_CODE = [str(AIM / "plotting.py")]

HARDMAX_FIGURES = {"fig_hardmax": "exact", "fig_hardmax_published": "published"}


wildcard_constraints:
    rho=r"[0-9][0-9.e+-]*|inf",
    T=r"[0-9]+",
    variant="exact|published",
    figure="fig_[a-z_]+",


def hardmax_rhos():
    hm = config["hardmax"]
    return sorted(set(hm["rho"]) | set(hm["rho_rescaled"]))


def hardmax_curves(variant):
    return [
        f"results/theory/hardmax_{variant}_T2_rho{format_value(r)}.nc"
        for r in hardmax_rhos() + [0.0]
    ]


def softmax_left_curves():
    rhos = config["softmax"]["rho"] + [float("inf")]
    return [f"results/theory/softmax_T2_rho{format_value(r)}.nc" for r in rhos]


def softmax_universal_curves():
    rho = format_value(config["softmax"]["rho_universal"])
    return [f"results/theory/softmax_T{T}_rho{rho}.nc" for T in config["softmax"]["T"]]


def figure_targets(figures):
    return [f"results/figures/{f}.{ext}" for f in figures for ext in ("pdf", "png")]
