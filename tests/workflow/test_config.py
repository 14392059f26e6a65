"""Config semantics: validation at parse time, the effective config is the file named, and
every section plans exactly the jobs it asks for (dry runs)."""

import pytest
import yaml
from workflow_helpers import REPO, dry_run, expected_counts, job_counts, load_config, snakemake

CONFIGS = ["config/config.yaml", "config/paper.yaml", "config/test.yaml"]


@pytest.mark.parametrize("configfile", CONFIGS)
def test_dry_run_job_counts(configfile, tmp_path):
    counts = job_counts(dry_run(REPO / configfile, tmp_path).stdout)
    assert counts == expected_counts(load_config(configfile))


def test_paper_config_inherits_nothing_from_the_default(tmp_path):
    """paper.yaml has no gd.x_max: all 5 T x 32 alpha x 16 draws GD jobs, not 1,936 (and
    the finite-size figure's 4 d x 16 draws)."""
    counts = job_counts(dry_run(REPO / "config/paper.yaml", tmp_path).stdout)
    assert counts["bayes_gd_softmax"] == 5 * 32 * 16 + 4 * 16 == 2624


def _write(tmp_path, cfg, name="config.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(cfg))
    return path


@pytest.mark.parametrize(
    "drop, absent",
    [
        (("softmax", "gd"), "bayes_gd_softmax"),
        (("softmax", "amp"), "bayes_amp_softmax"),
        (("hardmax", "amp"), "bayes_amp_hardmax"),
    ],
)
def test_a_config_without_a_simulation_section_plans_none_of_it(tmp_path, drop, absent):
    cfg = load_config("config/config.yaml")
    del cfg["bayes"][drop[0]][drop[1]]
    cfg["figures"].remove("bayes_finite_size")  # its runs are simulations by nature
    counts = job_counts(dry_run(_write(tmp_path, cfg), tmp_path).stdout)
    assert absent not in counts
    assert counts == expected_counts(cfg)


def test_one_figure_plans_only_what_it_needs(tmp_path):
    """snakemake erm_spectra: its SE curves (the rank panel's kappa0), its laws, its GD
    blocks (test-error points and panels), one gather and the figure."""
    cfg = load_config("config/config.yaml")
    counts = job_counts(dry_run(REPO / "config/config.yaml", tmp_path, "erm_spectra").stdout)
    sp, gd = cfg["erm"]["spectra"], cfg["erm"]["gd"]
    blocks = -(-gd["runs"] // gd["runs_per_job"])
    points = len(sp["kappa"]) * len(sp["gd_alpha"]) * blocks + len(sp["panels"]["alpha"])
    assert counts == {
        "erm_theory": len({cfg["erm"]["base"]["kappa0"], *sp["rank_kappa0"]}),
        "erm_spectrum": len(sp["panels"]["alpha"]),
        "erm_gd": points,
        "gather": 1,
        "erm_spectra": 1,
    }


def test_one_deep_figure_plans_only_what_it_needs(tmp_path):
    """snakemake deep_dynamics: the traced GAMP run, the SGD blocks, one gather, the figure;
    deep_thresholds: the two threshold curves, one gather, the figure."""
    cfg = load_config("config/config.yaml")["deep"]
    counts = job_counts(dry_run(REPO / "config/config.yaml", tmp_path, "deep_dynamics").stdout)
    blocks = -(-cfg["sgd"]["runs"] // cfg["sgd"]["runs_per_job"])
    assert counts == {"deep_gamp": 1, "deep_sgd": blocks, "gather": 1, "deep_dynamics": 1}
    counts = job_counts(dry_run(REPO / "config/config.yaml", tmp_path, "deep_thresholds").stdout)
    assert counts == {"deep_threshold_curve": 2, "gather": 1, "deep_thresholds": 1}


def _leaves(tree, prefix=()):
    if isinstance(tree, dict) and tree:
        for key, value in tree.items():
            yield from _leaves(value, (*prefix, key))
    else:
        yield prefix, tree


def _schema_default(schema, path):
    """The default the schema gives the key at `path`, or a sentinel when there is none."""
    node, defs = schema, schema["definitions"]
    for key in path:
        node = node.get("properties", {}).get(key) or {}
        if "$ref" in node:
            ref = defs[node["$ref"].rsplit("/", 1)[1]]
            properties = ref.get("properties", {}) | node.get("properties", {})
            node = {**ref, **node, "properties": properties}
    return node.get("default", KeyError)


@pytest.mark.parametrize("configfile", CONFIGS)
def test_effective_config_is_the_named_file_with_schema_defaults(configfile, tmp_path):
    snakemake(
        "results/effective_config.yaml",
        "--configfile",
        str(REPO / configfile),
        "--directory",
        str(tmp_path),
        "--snakefile",
        str(REPO / "Snakefile"),
    )
    effective = yaml.safe_load((tmp_path / "results/effective_config.yaml").read_text())
    named = dict(_leaves(load_config(configfile)))
    schema = yaml.safe_load((REPO / "workflow/schemas/config.schema.yaml").read_text())
    for path, value in _leaves(effective):
        if path in named:
            assert value == named[path], path
        else:  # not in the file: must be a default of the schema, never another file's key
            assert value == _schema_default(schema, path), path
    assert all(path in dict(_leaves(effective)) for path in named)


def test_a_config_overlay_is_documented_behaviour(tmp_path):
    """--config overlays the named file (Snakemake's documented semantics), key by key."""
    out = snakemake(
        "-n",
        "--configfile",
        str(REPO / "config/test.yaml"),
        "--config",
        "figures=[bayes_softmax]",
        "--directory",
        str(tmp_path),
        "--snakefile",
        str(REPO / "Snakefile"),
    ).stdout
    counts = job_counts(out)
    assert counts["gather"] == 1 and "bayes_hardmax" not in counts


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda c: c["bayes"]["hardmax"].__setitem__("rhos", [0.5]), "rhos"),
        (lambda c: c["bayes"]["softmax"].__setitem__("rho", [0.5, -0.1]), "-0.1"),
        (lambda c: c.__setitem__("linear", {"rho": [0.5]}), "linear"),
        (lambda c: c.__setitem__("figures", ["bayes_linear"]), "bayes_linear"),
        (lambda c: c["bayes"].__setitem__("solver", {"damping": 1.5}), "1.5"),
        (lambda c: c["bayes"]["hardmax"]["alpha"].__setitem__("min", 20), "bayes.hardmax.alpha"),
        (lambda c: c["bayes"]["softmax"]["amp"].__setitem__("d", 2), "2 is less than"),
        (lambda c: c["bayes"]["hardmax"]["amp"].__setitem__("seed", 3), "'seed' was unexpected"),
        (lambda c: c.pop("bayes"), "bayes_hardmax needs the config section 'bayes'"),
        (lambda c: c["erm"]["spectra"]["panels"]["d"].pop(), "one d per panel"),
        (lambda c: c["erm"]["appendix"].__setitem__("se_T", [7]), "erm.appendix.se_T"),
        (lambda c: c["erm"]["vs_bayes"]["lam"].__setitem__("min", 1), "erm.vs_bayes.lam"),
        (lambda c: c["erm"]["gd"].__setitem__("device", "tpu"), "erm.gd.device"),
        (
            lambda c: c["erm"]["spectra"]["panels"]["d"].__setitem__(3, 4000),
            "erm.gd: its largest GD job (d = 4000",
        ),
        (lambda c: c["deep"]["se"]["L2"].__setitem__("min", 2.0), "deep.se.L2"),
        (lambda c: c["deep"]["se"]["L3"].__setitem__("min", 0), "deep.se.L3.min: alpha"),
        (lambda c: c["deep"]["gamp"].__setitem__("d", 5), "5 is less than the minimum of 10"),
        (lambda c: c["deep"]["sgd"].__setitem__("device", "tpu"), "deep.sgd.device"),
        (lambda c: c["deep"]["sgd"].__setitem__("d", 10**6), "deep.sgd: an SGD job needs"),
        (lambda c: c["deep"]["trec"].pop("train"), "'train' is a required property"),
    ],
    ids=[
        "misspelled-key",
        "negative-rho",
        "unknown-section",
        "unknown-figure",
        "damping",
        "reversed-range",
        "amp-tiny-d",
        "amp-misspelled",
        "figure-without-its-section",
        "erm-panels",
        "erm-se-tokens",
        "erm-reversed-lambda",
        "erm-device",
        "erm-memory",
        "deep-reversed-alpha",
        "deep-zero-alpha",
        "deep-gamp-tiny-d",
        "deep-device",
        "deep-memory",
        "deep-no-trec-file",
    ],
)
def test_bad_config_rejected_at_parse_time(edit, message, tmp_path):
    cfg = load_config("config/config.yaml")
    edit(cfg)
    result = dry_run(_write(tmp_path, cfg, "bad.yaml"), tmp_path, check=False)
    assert result.returncode != 0
    assert message in result.stdout + result.stderr
    assert "Job stats" not in result.stdout


def test_schema_describes_every_key():
    schema = yaml.safe_load((REPO / "workflow/schemas/config.schema.yaml").read_text())
    missing = []

    def walk(node, path):
        for key, sub in node.get("properties", {}).items():
            if "description" not in sub:
                missing.append(".".join((*path, key)))
            walk(sub, (*path, key))
        for name, sub in node.get("definitions", {}).items():
            walk(sub, ("definitions", name))

    walk(schema, ())
    assert missing == []
