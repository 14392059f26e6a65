rule theory_hardmax:
    input:
        code=THEORY_CODE,
    output:
        "results/theory/hardmax_{variant}_T2_rho{rho}.nc",
    log:
        "results/logs/theory/hardmax_{variant}_T2_rho{rho}.log",
    conda:
        "../../envs/aim.yaml"
    params:
        rho=lambda w: float(w.rho),
        alpha=canonical(config["hardmax"]["alpha"]),
        alpha_bar=canonical(config["hardmax"]["alpha_bar"]),
        solver=canonical(config["solver"]),
    script:
        "../scripts/theory_hardmax.py"


rule theory_softmax:
    input:
        code=THEORY_CODE,
    output:
        "results/theory/softmax_T{T}_rho{rho}.nc",
    log:
        "results/logs/theory/softmax_T{T}_rho{rho}.log",
    conda:
        "../../envs/aim.yaml"
    params:
        T=lambda w: int(w.T),
        rho=lambda w: float(w.rho),
        x=canonical(config["softmax"]["x"]),
    script:
        "../scripts/theory_softmax.py"
