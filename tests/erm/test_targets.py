"""Result names, seeds and costs of the erm wing's jobs, from a config section."""

import yaml
from workflow_helpers import REPO

from aim.core.erm_training import run_seeds
from aim.core.validation import MAX_SEED
from aim.erm import targets as t

SECTION = yaml.safe_load((REPO / "config/config.yaml").read_text())["erm"]


def test_blocks_of_one_point_share_a_seed_and_points_do_not():
    points = t.interpolation_points(SECTION)
    one = t.Point("interpolation", kappa0=0.5, noise=0.5, alpha=0.2, d=80, runs="0-3")
    other = one._replace(runs="4-7")
    assert t.job_seed(0, one.path) == t.job_seed(0, other.path)
    seeds = {t.job_seed(0, p.path) for p in points}
    assert len(seeds) == len({p.alpha for p in points})  # one stream per alpha
    assert all(0 <= s <= MAX_SEED for s in seeds)
    assert t.job_seed(1, one.path) != t.job_seed(0, one.path)


def test_a_split_batch_draws_what_the_whole_batch_draws():
    whole = run_seeds(seed=7, runs=8)
    first, count = t.run_range("4-7")
    part = run_seeds(seed=7, runs=count, first=first)
    assert part == (whole[0][4:], whole[1][4:])


def test_every_figure_has_work_and_shared_jobs_count_once():
    hours = t.predicted_cpu_hours(SECTION)
    figures = {k: v for k, v in hours.items() if k != "total"}
    assert all(v > 0 for v in figures.values())
    assert max(figures.values()) < hours["total"] < sum(figures.values())


def test_oracle_groups_train_their_whole_lambda_grid_in_each_job():
    lams = t.gd_lams(SECTION, "factorization")
    assert lams == t.oracle_lams(SECTION, "factorization") and len(lams) == 7
    curves = t.oracle_curves(SECTION, "factorization")
    assert sum(c.lam == t.OPTIMUM for c in curves) == 1  # lambda -> 0+, factorized only
    assert {c.param for c in curves} == {"factorized", "direct"}
