"""Snakemake adapter: one block of GAMP-RIE seeds at one point (progress goes to the log)."""

from aim.bayes.amp_runs import amp_dataset
from aim.core.io import write_dataset
from aim.core.jobs import log_to

log_to(snakemake.log[0])  # noqa: F821
p = snakemake.params  # noqa: F821
ds = amp_dataset(
    channel=p.channel,
    T=p.T,
    rho=p.rho,
    alpha=p.alpha,
    d=p.d,
    seeds=p.seeds,
    settings=p.settings,
    variant=getattr(snakemake.wildcards, "variant", None),  # noqa: F821
    teacher=getattr(snakemake.wildcards, "teacher", None),  # noqa: F821
    progress=True,
)
for seed, mse, its, ok in zip(
    ds.seed.values, ds.mse.values, ds.iterations.values, ds.converged.values
):
    print(
        f"seed {seed}: error {mse:.5f} after {its} iterations ({'converged' if ok else 'capped'})"
    )
write_dataset(ds, snakemake.output[0])  # noqa: F821
