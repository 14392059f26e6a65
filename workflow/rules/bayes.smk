# arXiv:2506.01582: state-evolution curves, GAMP-RIE seed blocks and GD draws.


rule bayes_theory_hardmax:
    output:
        bayes.THEORY_HARDMAX,
    log:
        bayes.log_of(bayes.THEORY_HARDMAX),
    conda:
        "../../envs/aim.yaml"
    resources:
        mem_mb=light_memory,
        runtime=light_runtime,
    params:
        rho=lambda w: float(w.rho),
        alpha=canonical(BAYES["hardmax"]["alpha"]),
        alpha_bar=canonical(BAYES["hardmax"]["alpha_bar"]),
        solver=canonical(BAYES["solver"]),
        code=code_of("bayes/theory_hardmax.py"),
    script:
        "../scripts/bayes/theory_hardmax.py"


rule bayes_theory_softmax:
    output:
        bayes.THEORY_SOFTMAX,
    log:
        bayes.log_of(bayes.THEORY_SOFTMAX),
    conda:
        "../../envs/aim.yaml"
    resources:
        mem_mb=light_memory,
        runtime=light_runtime,
    params:
        T=lambda w: int(w.T),
        rho=lambda w: float(w.rho),
        x=canonical(BAYES["softmax"]["x"]),
        code=code_of("bayes/theory_softmax.py"),
    script:
        "../scripts/bayes/theory_softmax.py"


rule bayes_phase_row:
    output:
        bayes.PHASE_ROW,
    log:
        bayes.log_of(bayes.PHASE_ROW),
    conda:
        "../../envs/aim.yaml"
    resources:
        mem_mb=light_memory,
        runtime=light_runtime,
    params:
        channel=lambda w: w.channel,
        rho=lambda w: float(w.rho),
        grid=lambda w: canonical(BAYES["phase_diagram"][f"{w.channel}_grid"]),
        solver=canonical(BAYES["solver"]),
        code=code_of("bayes/phase_row.py"),
    script:
        "../scripts/bayes/phase_row.py"


rule bayes_amp_hardmax:
    output:
        bayes.AMP_HARDMAX,
    log:
        bayes.log_of(bayes.AMP_HARDMAX),
    conda:
        "../../envs/aim.yaml"
    threads: 1
    resources:
        mem_mb=bayes_amp_memory,
        runtime=bayes_amp_runtime("hardmax"),
    params:
        channel="hardmax",
        T=2,
        rho=lambda w: float(w.rho),
        alpha=lambda w: float(w.alpha),
        d=lambda w: int(w.d),
        seeds=lambda w: bayes.seed_range(w.seeds),
        settings=lambda w: bayes.amp_settings(
            BAYES["hardmax"].get("amp", {}), variant=w.variant
        ),
        code=code_of("bayes/amp.py"),
    script:
        "../scripts/bayes/amp.py"


rule bayes_amp_softmax:
    output:
        bayes.AMP_SOFTMAX,
    log:
        bayes.log_of(bayes.AMP_SOFTMAX),
    conda:
        "../../envs/aim.yaml"
    threads: 1
    resources:
        mem_mb=bayes_amp_memory,
        runtime=bayes_amp_runtime("softmax"),
    params:
        channel="softmax",
        T=lambda w: int(w.T),
        rho=lambda w: float(w.rho),
        alpha=lambda w: float(w.alpha),
        d=lambda w: int(w.d),
        seeds=lambda w: bayes.seed_range(w.seeds),
        settings=bayes.amp_settings(BAYES["softmax"].get("amp", {})),
        code=code_of("bayes/amp.py"),
    script:
        "../scripts/bayes/amp.py"


rule bayes_gd_softmax:
    output:
        bayes.GD_SOFTMAX,
    log:
        bayes.log_of(bayes.GD_SOFTMAX),
    conda:
        "../../envs/aim.yaml"
    threads: BAYES["softmax"].get("gd", {}).get("threads", 1)
    resources:
        mem_mb=bayes_gd_memory,
        runtime=bayes_gd_runtime,
    params:
        T=lambda w: int(w.T),
        rho=lambda w: float(w.rho),
        alpha=lambda w: float(w.alpha),
        d=lambda w: int(w.d),
        students=lambda w: int(w.K),
        seed=lambda w: int(w.seed),
        settings=bayes.gd_settings(BAYES["softmax"].get("gd", {})),
        code=code_of("bayes/gd.py"),
    script:
        "../scripts/bayes/gd.py"


rule bayes_validation:
    input:
        bayes.validation_inputs(BAYES, config["figures"]),
    output:
        csv=bayes.VALIDATION_CSV,
        html=report(
            bayes.VALIDATION_HTML,
            caption="../report/bayes_validation.rst",
            category="bayes",
        ),
    log:
        bayes.log_of(bayes.VALIDATION_CSV),
    conda:
        "../../envs/aim.yaml"
    resources:
        mem_mb=light_memory,
        runtime=light_runtime,
    params:
        code=code_of("bayes/validation.py"),
    script:
        "../scripts/bayes/validation.py"
