# The erm section of the config, its checks, and the resources of its jobs from their
# problem size (aim.erm.costs).
from aim.erm import costs as erm_costs
from aim.erm import targets as erm

ERM = config["erm"]
try:
    erm.check_section(ERM, limits=config["limits"], job_sizes=workflow.is_main_process)
except InputError as err:
    config_error(err)


wildcard_constraints:
    group="|".join(erm.GROUPS),
    param="factorized|direct",
    task="label|seq2seq",
    kappa0=r"[0-9][0-9.e+-]*",
    kappa=r"[0-9][0-9.e+-]*",
    noise=r"[0-9][0-9.e+-]*",
    lam=r"[0-9][0-9.e+-]*",
    beta=r"[0-9][0-9.e+-]*",
    runs=r"[0-9]+-[0-9]+",


def erm_model(wildcards):
    """The ErmModel keywords of a theory curve, from its file name and the solver settings."""
    return erm.model_of(ERM, wildcards)


def erm_base_model(wildcards):
    return erm.base_model(ERM)


def erm_task(wildcards):
    """The ErmTask keywords of a GD job, from its file name."""
    return erm.task_of(wildcards)


def erm_theory_memory(wildcards, attempt):
    return attempt * erm_costs.theory_memory_mb(
        T=int(wildcards.T), log2_nodes=ERM["solver"]["log2_nodes"]
    )


def erm_theory_runtime(wildcards, attempt):
    points = len(erm.se_alphas(ERM, wildcards.group, T=int(wildcards.T)))
    seconds = erm_costs.theory_seconds(
        points=points, T=int(wildcards.T), log2_nodes=ERM["solver"]["log2_nodes"]
    )
    return minutes(seconds, attempt)


def erm_gd_memory(wildcards, attempt):
    return attempt * erm.gd_memory(ERM, wildcards)


def erm_gd_runtime(wildcards, attempt):
    seconds = erm_costs.gd_seconds(
        **erm.gd_size(ERM, wildcards), threads=ERM["gd"]["threads"]
    )
    return minutes(seconds, attempt)


# gd.device: cuda asks the cluster for one GPU per training job (the SLURM executor's `gpu`
# resource; add gpu_model or a partition with --set-resources where a site needs them)
erm_gpus = 1 if ERM["gd"]["device"] == "cuda" else 0
