"""The wing's vocabulary: long_name and units of every variable its datasets hold (with
aim.core.io.COMMON_ATTRS)."""

THEORY_ATTRS = {
    "q": ("student overlap ||S_hat||_F^2 / d", "1"),
    "m": ("teacher-student overlap Tr(S_hat S0) / d", "1"),
    "sigma": ("response of S_hat to its field (inf: interpolating phase)", "1"),
    "q_hat": ("conjugate of q", "1"),
    "m_hat": ("conjugate of m", "1"),
    "sigma_hat": ("conjugate of sigma", "1"),
    "test_error": ("test error against noisy labels, summed over the T^2 entries", "1"),
    "train_loss": ("training objective / d^2 (data term and penalty)", "1"),
    "mse": ("estimation error ||S_hat - S0||_F^2 / d", "1"),
    "rank": ("predicted fraction of non-zero eigenvalues of S_hat", "1"),
    "residual": ("max |log hats - log map(hats)| at the reported point", "1"),
    "evaluations": ("output-side evaluations spent on the point", "1"),
    "unconverged_nodes": ("fraction of Sobol nodes whose proximal point did not converge", "1"),
    "phase": (
        "0 finite sigma, 1 interpolating (lambda -> 0+), 2 zero student, 3 perfect recovery",
        "1",
    ),
    "branches": ("distinct converged fixed points met by the two continuations", "1"),
    "alpha_bar": ("effective sample ratio alpha (T^2 + T - 2) / 2", "1"),
    "alpha_interp": ("interpolation threshold (lambda -> 0+) in alpha", "1"),
    "kappa0": ("teacher width r / d", "1"),
    "noise": ("label noise Delta (variance of the diagonal pre-activation noise)", "1"),
    "lam": ("penalty lambda_t", "1"),
    "delta": ("noise level delta of the eigenvalue law eta (S0 + delta Z - eps)_+", "1"),
    "eps": ("eigenvalue threshold eps of that law", "1"),
    "eta": ("scale eta of that law", "1"),
    "upper_bulk": ("mass of the upper bulk of mu_delta once its support split (NaN before)", "1"),
    "s": ("singular value of W / (p d)^(1/4)", "1"),
    "density": ("density of the non-zero singular values of W / (p d)^(1/4)", "1"),
    "atom": ("fraction of zero singular values", "1"),
    "teacher_density": ("density of the non-zero singular values of W0 / (r d)^(1/4)", "1"),
    "teacher_atom": ("fraction of zero singular values of the teacher", "1"),
}

GD_ATTRS = {
    "run": ("run index", "1"),
    "data_seed": ("seed of the run's teacher, tokens and labels (numpy default_rng)", "1"),
    "init_seed": ("seed of the run's initial weights (torch)", "1"),
    "test_error": ("test error against noisy labels on fresh samples", "1"),
    "test_error_clean": ("test error against the noiseless teacher's labels", "1"),
    "train_loss": ("training objective / d^2 (data term and penalty)", "1"),
    "mse": ("estimation error ||S_hat - S0||_F^2 / d", "1"),
    "steps": ("Adam steps taken", "1"),
    "stopped": ("the stopping rule stopped the run (1) or the step cap did (0)", "1"),
    "diverged": ("the run's loss or estimate stopped being finite (1) or not (0)", "1"),
    "eigenvalue": ("eigenvalue index, ascending", "1"),
    "eigenvalues": ("eigenvalues of S_hat (singular values of W/(p d)^(1/4) squared)", "1"),
    "kappa": ("student width p / d", "1"),
    "kappa0": ("teacher width r / d", "1"),
    "noise": ("label noise Delta", "1"),
    "lam": ("penalty lambda_t", "1"),
    "beta": ("temperature beta = beta0 of student and teacher", "1"),
    "parameterisation": ("factorized (W W^T, weight decay) or direct (S, Frobenius)", "1"),
    "task": ("label: sequence-to-label loss; seq2seq: sequence-to-sequence", "1"),
}

