rule plot:
    input:
        data="results/aggregated/{figure}.nc",
        code=PLOT_CODE,
    output:
        pdf="results/figures/{figure}.pdf",
        png=report(
            "results/figures/{figure}.png",
            caption="../report/figure.rst",
            category="Figures",
        ),
    log:
        "results/logs/figures/{figure}.log",
    conda:
        "../../envs/aim.yaml"
    script:
        "../scripts/plot.py"


rule fig_hardmax:
    input:
        figure_targets(["fig_hardmax"]),


rule fig_hardmax_published:
    input:
        figure_targets(["fig_hardmax_published"]),


rule fig_softmax:
    input:
        figure_targets(["fig_softmax"]),
