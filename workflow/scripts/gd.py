"""Snakemake adapter: K students on one (teacher, data) draw; torch uses the job's threads."""

import sys

import torch

from aim.io import write_dataset
from aim.simulations import gd_dataset

sys.stderr = sys.stdout = open(snakemake.log[0], "w")  # noqa: F821

torch.set_num_threads(snakemake.threads)  # noqa: F821
p = snakemake.params  # noqa: F821
ds = gd_dataset(p.T, p.rho, p.alpha, p.d, p.seed, p.students, p.settings, progress=True)
print(
    f"single {float(ds.single_mse.mean()):.5f} (mean of {ds.student.size}), "
    f"averaged {float(ds.averaged_mse):.5f}, final loss {float(ds.final_loss.mean()):.3e}"
)
write_dataset(ds, snakemake.output[0])  # noqa: F821
