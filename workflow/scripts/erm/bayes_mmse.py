"""Snakemake adapter: the Bayes-optimal MMSE (arXiv:2506.01582) that ERM is compared with."""

from aim.core.io import write_dataset
from aim.core.jobs import log_to
from aim.erm.comparison import bayes_comparison

log_to(snakemake.log[0])  # noqa: F821
p = snakemake.params  # noqa: F821
ds = bayes_comparison(kappa0=p.kappa0, alpha_bar=p.alpha_bar)
print(f"converged: {int(ds.converged.sum())}/{ds.converged.size}")
write_dataset(ds, snakemake.output[0])  # noqa: F821
