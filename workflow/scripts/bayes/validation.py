"""Snakemake adapter: the validation table of every simulation point (CSV and HTML)."""

from pathlib import Path

from aim.bayes.validation import validation_table, write_table
from aim.core.io import read_dataset
from aim.core.jobs import log_to

log_to(snakemake.log[0])  # noqa: F821
aggregates = {Path(path).stem: read_dataset(path) for path in snakemake.input}  # noqa: F821
table = validation_table(aggregates)
print(f"{len(table)} points")
write_table(table, csv=snakemake.output.csv, html=snakemake.output.html)  # noqa: F821
