"""Snakemake adapter: the weak and conditional thresholds of every layer over the skip grid."""

from aim.core.io import write_dataset
from aim.core.jobs import log_to
from aim.deep.theory import threshold_curve

log_to(snakemake.log[0])  # noqa: F821
p = snakemake.params  # noqa: F821
ds = threshold_curve(layers=p.layers, skips=p.skips, log2_outer=p.log2_outer)
print(ds.alpha_weak.to_pandas().to_string())
write_dataset(ds, snakemake.output[0])  # noqa: F821
