"""check_formula on lines of code: real lines from VAE and RL codebases, and each construct.

REAL holds lines quoted verbatim from their sources (the formula-audit chapter
links each one); SYNTHETIC exercises every accepted construct once or more.
"""

import pytest

from kltools import check_formula

from .test_formulas import assert_true_counterexample

SPINNINGUP = {"mu0": "mu", "var0": "var", "log_std0": "log_std",
              "mu1": "mu_p", "var1": "var_p", "log_std1": "log_std_p"}
BASELINES = {"self.mean": "mu", "self.logstd": "log_std", "self.std": "std",
             "other.mean": "mu_p", "other.logstd": "log_std_p", "other.std": "std_p"}

REAL = [
    # (line, names, verdict, reinterpretation, reduction)
    ("kl_loss = - 0.5 * K.mean(1 + z_log_sigma - K.square(z_mean) - K.exp(z_log_sigma), axis=-1)",
     None, "kl_qp", {"z_log_sigma": "log_var"}, "mean"),  # Keras blog, 2016
    ("kl_loss = - 0.5 * K.sum(1 + z_log_var - K.square(z_mean) - K.exp(z_log_var), axis=-1)",
     None, "kl_qp", {}, "sum"),  # keras examples, quoted in keras-team/keras#6015
    ("kl_loss = -0.5 * ops.mean(1 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var), axis=1)",
     None, "kl_qp", {}, "mean"),  # Keras 3, keras-team/keras#19560
    ("KLD = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())",
     None, "kl_qp", {}, "sum"),  # pytorch/examples vae/main.py
    ("kld_loss = torch.mean(-0.5 * torch.sum(1 + log_var - mu ** 2 - log_var.exp(), dim = 1), dim"
     " = 0)",
     None, "kl_qp", {}, "sum"),  # AntixK/PyTorch-VAE#69
    ("kl_q_p(μ, logσ) = 0.5f0 * sum(exp.(2f0 .* logσ) + μ.^2 .- 1f0 .- (2 .* logσ))",
     None, "kl_qp", {}, "sum"),  # FluxML/model-zoo after #76 and #147
    ("return -0.5 * tf.reduce_sum(1 + 2 * log_sigma - mu**2 -\n"
     "                                        tf.exp(2 * log_sigma), 1)",
     None, "kl_qp", {}, "sum"),  # fastforwardlabs/vae-tf#3
    ("kl_divergence = (1 / 2) * torch.sum(torch.exp(std) + torch.square(mean) - 1 - std, axis=1)",
     # AndrewSpano/Disentangled-Variational-Autoencoder#12
     None, "kl_qp", {"std": "log_var"}, "sum"),
    ("pre_sum = 0.5*(((mu1- mu0)**2 + var0)/(var1 + EPS) - 1) +  log_std1 - log_std0",
     {**SPINNINGUP, "EPS": 0}, "kl_qp", {}, None),  # openai/spinningup, EPS read as 0
    ("pre_sum = 0.5*(((mu1- mu0)**2 + var0)/(var1 + EPS) - 1) +  log_std1 - log_std0",
     {**SPINNINGUP, "EPS": 1e-8}, "no_match", {}, None),  # ... and as its value 1e-8
    ("return tf.reduce_sum(other.logstd - self.logstd + (tf.square(self.std) + "
     "tf.square(self.mean - other.mean)) / (2.0 * tf.square(other.std)) - 0.5, axis=-1)",
     BASELINES, "kl_qp", {}, "sum"),  # openai/baselines DiagGaussianPd.kl
    ("torch.mean(0.5 * torch.sum(torch.exp(logVar) + mean ** 2 - 1. - logVar, 1))",
     {"logVar": "log_var"}, "kl_qp", {}, "sum"),  # wiseodd/generative-models#40
    ("kl_loss = 0.5 * torch.sum(torch.exp(z_var) + z_mu**2 - 1.0 - z_var)",
     # graviraja/pytorch-sample-codes#7
     {"z_mu": "mu", "z_var": "var"}, "kl_qp", {"z_var": "log_var"}, "sum"),
]


@pytest.mark.parametrize("line, names, verdict, reinterp, reduction", REAL)
def test_real_lines(line, names, verdict, reinterp, reduction):
    result = check_formula(line, names=names)
    assert (result.verdict, result.reinterpretation, result.reduction) == (
        verdict, reinterp, reduction)
    assert result.formula == line
    if verdict == "no_match":
        assert_true_counterexample(result)


def test_the_spinningup_guard_is_the_only_difference():
    result = check_formula(REAL[9][0], names=REAL[9][1])
    ce = result.counterexample
    assert 1e-10 < abs(ce["difference"]) < 1e-8 * ce["kl_qp"] + 1e-8  # the EPS shift, nothing else


