import sys
from pathlib import Path

# tests/helpers holds what several test folders share (running Snakemake, a SLURM cluster)
sys.path.insert(0, str(Path(__file__).parent / "helpers"))
