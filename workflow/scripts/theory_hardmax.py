"""Snakemake adapter: one hardmax SE curve (rho = 0: the rescaled limit)."""

import sys

from aim.curves import hardmax_curve
from aim.io import write_dataset

sys.stderr = sys.stdout = open(snakemake.log[0], "w")  # noqa: F821

p = snakemake.params  # noqa: F821
ds = hardmax_curve(snakemake.wildcards.variant, p.rho, p.alpha, p.alpha_bar, p.solver)  # noqa: F821
print(
    f"converged: {int(ds.converged.sum())}/{ds.converged.size}, max iterations "
    f"{int(ds.iterations.max())}"
)
write_dataset(ds, snakemake.output[0])  # noqa: F821
