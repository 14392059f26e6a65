"""Snakemake adapter: the learned singular-value law at one alpha."""

from aim.core.io import write_dataset
from aim.core.jobs import log_to
from aim.erm.state_evolution import ErmModel
from aim.erm.theory import spectrum_density

log_to(snakemake.log[0])  # noqa: F821
p = snakemake.params  # noqa: F821
ds = spectrum_density(alpha=p.alpha, model=ErmModel(**p.model))
print(f"atom at 0: {float(ds.atom):.4f}, converged: {int(ds.converged)}")
write_dataset(ds, snakemake.output[0])  # noqa: F821
