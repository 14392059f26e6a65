# arXiv:2509.24914: the threshold table.


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
