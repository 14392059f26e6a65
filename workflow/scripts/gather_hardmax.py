"""Snakemake adapter: gather the hardmax curves of one figure into its aggregate."""

import sys

from aim.aggregate import hardmax_figure
from aim.io import read_dataset, write_dataset

sys.stderr = sys.stdout = open(snakemake.log[0], "w")  # noqa: F821

curves = [read_dataset(path) for path in snakemake.input.curves]  # noqa: F821
finite = [c for c in curves if float(c.rho) > 0]
limit = next(c for c in curves if float(c.rho) == 0)
amp = [read_dataset(path) for path in snakemake.input.amp]  # noqa: F821
p = snakemake.params  # noqa: F821
ds = hardmax_figure(finite, limit, p.rho, p.rho_rescaled, amp)
if amp:
    runs, converged = int(ds.amp_seeds.sum()), float(ds.amp_converged.mean())
    print(f"AMP: {runs} runs, mean converged fraction {converged:.2f}")
write_dataset(ds, snakemake.output[0])  # noqa: F821
