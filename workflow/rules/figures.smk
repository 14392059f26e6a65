# What a run delivers: a copy of its config, one gather per figure into its aggregate, and
# one rule per figure (named by its id) that draws it, all derived from the figure registry.


rule effective_config:
    output:
        EFFECTIVE_CONFIG,
    log:
        "results/logs/effective_config.log",
    localrule: True
    conda:
        "../../envs/aim.yaml"
    params:
        config=config,
    script:
        "../scripts/effective_config.py"


rule gather:
    input:
        unpack(gather_inputs),
    output:
        "results/{paper}/aggregated/{figure}.nc",
    log:
        "results/{paper}/logs/aggregated/{figure}.log",
    conda:
        "../../envs/aim.yaml"
    resources:
        mem_mb=light_memory,
        runtime=light_runtime,
    params:
        gather=lambda w: FIGURES[w.figure].gather,
        options=lambda w: FIGURES[w.figure].options(config[w.paper]),
        code=lambda w: code_of("gather.py", module_of(FIGURES[w.figure].gather)),
    script:
        "../scripts/gather.py"


for figure in FIGURES.values():

    rule:
        name:
            figure.id
        input:
            data=figure.aggregate,
        output:
            pdf=figure.images["pdf"],
            png=report(
                figure.images["png"],
                caption=f"../report/{figure.id}.rst",
                category=figure.paper,
            ),
        log:
            f"results/{figure.paper}/logs/figures/{figure.id}.log",
        conda:
            "../../envs/aim.yaml"
        resources:
            mem_mb=light_memory,
            runtime=light_runtime,
        params:
            plot=figure.plot,
            code=code_of("plot.py", module_of(figure.plot)),
            # read by the caption at report time; derived from the input, so no rerun trigger
            data=lambda w, input: summary_values(input.data),
        script:
            "../scripts/plot.py"
