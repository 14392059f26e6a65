# The bayes section of the config, its checks, and the cluster resources of its jobs from
# their problem size (aim.bayes.costs).
from aim.bayes import costs
from aim.bayes import targets as bayes

BAYES = config["bayes"]
if bayes.validation_inputs(BAYES, config["figures"]):
    EXTRA_TARGETS += [bayes.VALIDATION_CSV, bayes.VALIDATION_HTML]
try:
    bayes.check_section(
        BAYES, limits=config["limits"], job_sizes=workflow.is_main_process
    )
except InputError as err:
    config_error(err)


def bayes_amp_memory(wildcards, attempt):
    size = dict(
        alpha=float(wildcards.alpha), d=int(wildcards.d), T=int(wildcards.get("T", 2))
    )
    return attempt * costs.amp_memory_mb(**size)


def bayes_amp_runtime(channel):
    def runtime(wildcards, attempt):
        seconds = costs.amp_seconds(
            alpha=float(wildcards.alpha),
            d=int(wildcards.d),
            T=int(wildcards.get("T", 2)),
            iterations=BAYES[channel].get("amp", {}).get("max_iter", 100)
            * len(bayes.seed_range(wildcards.seeds)),
        )
        return minutes(seconds, attempt)

    return runtime


def bayes_gd_size(wildcards):
    return dict(
        alpha=float(wildcards.alpha),
        d=int(wildcards.d),
        T=int(wildcards.T),
        rho=float(wildcards.rho),
        students=int(wildcards.K),
    )


def bayes_gd_memory(wildcards, attempt):
    return attempt * costs.gd_memory_mb(**bayes_gd_size(wildcards))


def bayes_gd_runtime(wildcards, attempt):
    gd = BAYES["softmax"]["gd"]
    seconds = costs.gd_seconds(
        **bayes_gd_size(wildcards), steps=gd["steps"], threads=gd["threads"]
    )
    return minutes(seconds, attempt)
