"""Snakemake adapter: one GAMP run of the deep-attention model."""

from aim.core.io import write_dataset
from aim.core.jobs import log_to
from aim.deep.amp import GAMPSettings
from aim.deep.gamp_runs import gamp_run

log_to(snakemake.log[0])  # noqa: F821
p = snakemake.params  # noqa: F821
ds = gamp_run(**p.model, settings=GAMPSettings(**p.settings), progress=True)
print(f"stationary: {bool(ds.converged)} after {int(ds.iterations)} iterations")
write_dataset(ds, snakemake.output[0])  # noqa: F821
