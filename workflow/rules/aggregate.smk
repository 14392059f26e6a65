rule gather_hardmax:
    input:
        curves=lambda w: hardmax_curves(HARDMAX_FIGURES[w.figure]),
        amp=lambda w: hardmax_amp_runs(HARDMAX_FIGURES[w.figure]),
        code=AGGREGATE_CODE,
    output:
        "results/aggregated/{figure}.nc",
    log:
        "results/logs/aggregated/{figure}.log",
    wildcard_constraints:
        figure="fig_hardmax|fig_hardmax_published",
    conda:
        "../../envs/aim.yaml"
    params:
        rho=config["hardmax"]["rho"],
        rho_rescaled=config["hardmax"]["rho_rescaled"],
    script:
        "../scripts/gather_hardmax.py"


rule gather_softmax:
    input:
        left=softmax_left_curves(),
        universal=softmax_universal_curves(),
        amp=softmax_amp_runs(),
        gd=softmax_gd_runs(),
        code=AGGREGATE_CODE,
    output:
        "results/aggregated/fig_softmax.nc",
    log:
        "results/logs/aggregated/fig_softmax.log",
    conda:
        "../../envs/aim.yaml"
    params:
        rho_universal=config["softmax"]["rho_universal"],
    script:
        "../scripts/gather_softmax.py"
