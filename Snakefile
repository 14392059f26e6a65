from snakemake.utils import min_version

min_version("9.0")


# The effective config is exactly the file named: config/config.yaml only when no
# --configfile is given (--config key=value still overlays it, as documented).
if not workflow.overwrite_configfiles:

    configfile: f"{workflow.basedir}/config/config.yaml"


include: "workflow/rules/common.smk"


if "bayes" in config:

    include: "workflow/rules/bayes_common.smk"
    include: "workflow/rules/bayes.smk"


if "erm" in config:

    include: "workflow/rules/erm_common.smk"
    include: "workflow/rules/erm.smk"


if "deep" in config:

    include: "workflow/rules/deep_common.smk"
    include: "workflow/rules/deep.smk"


include: "workflow/rules/figures.smk"


rule all:
    default_target: True
    input:
        EFFECTIVE_CONFIG,
        figure_targets(config["figures"]),
        EXTRA_TARGETS,
