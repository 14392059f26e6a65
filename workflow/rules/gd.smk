rule gd_softmax:
    input:
        code=GD_CODE,
    output:
        "results/gd/softmax_T{T}_rho{rho}_alpha{alpha}_d{d}_K{K}_seed{seed}.nc",
    log:
        "results/logs/gd/softmax_T{T}_rho{rho}_alpha{alpha}_d{d}_K{K}_seed{seed}.log",
    conda:
        "../../envs/aim.yaml"
    threads: config["softmax"].get("gd", {}).get("threads", 1)
    resources:
        mem_mb=gd_memory,
        runtime=gd_runtime,
    params:
        T=lambda w: int(w.T),
        rho=lambda w: float(w.rho),
        alpha=lambda w: float(w.alpha),
        d=lambda w: int(w.d),
        students=lambda w: int(w.K),
        seed=lambda w: int(w.seed),
        settings=gd_settings(config["softmax"].get("gd", {})),
    script:
        "../scripts/gd.py"
