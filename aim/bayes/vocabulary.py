"""The wing's vocabulary: long_name and units of every variable its datasets hold (with
aim.core.io.COMMON_ATTRS)."""

X_ATTRS = ("alpha (T^2 + T - 2)", "1")

THEORY_ATTRS = {
    "mmse": ("Bayes-optimal estimation error ||S_hat - S||_F^2 / d", "1"),
    "q": ("overlap Tr(S_hat S) / d at the fixed point", "1"),
    "q_hat": ("conjugate overlap at the fixed point", "1"),
    "converged": ("fixed-point solver converged (1) or hit its iteration cap (0)", "1"),
    "iterations": ("fixed-point iterations", "1"),
    "alpha_bar": ("sample ratio per rank n / (d r) = alpha / rho", "1"),
    "x": X_ATTRS,
    "alpha_bar_weak": ("weak-recovery threshold as rho -> 0", "1"),
    "alpha_perfect": ("perfect-recovery sample ratio", "1"),
}


AMP_RUN_ATTRS = {
    "x": X_ATTRS,
    "iteration": ("AMP iteration", "1"),
    "mse": ("final estimation error ||S_hat - S||_F^2 / d", "1"),
    "predicted_mse": ("AMP's predicted error mmse_S(Delta) at the last iteration", "1"),
    "iterations": ("AMP iterations run", "1"),
    "converged": (
        "step fell below tol or the iterate became stationary (1); cap hit (0)",
        "1",
    ),
    "diverged": ("precision or estimate left every posterior's range; the run stopped", "1"),
    "consistent": (
        "|mse - predicted_mse| <= 0.25 max(mse, predicted_mse) + 1/d (1); 0: left out",
        "1",
    ),
    "trace_step": ("step size ||S_new - S_hat||_F^2 / d", "1"),
    "trace_mse": ("estimation error ||S_hat - S||_F^2 / d", "1"),
    "trace_predicted_mse": ("predicted error mmse_S(Delta)", "1"),
    "trace_delta": ("effective noise Delta = 1 / q_hat of the RIE step", "1"),
    "trace_self_overlap": ("self-overlap ||S_hat||_F^2 / d (stationarity test)", "1"),
    "trace_damping": ("damping of the accepted step (raised where a step overshot)", "1"),
}


GD_RUN_ATTRS = {
    "x": X_ATTRS,
    "student": ("student index", "1"),
    "init_seed": ("seed of the student's initial weights (torch)", "1"),
    "step": ("Adam step at which the loss was recorded", "1"),
    "single_mse": ("error ||S_hat_k - S||_F^2 / d of each student (NaN: diverged)", "1"),
    "diverged": ("student's loss or estimate stopped being finite (1) or not (0)", "1"),
    "diverged_step": ("first step whose loss was not finite (-1: never)", "1"),
    "averaged_mse": ("error of the mean S_hat of the students that did not diverge", "1"),
    "final_loss": ("training loss after the last step", "1"),
    "loss": ("training loss: sum over samples and T^2 entries of squared error / d", "1"),
}


AMP_POINT_ATTRS = {
    "amp_mse_mean": ("GAMP-RIE error, mean over the seeds that count", "1"),
    "amp_mse_std": ("GAMP-RIE error, standard deviation over the seeds that count", "1"),
    "amp_seeds": ("GAMP-RIE seeds that count (consistent, not diverged)", "1"),
    "amp_left_out": ("GAMP-RIE seeds left out: diverged, or predicted != measured", "1"),
    "amp_converged": ("fraction of the counted GAMP-RIE seeds whose step fell below tol", "1"),
    "alpha_amp": ("sample ratio n / d^2 of the GAMP-RIE points", "1"),
    "x_amp": ("alpha (T^2 + T - 2) of the GAMP-RIE points", "1"),
    "amp_theory": ("state-evolution error at the GAMP-RIE point (solved there)", "1"),
}


GD_POINT_ATTRS = {
    "gd_single_mean": ("GD single-run error: mean over draws of the students' mean", "1"),
    "gd_single_std": ("GD single-run error: std over draws of the students' mean", "1"),
    "gd_averaged_mean": ("GD error of the students' averaged S_hat: mean over draws", "1"),
    "gd_averaged_std": ("GD error of the students' averaged S_hat: std over draws", "1"),
    "gd_draws": ("(teacher, data) draws at the point with a student that did not diverge", "1"),
    "gd_diverged": ("students that diverged at the point (left out of every mean)", "1"),
    "x_gd": ("alpha (T^2 + T - 2) of the GD points", "1"),
    "gd_theory": ("Bayes-optimal (SE) error at the GD point (solved there)", "1"),
}


FINITE_SIZE_ATTRS = {
    "series": ("simulated quantity at a fixed point", "1"),
    "kind": ("method and channel of the series (hardmax, softmax: AMP; gd: GD averaged)", "1"),
    "value": ("the series' point: alpha (hardmax) or x = alpha (T^2 + T - 2)", "1"),
    "d": ("token dimension", "1"),
    "mean": ("error, mean over the runs that count", "1"),
    "standard_error": ("standard error of the mean (std / sqrt(count))", "1"),
    "count": ("runs that count (AMP: seeds; GD: draws)", "1"),
    "left_out": ("runs left out (diverged; AMP also predicted != measured)", "1"),
    "converged": ("fraction of the counted AMP runs that converged (GD: none)", "1"),
    "theory": ("state-evolution error at the point (d -> infinity)", "1"),
    "fit_intercept": ("weighted fit a + b / d: a, the d -> infinity value (NaN: no fit)", "1"),
    "fit_slope": ("weighted fit a + b / d: b", "1"),
    "fit_ci_low": ("lower end of the 95% interval of the extrapolation", "1"),
    "fit_ci_high": ("upper end of the 95% interval of the extrapolation", "1"),
    "fit_chi2_per_dof": ("chi^2 per degree of freedom of the fit", "1"),
    "fit_covariance": ("covariance of (a, b), scaled by chi^2 / dof where above 1", "1"),
    "fit_residual": ("(mean - fit) / standard error per size (NaN: not used)", "1"),
    "theory_in_ci": ("1: the SE value lies in the extrapolation's 95% interval", "1"),
    "students": ("GD: students averaged per draw, K (AMP: 0)", "1"),
    "theory_posterior_samples": (
        "GD: error of the mean of K independent posterior samples, SE (1 + 1/K) (AMP: NaN)",
        "1",
    ),
    "posterior_samples_in_ci": (
        "GD: 1 where SE (1 + 1/K) lies in the extrapolation's 95% interval",
        "1",
    ),
    "effective_samples": (
        "GD: independent posterior samples whose mean has the extrapolated error,"
        " SE / (a - SE) (inf: a <= SE)",
        "1",
    ),
    "effective_samples_low": ("GD: effective_samples at the interval's upper end", "1"),
    "effective_samples_high": ("GD: effective_samples at the interval's lower end", "1"),
}
