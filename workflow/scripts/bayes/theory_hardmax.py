"""Snakemake adapter: one hardmax SE curve (rho = 0: the rescaled limit)."""

from aim.bayes.theory import hardmax_curve
from aim.core.io import write_dataset
from aim.core.jobs import log_to

log_to(snakemake.log[0])  # noqa: F821
p = snakemake.params  # noqa: F821
ds = hardmax_curve(
    variant=snakemake.wildcards.variant,  # noqa: F821
    rho=p.rho,
    alpha=p.alpha,
    alpha_bar=p.alpha_bar,
    solver=p.solver,
)
print(
    f"converged: {int(ds.converged.sum())}/{ds.converged.size}, max iterations "
    f"{int(ds.iterations.max())}"
)
write_dataset(ds, snakemake.output[0])  # noqa: F821
