"""Snakemake adapter: one row (fixed rho) of a phase diagram."""

from aim.bayes.theory import phase_row
from aim.core.io import write_dataset
from aim.core.jobs import log_to

log_to(snakemake.log[0])  # noqa: F821
p = snakemake.params  # noqa: F821
ds = phase_row(channel=p.channel, rho=p.rho, grid=p.grid, solver=p.solver)
print(f"converged: {int(ds.converged.sum())}/{ds.converged.size}")
write_dataset(ds, snakemake.output[0])  # noqa: F821
