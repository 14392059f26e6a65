# The deep section of the config, its checks, and the resources of its jobs.
import hashlib

from aim.deep import targets as deep

DEEP = config["deep"]
try:
    deep.check_section(
        DEEP, limits=config["limits"], job_sizes=workflow.is_main_process
    )
except InputError as err:
    config_error(err)


wildcard_constraints:
    layers="2|3",
    skip=r"[0-9][0-9.e+-]*",
    runs=r"[0-9]+-[0-9]+",


def deep_model(wildcards):
    """The model keywords a job's file name spells (every number but the grids)."""
    kinds = {"layers": int, "skip": float, "alpha": float, "d": int, "seed": int}
    return {
        k: kind(getattr(wildcards, k))
        for k, kind in kinds.items()
        if hasattr(wildcards, k)
    }


def file_digest(path):
    """The content hash of a data file (a changed file reruns its jobs), or 'missing': the
    job then stops with a one-line error naming it."""
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return "missing"


def deep_theory_runtime(wildcards, attempt):
    """SE curves and threshold curves: measured per point (one core, L = 2 about 10 s per
    point of the 0.8-1 band, L = 3 about a minute), doubled."""
    per_point = 10 if int(wildcards.layers) == 2 else 90
    points = len(deep.se_alphas(DEEP, int(wildcards.layers)))
    points += len(deep.threshold_skips(DEEP))
    return minutes(per_point * points, attempt)


def deep_gamp_memory(wildcards, attempt):
    return attempt * deep.gamp_memory(DEEP)


def deep_gamp_runtime(wildcards, attempt):
    """0.65 s per iteration at d = 1000, alpha = 1.2 (linear in n = alpha d)."""
    gamp = DEEP["gamp"]
    n = float(wildcards.alpha) * int(wildcards.d)
    return minutes(0.65 * gamp["max_iter"] * n / 1200, attempt)


def deep_sgd_memory(wildcards, attempt):
    return attempt * deep.sgd_memory(DEEP)


def deep_sgd_runtime(wildcards, attempt):
    """About 1 ms per SGD step of 8 runs at d = 500 on one core, linear in runs and d."""
    sgd = DEEP["sgd"]
    n = float(sgd["alpha"]) * sgd["d"]
    steps = sgd["epochs"] * math.ceil(n / sgd.get("batch", 200)) * 3
    return minutes(
        1e-3 * steps * sgd["runs_per_job"] / 8 * sgd["d"] / 500 + 60, attempt
    )


def deep_trec_runtime(wildcards, attempt):
    """About 10 ms per AdamW step of 8 runs on one core (341 steps per epoch)."""
    trec = DEEP["trec"]
    return minutes(0.01 * 341 * trec["epochs"] * trec["runs_per_job"] / 8 + 60, attempt)


# sgd/trec device: cuda asks the cluster for one GPU per training job
deep_gpus = {
    kind: 1 if DEEP[kind].get("device", "cpu") == "cuda" else 0
    for kind in ("sgd", "trec")
}
