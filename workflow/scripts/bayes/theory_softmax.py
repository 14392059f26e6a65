"""Snakemake adapter: one closed-form softmax SE curve."""

from aim.bayes.theory import softmax_curve
from aim.core.io import write_dataset
from aim.core.jobs import log_to

log_to(snakemake.log[0])  # noqa: F821
p = snakemake.params  # noqa: F821
ds = softmax_curve(T=p.T, rho=p.rho, x=p.x)
print(f"converged: {int(ds.converged.sum())}/{ds.converged.size}")
write_dataset(ds, snakemake.output[0])  # noqa: F821
