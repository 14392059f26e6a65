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
        alpha=config["hardmax"]["alpha"],
        alpha_bar=config["hardmax"]["alpha_bar"],
        solver=config["solver"],
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
        x=config["softmax"]["x"],
    script:
        "../scripts/theory_softmax.py"
