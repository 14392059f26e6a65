"""Snakemake adapter: one closed-form softmax SE curve."""

import sys

from aim.curves import softmax_curve
from aim.io import write_dataset

sys.stderr = sys.stdout = open(snakemake.log[0], "w")  # noqa: F821

p = snakemake.params  # noqa: F821
ds = softmax_curve(p.T, p.rho, p.x)
print(f"converged: {int(ds.converged.sum())}/{ds.converged.size}")
write_dataset(ds, snakemake.output[0])  # noqa: F821
