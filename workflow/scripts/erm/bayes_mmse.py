"""Snakemake adapter: the Bayes-optimal MMSE (arXiv:2506.01582, noiseless softmax, T = 2)
that the ERM wing compares against."""

from aim.core.io import write_dataset
from aim.core.jobs import log_to
from aim.erm.theory import bayes_comparison

log_to(snakemake.log[0])  # noqa: F821
p = snakemake.params  # noqa: F821
ds = bayes_comparison(kappa0=p.kappa0, x=p.x)
print(f"converged: {int(ds.converged.sum())}/{ds.converged.size}")
write_dataset(ds, snakemake.output[0])  # noqa: F821
