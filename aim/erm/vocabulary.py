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
    "phase": ("0 finite sigma, 1 interpolating (lambda -> 0+), 2 zero student", "1"),
    "branches": ("distinct converged fixed points met by the two continuations", "1"),
    "alpha_bar": ("effective sample ratio alpha (T^2 + T - 2) / 2", "1"),
    "alpha_interp": ("interpolation threshold (lambda -> 0+) in alpha", "1"),
    "kappa0": ("teacher width r / d", "1"),
    "noise": ("label noise Delta (variance of the diagonal pre-activation noise)", "1"),
    "lam": ("penalty lambda_t", "1"),
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
