# arXiv:2502.00901: SE curves (L = 2, 3), threshold curves over c, GAMP runs, blocks of SGD
# runs on the teacher, blocks of TREC runs.


rule deep_se:
    output:
        deep.SE,
    log:
        deep.log_of(deep.SE),
    conda:
        "../../envs/aim.yaml"
    resources:
        mem_mb=light_memory,
        runtime=deep_theory_runtime,
    params:
        model=deep_model,
        alpha=lambda w: deep.se_alphas(DEEP, int(w.layers)),
        log2_outer=DEEP["se"]["log2_outer"],
        code=code_of("deep/se.py"),
    script:
        "../scripts/deep/se.py"


rule deep_threshold_curve:
    output:
        deep.THRESHOLDS,
    log:
        deep.log_of(deep.THRESHOLDS),
    conda:
        "../../envs/aim.yaml"
    resources:
        mem_mb=light_memory,
        runtime=deep_theory_runtime,
    params:
        layers=lambda w: int(w.layers),
        skips=deep.threshold_skips(DEEP),
        log2_outer=DEEP["thresholds"]["log2_outer"],
        code=code_of("deep/thresholds.py"),
    script:
        "../scripts/deep/thresholds.py"


rule deep_gamp:
    output:
        deep.GAMP,
    log:
        deep.log_of(deep.GAMP),
    conda:
        "../../envs/aim.yaml"
    threads: 1
    resources:
        mem_mb=deep_gamp_memory,
        runtime=deep_gamp_runtime,
    params:
        model=deep_model,
        settings=deep.gamp_settings(DEEP),
        code=code_of("deep/gamp.py"),
    script:
        "../scripts/deep/gamp.py"


rule deep_sgd:
    output:
        deep.SGD,
    log:
        deep.log_of(deep.SGD),
    conda:
        "../../envs/aim.yaml"
    threads: DEEP["sgd"]["threads"]
    resources:
        mem_mb=deep_sgd_memory,
        runtime=deep_sgd_runtime,
        gpu=deep_gpus["sgd"],
    params:
        model=lambda w: deep_model(w) | {"layers": 2, "seed": DEEP["sgd"]["seed"]},
        runs=lambda w: deep.run_range(w.runs),
        settings=deep.sgd_settings(DEEP),
        code=code_of("deep/sgd.py"),
    script:
        "../scripts/deep/sgd.py"


rule deep_trec:
    output:
        deep.TREC,
    log:
        deep.log_of(deep.TREC),
    conda:
        "../../envs/aim.yaml"
    threads: DEEP["trec"]["threads"]
    resources:
        mem_mb=light_memory,
        runtime=deep_trec_runtime,
        gpu=deep_gpus["trec"],
    params:
        train=DEEP["trec"]["train"],
        test=DEEP["trec"]["test"],
        data=[file_digest(DEEP["trec"][k]) for k in ("train", "test")],
        runs=lambda w: deep.run_range(w.runs),
        seed=DEEP["trec"]["seed"],
        settings=deep.trec_settings(DEEP),
        code=code_of("deep/trec.py"),
    script:
        "../scripts/deep/trec.py"
