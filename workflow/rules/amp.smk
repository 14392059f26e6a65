rule amp_hardmax:
    input:
        code=AMP_CODE,
    output:
        "results/amp/hardmax_{variant}_T2_rho{rho}_alpha{alpha}_d{d}_seeds{seeds}.nc",
    log:
        "results/logs/amp/hardmax_{variant}_T2_rho{rho}_alpha{alpha}_d{d}_seeds{seeds}.log",
    conda:
        "../../envs/aim.yaml"
    threads: 1
    resources:
        mem_mb=amp_memory,
        runtime=amp_runtime("hardmax"),
    params:
        channel="hardmax",
        T=2,
        rho=lambda w: float(w.rho),
        alpha=lambda w: float(w.alpha),
        d=lambda w: int(w.d),
        seeds=lambda w: seed_range(w.seeds),
        settings=AMP_SETTINGS["hardmax"],
    script:
        "../scripts/amp.py"


rule amp_softmax:
    input:
        code=AMP_CODE,
    output:
        "results/amp/softmax_T{T}_rho{rho}_alpha{alpha}_d{d}_seeds{seeds}.nc",
    log:
        "results/logs/amp/softmax_T{T}_rho{rho}_alpha{alpha}_d{d}_seeds{seeds}.log",
    conda:
        "../../envs/aim.yaml"
    threads: 1
    resources:
        mem_mb=amp_memory,
        runtime=amp_runtime("softmax"),
    params:
        channel="softmax",
        T=lambda w: int(w.T),
        rho=lambda w: float(w.rho),
        alpha=lambda w: float(w.alpha),
        d=lambda w: int(w.d),
        seeds=lambda w: seed_range(w.seeds),
        settings=AMP_SETTINGS["softmax"],
    script:
        "../scripts/amp.py"
