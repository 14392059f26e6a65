"""Snakemake adapter: the Bayes-optimal MMSE (arXiv:2506.01582, noiseless softmax, T = 2)
that the ERM wing compares against."""

from aim.bayes.theory import softmax_curve
from aim.core.io import write_dataset
from aim.core.jobs import log_to

log_to(snakemake.log[0])  # noqa: F821
p = snakemake.params  # noqa: F821
ds = softmax_curve(T=2, rho=p.kappa0, x=p.x)
print(f"converged: {int(ds.converged.sum())}/{ds.converged.size}")
write_dataset(ds, snakemake.output[0])  # noqa: F821
