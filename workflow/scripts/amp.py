"""Snakemake adapter: one block of GAMP-RIE seeds at one point (progress goes to the log)."""

import sys

from aim.io import write_dataset
from aim.simulations import amp_dataset

sys.stderr = sys.stdout = open(snakemake.log[0], "w")  # noqa: F821

p = snakemake.params  # noqa: F821
variant = getattr(snakemake.wildcards, "variant", None)  # noqa: F821
ds = amp_dataset(p.channel, p.T, p.rho, p.alpha, p.d, p.seeds, p.settings, variant, progress=True)
for seed, mse, its, ok in zip(
    ds.seed.values, ds.mse.values, ds.iterations.values, ds.converged.values
):
    print(
        f"seed {seed}: error {mse:.5f} after {its} iterations ({'converged' if ok else 'capped'})"
    )
write_dataset(ds, snakemake.output[0])  # noqa: F821