THRESHOLD_ATTRS = {
    "kappa0": ("teacher width r / d", "1"),
    "kappa0_unit": ("teacher width r / d (below 1)", "1"),
    "noise": ("label noise Delta", "1"),
    "alpha_bar_perfect_factorized": ("perfect recovery, factorized ERM (noiseless)", "1"),
    "alpha_bar_perfect_direct": ("perfect recovery, direct ERM (noiseless)", "1"),
    "alpha_bar_interp_noiseless": ("interpolation threshold as Delta -> 0", "1"),
    "alpha_bar_bayes": ("Bayes-optimal perfect recovery", "1"),
    "alpha_bar_interp": ("interpolation threshold (lambda -> 0+) in alpha_bar", "1"),
    "delta_bar": ("noise level delta_bar of the effective denoising problem", "1"),
    "found": ("the threshold's root was bracketed (1) or not (0, NaN)", "1"),
    "pr_factorized_at_half": ("perfect recovery, factorized ERM, at kappa0 = 0.5", "1"),
    "interp_noiseless_at_half": ("interpolation threshold as Delta -> 0, at kappa0 = 0.5", "1"),
}

_MEASURE_NAMES = {
    "test_error": "test error (noisy labels)",
    "test_error_clean": "test error (noiseless labels)",
    "train_loss": "train loss / d^2",
    "mse": "estimation error ||S_hat - S0||_F^2 / d",
}

AGGREGATE_ATTRS = {
    "curve": ("SE curve index", "1"),
    "point": ("GD (point, lambda) index", "1"),
    "best_point": ("GD point at its oracle lambda, index", "1"),
    "oracle_param": ("parameterisation of the oracle curve", "1"),
    "oracle_lam": ("lambda of the oracle choice (the lowest mean test error or MSE)", "1"),
    "oracle_found": ("some curve converged at this alpha (1) or none (0)", "1"),
    "oracle_test_error": ("SE test error at the oracle lambda", "1"),
    "oracle_mse": ("SE estimation error at the best lambda", "1"),
    "panel": ("spectrum panel index", "1"),
    "panel_alpha": ("alpha of the spectrum panel", "1"),
    "panel_d": ("token dimension of the panel's runs", "1"),
    "panel_singular_values": ("singular values of W / (p d)^(1/4), pooled over runs", "1"),
    "value": ("singular value index", "1"),
    "law_node": ("node of the theory density", "1"),
    "law_s": ("singular value s of the theory density", "1"),
    "law_density": ("theory density of the non-zero singular values", "1"),
    "law_teacher_density": ("density of the teacher's non-zero singular values", "1"),
    "law_atom": ("theory fraction of zero singular values", "1"),
    "law_teacher_atom": ("the teacher's fraction of zero singular values", "1"),
    "law_converged": ("the panel's SE point converged (1) or not (0)", "1"),
    "bayes_node": ("node of the Bayes-optimal curve", "1"),
    "bayes_alpha_bar": ("alpha_bar of the Bayes-optimal curve", "1"),
    "bayes_mmse": ("Bayes-optimal MMSE of S (arXiv:2506.01582)", "1"),
    "bayes_converged": ("Bayes-optimal fixed point converged (1) or not (0)", "1"),
    "threshold_noise": ("label noise of the interpolation thresholds", "1"),
    "threshold_kappa0": ("teacher width of the interpolation thresholds", "1"),
}

_POINT_FIELDS = {
    "runs": ("runs that count (did not diverge)", "1"),
    "diverged": ("runs left out: diverged", "1"),
    "capped": ("runs that hit the step cap before the stopping rule", "1"),
    "d": ("token dimension", "1"),
    "alpha": ("sample ratio n / d^2", "1"),
    "task": ("label or seq2seq", "1"),
    **{
        key: GD_ATTRS[key]
        for key in ("kappa", "kappa0", "noise", "lam", "beta", "parameterisation")
    },
    "T": ("tokens per sequence", "1"),
    **{f"{m}_mean": (f"{text}, mean over runs", "1") for m, text in _MEASURE_NAMES.items()},
    **{f"{m}_std": (f"{text}, std over runs (ddof 1)", "1") for m, text in _MEASURE_NAMES.items()},
}
AGGREGATE_ATTRS |= {f"gd_{k}": (f"GD: {v[0]}", v[1]) for k, v in _POINT_FIELDS.items()}
AGGREGATE_ATTRS |= {
    f"best_{k}": (f"GD at the oracle lambda: {v[0]}", v[1]) for k, v in _POINT_FIELDS.items()
}
AGGREGATE_ATTRS |= {"parameterisation": GD_ATTRS["parameterisation"], "beta": GD_ATTRS["beta"]}