KL_LOGVAR = "1 + logvar - mu**2 - exp(logvar)"

SYNTHETIC = [
    # assignments, return and the left side
    ("kl = -0.5*(" + KL_LOGVAR + ")", "kl_qp", {}, None),
    ("a = b = -0.5*(" + KL_LOGVAR + ")", "kl_qp", {}, None),
    ("kl: float = -0.5*(" + KL_LOGVAR + ")", "kl_qp", {}, None),
    ("self.kl[0] = -0.5*(" + KL_LOGVAR + ")", "kl_qp", {}, None),
    ("return -0.5*(" + KL_LOGVAR + ")", "kl_qp", {}, None),
    ("kl(mu, logvar) = -0.5*(" + KL_LOGVAR + ")", "kl_qp", {}, None),
    ("    kl = -0.5*(" + KL_LOGVAR + ")  # a comment", "kl_qp", {}, None),
    ("kl = -0.5*(1 + logvar\n          - mu**2 - exp(logvar))", "kl_qp", {}, None),
    ("kl = -0.5*(1 + logvar \\\n - mu**2 - exp(logvar))", "kl_qp", {}, None),
    # every prefix on every function
    *[(f"-0.5*{p}.sum(1 + {p}.log({p}.exp(logvar)) - {p}.square(mu)"
       f" - {p}.pow({p}.sqrt({p}.exp(logvar)), 2))",
       "kl_qp", {}, "sum")
      for p in ("torch", "np", "numpy", "jnp", "tf", "tf.math", "K", "ops", "keras.ops", "math")],
    ("-0.5*tf.reduce_sum(1 + logvar - tf.square(mu) - tf.exp(logvar),"
     " axis=-1)", "kl_qp", {}, "sum"),
    ("-0.5*tf.reduce_mean(1 + logvar - tf.square(mu) - tf.exp(logvar))", "kl_qp", {}, "mean"),
    ("-0.5*tf.math.reduce_sum(1 + logvar - tf.math.square(mu) - tf.math.exp(logvar),"
     " 1)", "kl_qp", {}, "sum"),
    ("-0.5*sum(1 + logvar - square(mu) - exp(logvar))", "kl_qp", {}, "sum"),
    ("-0.5*mean(1 + logvar - pow(mu, 2) - sqrt(exp(logvar))**2)", "kl_qp", {}, "mean"),
    ("log10(exp(1))*0 + -0.5*(" + KL_LOGVAR + ")", "kl_qp", {}, None),
    # methods and keyword arguments
    ("-0.5*(1 + logvar - mu.pow(2) - logvar.exp()).sum()", "kl_qp", {}, "sum"),
    ("-0.5*(1 + logvar - mu.square() - logvar.exp()).mean(dim=1)", "kl_qp", {}, "mean"),
    ("-0.5*(1 + logvar - mu.pow(2) - logvar.exp()).sum(1).mean()", "kl_qp", {}, "sum"),
    ("-0.5*(1 + logvar.exp().log() - mu**2 - logvar.exp()).sum(-1,"
     " keepdim=True)", "kl_qp", {}, "sum"),
    ("-0.5*torch.sum(1 + logvar - mu**2 - logvar.exp(), dim=-1,"
     " keepdim=False)", "kl_qp", {}, "sum"),
    ("-0.5*np.mean(1 + logvar - mu**2 - np.exp(logvar), axis=(1, 2),"
     " keepdims=True)", "kl_qp", {}, "mean"),
    # over the batch only
    ("-0.5*(1 + logvar - mu**2 - logvar.exp()).mean(dim=0)", "kl_qp", {}, None),
    ("-0.5*torch.sum(torch.sum(1 + logvar - mu**2 - logvar.exp(), dim=1),"
     " dim=0)", "kl_qp", {}, "sum"),
    ("torch.sum(-0.5*(1 + logvar)) + torch.sum(0.5*(mu**2 + logvar.exp()))", "kl_qp", {}, "sum"),
    ("(std.pow(2) + mean.pow(2) - 1 - 2*std.log()).sum() / 2", "kl_qp", {}, "sum"),
    # every name for q, and p by suffix and prefix
    ("0.5*(variance + mean**2 - 1 - log(variance))", "kl_qp", {}, None),
    ("0.5*(scale**2 + mu_q**2 - 1) - log(scale)", "kl_qp", {}, None),
    ("0.5*(z_std**2 + z_mean**2 - 1) - log(z_std)", "kl_qp", {}, None),
    ("-0.5*(1 + log_sigma2 - mu**2 - exp(log_sigma2))", "kl_qp", {}, None),
    ("-0.5*(1 + 2*log_std - mu**2 - exp(2*log_std))", "kl_qp", {}, None),
    ("-0.5*(1 + 2*log_sigma - mu**2 - exp(2*log_sigma))", "kl_qp", {}, None),
    ("0.5*(σ**2 + μ**2 - 1) - log(σ)", "kl_qp", {}, None),
    ("0.5*(σ**2 + µ**2 - 1) - log(σ)", "kl_qp", {}, None),  # the micro sign is read as mu
    ("log(std_p/std) + (std**2 + (mean - mean_p)**2)/(2*std_p**2) - 0.5", "kl_qp", {}, None),
    ("0.5*(prior_logvar - logvar + (exp(logvar) + (mu - prior_mu)**2)/exp(prior_logvar) -"
     " 1)", "kl_qp", {}, None),
    ("0.5*(z_log_var_p - z_log_var + (exp(z_log_var) + (z_mean - z_mean_p)**2)/exp(z_log_var_p) -"
     " 1)",
     "kl_qp", {}, None),
    ("prior_log_std - log_std + (exp(2*log_std) + (mu - prior_mean)**2)/(2*exp(2*prior_log_std))"
     " - 0.5",
     "kl_qp", {}, None),
    ("log(variance_p)/2 - log(variance)/2 + (variance + (mu - mu_p)**2)/(2*variance_p) -"
     " 0.5", "kl_qp", {}, None),
    # reinterpretations, each quantity
    ("0.5*(std + mean**2 - 1 - log(std))", "kl_qp", {"std": "var"}, None),
    ("0.5*(exp(std) + mean**2 - 1 - std)", "kl_qp", {"std": "log_var"}, None),
    ("0.5*(exp(2*std) + mean**2 - 1) - std", "kl_qp", {"std": "log_sigma"}, None),
    ("0.5*(var**2 + mean**2 - 1) - log(var)", "kl_qp", {"var": "sigma"}, None),
    ("-0.5*(1 + logvar - mu**2 - exp(2*logvar)) -"
     " logvar/2", "kl_qp", {"logvar": "log_sigma"}, None),
    ("log(std_p/std) + (std + (mu - mu_p)**2)/(2*std_p**2) - 1/2 +"
     " log(std)/2", "kl_qp", {"std": "var"}, None),
    ("0.5*(var_p - log(var)) + (var + (mu - mu_p)**2)/(2*exp(var_p)) -"
     " 0.5", "kl_qp", {"var_p": "log_var"}, None),
    # the other verdicts, as code
    ("elbo_kl = 0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())", "neg_kl_qp", {}, "sum"),
    ("torch.log(std) + (1 + mean**2)/(2*std**2) - 0.5", "kl_pq", {}, None),
    ("-(torch.log(std) + (1 + mean**2)/(2*std**2) - 0.5)", "neg_kl_pq", {}, None),
    # wrong lines
    ("-0.5*torch.sum(1 + logvar - mu.pow(2) - logvar.exp().pow(2))", "no_match", {}, "sum"),
    ("-0.5*torch.sum(1 + logvar - mu - logvar.exp())", "no_match", {}, "sum"),
    ("-0.5*torch.sum(1 + torch.log(logvar.exp() + 1e-8) - mu.pow(2) -"
     " logvar.exp())", "no_match", {}, "sum"),
    ("0.5*torch.sum(std**2 + mean**2 - 1 - torch.log10(std**2))", "no_match", {}, "sum"),
]


@pytest.mark.parametrize("line, verdict, reinterp, reduction", SYNTHETIC)
def test_constructs(line, verdict, reinterp, reduction):
    result = check_formula(line)
    assert (result.verdict, result.reinterpretation, result.reduction) == (
        verdict, reinterp, reduction)
    if verdict == "no_match":
        assert_true_counterexample(result)


def test_names_report_what_each_name_was_read_as():
    assert check_formula(REAL[0][0]).names == {"z_log_sigma": "log_sigma", "z_mean": "mu"}
    assert check_formula(REAL[10][0], names=BASELINES).names == {
        "other.logstd": "log_sigma_p", "self.logstd": "log_sigma", "self.std": "sigma",
        "self.mean": "mu", "other.mean": "mu_p", "other.std": "sigma_p"}


def test_julia_spellings_keep_their_values():
    for line in ("0.5f0 * (μ.^2 .+ σ.^2 .- 1f0) .- log.(σ)", "0.5 * (μ^2 + σ^2 - 1) - log(σ)",
                 "0.5*(1.-1.+mu**2 + sigma**2 - 1) - log(sigma)"):
        assert check_formula(line).correct, line
