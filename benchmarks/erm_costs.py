"""CPU-hours of every ERM figure as the cost model (aim.erm.costs) predicts them, for the
default and the paper configurations: python benchmarks/erm_costs.py"""

from pathlib import Path

import yaml

from aim.erm.targets import planned_jobs, predicted_cpu_hours

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    tables = {}
    for name in ("config.yaml", "paper.yaml"):
        section = yaml.safe_load((ROOT / "config" / name).read_text())["erm"]
        tables[name] = (predicted_cpu_hours(section), planned_jobs(section))
    print(f"{'figure':20s} {'default':>10s} {'paper':>10s}   (CPU-hours)")
    for figure in tables["config.yaml"][0]:
        row = [tables[n][0][figure] for n in tables]
        print(f"{figure:20s} {row[0]:10.2f} {row[1]:10.1f}")
    for name, (_, jobs) in tables.items():
        print(name, "jobs:", jobs)


if __name__ == "__main__":
    main()
