"""Snakemake adapter: one deep-attention state-evolution curve (continuation in alpha)."""

from aim.core.io import write_dataset
from aim.core.jobs import log_to
from aim.deep.theory import se_curve

log_to(snakemake.log[0])  # noqa: F821
p = snakemake.params  # noqa: F821
ds = se_curve(**p.model, alpha=p.alpha, log2_outer=p.log2_outer, progress=True)
print(
    f"converged: {int(ds.converged.sum())}/{ds.alpha.size}, "
    f"perfect recovery at {int(ds.recovered.sum())} points"
)
write_dataset(ds, snakemake.output[0])  # noqa: F821
