"""Snakemake adapter: the ERM threshold table."""

from aim.core.io import write_dataset
from aim.core.jobs import log_to
from aim.erm.theory import threshold_table

log_to(snakemake.log[0])  # noqa: F821
ds = threshold_table(**snakemake.params.grids)  # noqa: F821
print(f"noisy interpolation thresholds found: {int(ds.found.sum())}/{ds.found.size}")
write_dataset(ds, snakemake.output[0])  # noqa: F821
