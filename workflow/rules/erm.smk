# arXiv:2509.24914: SE curves, learned-spectrum laws, the Bayes-optimal comparison, blocks of
# trained runs, and the threshold table.


rule erm_theory:
    output:
        erm.THEORY,
    log:
        erm.log_of(erm.THEORY),
    conda:
        "../../envs/aim.yaml"
    resources:
        mem_mb=erm_theory_memory,
        runtime=erm_theory_runtime,
    params:
        model=erm_model,
        alpha=lambda w: erm.se_alphas(ERM, w.group, T=int(w.T)),
        code=code_of("erm/theory.py"),
    script:
        "../scripts/erm/theory.py"


rule erm_spectrum:
    output:
        erm.SPECTRUM,
    log:
        erm.log_of(erm.SPECTRUM),
    conda:
        "../../envs/aim.yaml"
    resources:
        mem_mb=light_memory,
        runtime=light_runtime,
    params:
        alpha=lambda w: float(w.alpha),
        model=erm_base_model,
        code=code_of("erm/spectrum.py"),
    script:
        "../scripts/erm/spectrum.py"


rule erm_bayes_mmse:
    output:
        erm.BAYES_MMSE,
    log:
        erm.log_of(erm.BAYES_MMSE),
    conda:
        "../../envs/aim.yaml"
    resources:
        mem_mb=light_memory,
        runtime=light_runtime,
    params:
        kappa0=lambda w: float(w.kappa0),
        alpha_bar=erm.bayes_alpha_bars(ERM),
        code=code_of("erm/bayes_mmse.py"),
    script:
        "../scripts/erm/bayes_mmse.py"


rule erm_gd:
    output:
        erm.GD,
    log:
        erm.log_of(erm.GD),
    conda:
        "../../envs/aim.yaml"
    threads: ERM["gd"]["threads"]
    resources:
        mem_mb=erm_gd_memory,
        runtime=erm_gd_runtime,
        gpu=erm_gpus,
    params:
        task=erm_task,
        lam=lambda w: erm.gd_lams(ERM, w.group),
        runs=lambda w: erm.run_range(w.runs),
        seed=lambda w, output: erm.job_seed(ERM["gd"]["seed"], output[0]),
        settings=erm.adam_settings(ERM["gd"]),
        max_batch=ERM["gd"]["max_batch"],
        code=code_of("erm/gd.py"),
    script:
        "../scripts/erm/gd.py"


rule erm_theory_thresholds:
    output:
        erm.THRESHOLDS,
    log:
        erm.log_of(erm.THRESHOLDS),
    conda:
        "../../envs/aim.yaml"
    resources:
        mem_mb=light_memory,
        runtime=light_runtime,
    params:
        grids=erm.threshold_grids(ERM),
        code=code_of("erm/thresholds.py"),
    script:
        "../scripts/erm/thresholds.py"
