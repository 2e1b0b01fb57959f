"""check_formula on real Gaussian-KL code, quoted as written from public repositories.

Each row quotes one or a few lines exactly as they are in the named repository, path, commit
and lines, and states the truth decided from the surrounding code (the sampling line, what
the network outputs, the docstring): the verdict, the constant factor, the reading each name
needs and the reduction.  ``names=`` gives only what the code's own names mean.
"""

import time
from dataclasses import dataclass
from fractions import Fraction

import pytest

from kltools import check_formula

from .test_checker_code_lines import SPINNINGUP
from .test_formulas import assert_true_counterexample

DIFFUSERS = {"self.mean": "mu", "self.var": "var", "self.logvar": "logvar"}
DIFFUSERS_OTHER = {**DIFFUSERS, "other.mean": "mu_p", "other.var": "var_p",
                   "other.logvar": "logvar_p"}
NORMAL_KL = {"mean1": "mu", "logvar1": "log_var", "mean2": "mu_p", "logvar2": "log_var_p"}
RLLAB = {"old_means": "mu", "old_log_stds": "log_std", "new_means": "mu_p",
         "new_log_stds": "log_std_p"}


@dataclass(frozen=True)
class RealLine:
    id: str
    repo: str
    path: str
    commit: str
    lines: str
    code: str
    names: dict | None
    verdict: str
    factor: int
    reinterpretation: dict
    reduction: str | None
    truth: str


REAL_LINES = [
    RealLine(
        'pytorch-examples-vae', 'pytorch/examples',
        'vae/main.py',
        '77f55b912142e11fcfdf5b530231fb9c52f181e8', '87',
        '    KLD = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())',
        None,
        'kl_qp', 1, {}, 'sum',
        'std = exp(0.5*logvar) in reparameterize: a log-variance'),
    RealLine(
        'antixk-vanilla-vae', 'AntixK/PyTorch-VAE',
        'models/vanilla_vae.py',
        'a6896b944c918dd7030e7d795a8c13e5c6345ec7', '143',
        ('        kld_loss = torch.mean(-0.5 * torch.sum(1 + log_var - mu ** 2 -'
         ' log_var.exp(), dim = 1), dim = 0)'),
        None,
        'kl_qp', 1, {}, 'sum',
        'std = exp(0.5 * logvar) in reparameterize'),
    RealLine(
        'antixk-dip-vae', 'AntixK/PyTorch-VAE',
        'models/dip_vae.py',
        'a6896b944c918dd7030e7d795a8c13e5c6345ec7', '144',
        ('        kld_loss = torch.sum(-0.5 * torch.sum(1 + log_var - mu ** 2 -'
         ' log_var.exp(), dim = 1), dim = 0)'),
        None,
        'kl_qp', 1, {}, 'sum',
        'sum over the latent dimension 1, then over the batch'),
    RealLine(
        'antixk-info-vae', 'AntixK/PyTorch-VAE',
        'models/info_vae.py',
        'a6896b944c918dd7030e7d795a8c13e5c6345ec7', '143',
        ('        kld_loss = torch.mean(-0.5 * torch.sum(1 + log_var - mu ** 2 -'
         ' log_var.exp(), dim=1), dim=0)'),
        None,
        'kl_qp', 1, {}, 'sum',
        'as vanilla_vae'),
    RealLine(
        'antixk-iwae', 'AntixK/PyTorch-VAE',
        'models/iwae.py',
        'a6896b944c918dd7030e7d795a8c13e5c6345ec7', '150',
        ('        kld_loss = -0.5 * torch.sum(1 + log_var - mu ** 2 -'
         ' log_var.exp(), dim=2) ## [B x S]'),
        None,
        'kl_qp', 1, {}, 'sum',
        '[B x S x D]: dim=2 is the latent axis'),
    RealLine(
        'antixk-miwae', 'AntixK/PyTorch-VAE',
        'models/miwae.py',
        'a6896b944c918dd7030e7d795a8c13e5c6345ec7', '155',
        ('        kld_loss = -0.5 * torch.sum(1 + log_var - mu ** 2 -'
         ' log_var.exp(), dim=3) # [B x M x S]'),
        None,
        'kl_qp', 1, {}, 'sum',
        '[B x M x S x D]: dim=3 is the latent axis'),
    RealLine(
        'antixk-joint-vae', 'AntixK/PyTorch-VAE',
        'models/joint_vae.py',
        'a6896b944c918dd7030e7d795a8c13e5c6345ec7', '224-226',
        ('        kld_cont_loss = torch.mean(-0.5 * torch.sum(1 + log_var - mu ** 2'
         ' - log_var.exp(),\n'
         '                                                    dim=1),\n'
         '                                   dim=0)'),
        None,
        'kl_qp', 1, {}, 'sum',
        'the continuous part of JointVAE'),
    RealLine(
        'antixk-hvae-z1', 'AntixK/PyTorch-VAE',
        'models/hvae.py',
        'a6896b944c918dd7030e7d795a8c13e5c6345ec7', '216-217',
        ('        z1_kld = torch.mean(-0.5 * torch.sum(1 + z1_log_var - z1_mu ** 2'
         ' - z1_log_var.exp(), dim = 1),\n'
         '                            dim = 0)'),
        {"z1_mu": "mu", "z1_log_var": "log_var"},
        'kl_qp', 1, {}, 'sum',
        'q(z1|x) against N(0, 1)'),
    RealLine(
        'antixk-hvae-z1-prior', 'AntixK/PyTorch-VAE',
        'models/hvae.py',
        'a6896b944c918dd7030e7d795a8c13e5c6345ec7', '221-223',
        ('        z1_p_kld = torch.mean(-0.5 * torch.sum(1 + z1_p_log_var - (z1 -'
         ' z1_p_mu) ** 2 - z1_p_log_var.exp(),\n'
         '                                               dim = 1),\n'
         '                            dim = 0)'),
        {"z1": "mu", "z1_p_mu": "mu_p", "z1_p_log_var": "log_var"},
        'kl_qp', 1, {}, 'sum',
        ('the line is KL(N(z1, exp(z1_p_log_var)) || N(z1_p_mu, 1)): p has a mean'
         ' and no scale')),
    RealLine(
        'antixk-lvae', 'AntixK/PyTorch-VAE',
        'models/lvae.py',
        'a6896b944c918dd7030e7d795a8c13e5c6345ec7', '193-194',
        ('        kl = (log_var_p - log_var_q) + (log_var_q.exp() + (mu_q -'
         ' mu_p)**2)/(2 * log_var_p.exp()) - 0.5\n'
         '        kl = torch.sum(kl, dim = -1)'),
        {"log_var_q": "log_var"},
        'no_match', 1, {}, 'sum',
        'merge_gauss treats exp(log_var) as a variance, so the log term lacks its 1/2'),
    RealLine(
        'bojone-vae', 'bojone/vae',
        'vae_keras.py',
        '69931f5380c62124c35821b2b7d4186b14654073', '63',
        ('kl_loss = - 0.5 * K.sum(1 + z_log_var - K.square(z_mean) -'
         ' K.exp(z_log_var), axis=-1)'),
        None,
        'kl_qp', 1, {}, 'sum',
        'sampling: z_mean + K.exp(z_log_var / 2) * epsilon'),
    RealLine(
        'bojone-cvae', 'bojone/vae',
        'cvae_keras.py',
        '69931f5380c62124c35821b2b7d4186b14654073', '74',
        ('kl_loss = - 0.5 * K.sum(1 + z_log_var - K.square(z_mean - yh) -'
         ' K.exp(z_log_var), axis=-1)'),
        {"yh": "mu_p"},
        'kl_qp', 1, {}, 'sum',
        'yh is the class mean: the prior is N(yh, 1)'),
    RealLine(
        'diffusers-vae-prior', 'huggingface/diffusers',
        'src/diffusers/models/autoencoders/vae.py',
        '58eb52c0803ea9af3abec60841c2a093bdf1f951', '716-719',
        ('                return 0.5 * torch.sum(\n'
         '                    torch.pow(self.mean, 2) + self.var - 1.0 - self.logvar,\n'
         '                    dim=[1, 2, 3],\n'
         '                )'),
        {"self.mean": "mu",
         "self.var": "var",
         "self.logvar": "logvar"},
        'kl_qp', 1, {}, 'sum',
        'self.var = exp(self.logvar); dim=[1, 2, 3] are the latent axes'),
    RealLine(
        'diffusers-vae-other', 'huggingface/diffusers',
        'src/diffusers/models/autoencoders/vae.py',
        '58eb52c0803ea9af3abec60841c2a093bdf1f951', '721-728',
        ('                return 0.5 * torch.sum(\n'
         '                    torch.pow(self.mean - other.mean, 2) / other.var\n'
         '                    + self.var / other.var\n'
         '                    - 1.0\n'
         '                    - self.logvar\n'
         '                    + other.logvar,\n'
         '                    dim=[1, 2, 3],\n'
         '                )'),
        DIFFUSERS_OTHER,
        'kl_qp', 1, {}, 'sum',
        "KL(self || other), other's var and logvar alike"),
    RealLine(
        'diffusers-oobleck-prior', 'huggingface/diffusers',
        'src/diffusers/models/autoencoders/autoencoder_oobleck.py',
        '58eb52c0803ea9af3abec60841c2a093bdf1f951', '171',
        ('                return (self.mean * self.mean + self.var - self.logvar -'
         ' 1.0).sum(1).mean()'),
        {"self.mean": "mu",
         "self.var": "var",
         "self.logvar": "logvar"},
        'kl_qp', 2, {}, 'sum',
        'var = std * std, logvar = log(var): twice the KL'),
    RealLine(
        'diffusers-oobleck-other', 'huggingface/diffusers',
        'src/diffusers/models/autoencoders/autoencoder_oobleck.py',
        '58eb52c0803ea9af3abec60841c2a093bdf1f951', '173-180',
        ('                normalized_diff = torch.pow(self.mean - other.mean, 2) /'
         ' other.var\n'
         '                var_ratio = self.var / other.var\n'
         '                logvar_diff = self.logvar - other.logvar\n'
         '\n'
         '                kl = normalized_diff + var_ratio + logvar_diff - 1\n'
         '\n'
         '                kl = kl.sum(1).mean()\n'
         '                return kl'),
        DIFFUSERS_OTHER,
        'no_match', 1, {}, 'sum',
        ('logvar_diff = self.logvar - other.logvar has the wrong sign for 2 KL(self'
         ' || other)')),
    RealLine(
        'latent-diffusion-prior', 'CompVis/latent-diffusion',
        'ldm/modules/distributions/distributions.py',
        'a506df5756472e2ebaf9078affdde2c4f1502cd4', '44-46',
        ('                return 0.5 * torch.sum(torch.pow(self.mean, 2)\n'
         '                                       + self.var - 1.0 - self.logvar,\n'
         '                                       dim=[1, 2, 3])'),
        {"self.mean": "mu",
         "self.var": "var",
         "self.logvar": "logvar"},
        'kl_qp', 1, {}, 'sum',
        "as diffusers' DiagonalGaussianDistribution"),
    RealLine(
        'latent-diffusion-other', 'CompVis/latent-diffusion',
        'ldm/modules/distributions/distributions.py',
        'a506df5756472e2ebaf9078affdde2c4f1502cd4', '48-51',
        ('                return 0.5 * torch.sum(\n'
         '                    torch.pow(self.mean - other.mean, 2) / other.var\n'
         '                    + self.var / other.var - 1.0 - self.logvar + other.logvar,\n'
         '                    dim=[1, 2, 3])'),
        DIFFUSERS_OTHER,
        'kl_qp', 1, {}, 'sum',
        "as diffusers' DiagonalGaussianDistribution"),
    RealLine(
        'latent-diffusion-normal-kl', 'CompVis/latent-diffusion',
        'ldm/modules/distributions/distributions.py',
        'a506df5756472e2ebaf9078affdde2c4f1502cd4', '86-92',
        ('    return 0.5 * (\n'
         '        -1.0\n'
         '        + logvar2\n'
         '        - logvar1\n'
         '        + torch.exp(logvar1 - logvar2)\n'
         '        + ((mean1 - mean2) ** 2) * torch.exp(-logvar2)\n'
         '    )'),
        NORMAL_KL,
        'kl_qp', 1, {}, None,
        'normal_kl(mean1, logvar1, mean2, logvar2)'),
    RealLine(
        'guided-diffusion-normal-kl', 'openai/guided-diffusion',
        'guided_diffusion/losses.py',
        '22e0df8183507e13a7813f8d38d51b072ca1e67c', '33-39',
        ('    return 0.5 * (\n'
         '        -1.0\n'
         '        + logvar2\n'
         '        - logvar1\n'
         '        + th.exp(logvar1 - logvar2)\n'
         '        + ((mean1 - mean2) ** 2) * th.exp(-logvar2)\n'
         '    )'),
        NORMAL_KL,
        'kl_qp', 1, {}, None,
        'normal_kl; th is torch (import torch as th)'),
    RealLine(
        'disentanglement-lib-vae', 'google-research/disentanglement_lib',
        'disentanglement_lib/methods/unsupervised/vae.py',
        '86a644d4ed35c771560dc3360756363d35477357', '120-123',
        ('  return tf.reduce_mean(\n'
         '      0.5 * tf.reduce_sum(\n'
         '          tf.square(z_mean) + tf.exp(z_logvar) - z_logvar - 1, [1]),\n'
         '      name="kl_loss")'),
        {"z_logvar": "log_var"},
        'kl_qp', 1, {}, 'sum',
        'sampling: z_mean + tf.exp(z_logvar / 2) * noise'),
    RealLine(
        'disentanglement-lib-udr', 'google-research/disentanglement_lib',
        'disentanglement_lib/evaluation/udr/evaluate.py',
        '86a644d4ed35c771560dc3360756363d35477357', '85-87',
        ('          return np.mean(\n'
         '              0.5 * (np.square(z_mean) + np.exp(z_logvar) - z_logvar - 1),\n'
         '              axis=0)'),
        {"z_logvar": "log_var"},
        'kl_qp', 1, {}, None,
        'np.mean over axis 0, the batch'),
    RealLine(
        'disentanglement-lib-weak', 'google-research/disentanglement_lib',
        'disentanglement_lib/methods/weak/weak_vae.py',
        '86a644d4ed35c771560dc3360756363d35477357', '353-355',
        ('  var_1 = tf.exp(logvar_1)\n'
         '  var_2 = tf.exp(logvar_2)\n'
         '  return var_1/var_2 + tf.square(z_2-z_1)/var_2 - 1 + logvar_2 - logvar_1'),
        {"z_1": "mu",
         "z_2": "mu_p",
         "logvar_1": "log_var", "logvar_2": "log_var_p"},
        'kl_qp', 2, {}, None,
        'compute_kl: twice KL(q1 || q2), used only to rank the latent dimensions'),
    RealLine(
        'spinningup-trpo', 'openai/spinningup',
        'spinup/algos/tf1/trpo/core.py',
        '038665d62d569055401d91856abb287263096178', '58',
        '    pre_sum = 0.5*(((mu1- mu0)**2 + var0)/(var1 + EPS) - 1) +  log_std1 - log_std0',
        {**SPINNINGUP, "EPS": 1e-8},
        'no_match', 1, {}, None,
        'EPS = 1e-8 in core.py: the guard shifts the value by about 1e-8'),
    RealLine(
        'spinningup-trpo-function', 'openai/spinningup',
        'spinup/algos/tf1/trpo/core.py',
        '038665d62d569055401d91856abb287263096178', '57-60',
        ('    var0, var1 = tf.exp(2 * log_std0), tf.exp(2 * log_std1)\n'
         '    pre_sum = 0.5*(((mu1- mu0)**2 + var0)/(var1 + EPS) - 1) +  log_std1 - log_std0\n'
         '    all_kls = tf.reduce_sum(pre_sum, axis=1)\n'
         '    return tf.reduce_mean(all_kls)'),
        {"mu0": "mu", "log_std0": "log_std", "mu1": "mu_p", "log_std1": "log_std_p",
         "EPS": 1e-8},
        'no_match', 1, {}, 'sum',
        'the whole of diagonal_gaussian_kl: the EPS = 1e-8 guard, summed over axis 1'),
    RealLine(
        'rllab-kl-sym', 'rll/rllab',
        'rllab/distributions/diagonal_gaussian.py',
        'ba78e4c16dc492982e648f117875b22af3965579', '23-34',
        ('        old_std = TT.exp(old_log_stds)\n'
         '        new_std = TT.exp(new_log_stds)\n'
         '        # means: (N*A)\n'
         '        # std: (N*A)\n'
         '        # formula:\n'
         '        # { (\\mu_1 - \\mu_2)^2 + \\sigma_1^2 - \\sigma_2^2 } / (2\\sigma_2^2) +\n'
         '        # ln(\\sigma_2/\\sigma_1)\n'
         '        numerator = TT.square(old_means - new_means) + \\\n'
         '                    TT.square(old_std) - TT.square(new_std)\n'
         '        denominator = 2 * TT.square(new_std) + 1e-8\n'
         '        return TT.sum(\n'
         '            numerator / denominator + new_log_stds - old_log_stds, axis=-1)'),
        RLLAB,
        'no_match', 1, {}, 'sum',
        "the denominator's 1e-8 guard; otherwise KL(old || new)"),
    RealLine(
        'rllab-kl', 'rll/rllab',
        'rllab/distributions/diagonal_gaussian.py',
        'ba78e4c16dc492982e648f117875b22af3965579', '45-56',
        ('        old_std = np.exp(old_log_stds)\n'
         '        new_std = np.exp(new_log_stds)\n'
         '        # means: (N*A)\n'
         '        # std: (N*A)\n'
         '        # formula:\n'
         '        # { (\\mu_1 - \\mu_2)^2 + \\sigma_1^2 - \\sigma_2^2 } / (2\\sigma_2^2) +\n'
         '        # ln(\\sigma_2/\\sigma_1)\n'
         '        numerator = np.square(old_means - new_means) + \\\n'
         '                    np.square(old_std) - np.square(new_std)\n'
         '        denominator = 2 * np.square(new_std) + 1e-8\n'
         '        return np.sum(\n'
         '            numerator / denominator + new_log_stds - old_log_stds, axis=-1)'),
        RLLAB,
        'no_match', 1, {}, 'sum',
        'numpy twin of kl_sym, with the same 1e-8 guard'),
    RealLine(
        'nvae-kl', 'NVlabs/NVAE',
        'distributions.py',
        '9fc1a288fb831c87d93a4e2663bc30ccf9225b29', '47-50',
        ('        term1 = (self.mu - normal_dist.mu) / normal_dist.sigma\n'
         '        term2 = self.sigma / normal_dist.sigma\n'
         '\n'
         '        return 0.5 * (term1 * term1 + term2 * term2) - 0.5 - torch.log(term2)'),
        {"self.mu": "mu",
         "self.sigma": "sigma",
         "normal_dist.mu": "mu_p", "normal_dist.sigma": "sigma_p"},
        'kl_qp', 1, {}, None,
        'Normal.kl(normal_dist) = KL(self || normal_dist), sigma a standard deviation'),
    RealLine(
        'keras-io-vae', 'keras-team/keras-io',
        'examples/generative/vae.py',
        '09e02e17d5cbf21ecf8a47f10d91587f963fc80a', '97-98',
        ('            kl_loss = -0.5 * (1 + z_log_var - tf.square(z_mean) -'
         ' tf.exp(z_log_var))\n'
         '            kl_loss = tf.reduce_mean(tf.reduce_sum(kl_loss, axis=1))'),
        None,
        'kl_qp', 1, {}, 'sum',
        'Sampling: z_mean + tf.exp(0.5 * z_log_var) * epsilon'),
    RealLine(
        'keras-2016-vae', 'keras-team/keras',
        'examples/variational_autoencoder.py',
        'cb468fe5046f0be12561fa93e15ab2876e07861e', '44',
        ('    kl_loss = - 0.5 * K.mean(1 + z_log_std - K.square(z_mean) -'
         ' K.exp(z_log_std), axis=-1)'),
        {"z_log_std": "log_std"},
        'kl_qp', 1, {'z_log_std': 'log_var'}, 'mean',
        ('sampling uses K.exp(z_log_std): a log-std, so the line is a KL only for a'
         ' log-variance (wrong)')),
    RealLine(
        'wikistat-three-statements', 'wikistat/High-Dimensional-Deep-Learning',
        'AutoEncoder/solutions/train_outlier_vae.py',
        '9dfe7e1d784ab669ceab0a735a4279c1ef869ad9', '21-23',
        ('kl_loss = 1 + z_log_var - K.square(z_mean) - K.exp(z_log_var)\n'
         'kl_loss = K.sum(kl_loss, axis=-1)\n'
         'kl_loss *= -0.5'),
        None,
        'kl_qp', 1, {}, 'sum',
        "the keras example's KL over three statements"),
    RealLine(
        'westwing84-two-statements', 'westwing84/VAE',
        'Losses.py',
        'e6e663272dcf0e786047e77de5e7bcd9e7c55be7', '14-15',
        ('        kl_loss = 1 + z_logvar - tf.square(z_mean) - tf.exp(z_logvar)\n'
         '        kl_loss = -0.5 * tf.reduce_sum(kl_loss, axis=-1)'),
        {"z_logvar": "log_var"},
        'kl_qp', 1, {}, 'sum',
        'KLLoss.call(z_mean, z_logvar)'),
    RealLine(
        'facevae-keras-backend', 'bdoerfchen/FaceVAE',
        'implementations/variants/layers/KLDivergenceLayer.py',
        '036b6d5f7a34994669bf466f097d1b77e84d4039', '17',
        ('        kl_batch = keras.backend.sum(-0.5 * (1 + log_variance -'
         ' keras.backend.square(mean) - keras.backend.exp(log_variance)), axis=[1])'),
        {"log_variance": "log_var"},
        'kl_qp', 1, {}, 'sum',
        'inputs are (mean, log_variance)'),
    RealLine(
        'effective-tensorflow-gaussian-kl', 'dycforever/program',
        'tensorflow/effective_tensorflow/kv_divergence.py',
        '399d52ee47a9c5e8f4697b264533ab592857bde8', '15-19',
        ('  return tf.reduce_sum(\n'
         '    0.5 * (log_sigma2_sq - log_sigma1_sq +\n'
         '           tf.exp(log_sigma1_sq - log_sigma2_sq) +\n'
         '           tf.square(mu1 - mu2) / tf.exp(log_sigma2_sq) -\n'
         '           1), axis=-1)'),
        {"mu1": "mu",
         "log_sigma1_sq": "log_var",
         "mu2": "mu_p", "log_sigma2_sq": "log_var_p"},
        'kl_qp', 1, {}, 'sum',
        'q and p as (mu, log(sigma^2)), says the docstring'),
    RealLine(
        'pixelvae-kl-gaussian-gaussian', 'igul222/PixelVAE',
        'tflib/ops/kl_gaussian_gaussian.py',
        '887b9d509365f635c835deabbf1e68c026978023', '18',
        ('        return 0.5 * (2*logsig2 - 2*logsig1 + (sig1**2 + (mu1 - mu2)**2)'
         ' / sig2**2 - 1)'),
        {"mu1": "mu",
         "logsig1": "log_sigma",
         "sig1": "sigma", "mu2": "mu_p", "logsig2": "log_sigma_p", "sig2": "sigma_p"},
        'kl_qp', 1, {}, None,
        'posterior and prior mu, *log* sigma and sigma'),
    RealLine(
        'zscrgan-kl-loss', 'ranarag/ZSCRGAN',
        'misc/kl_div.py',
        '0e2fd2faf8c9a05af441046e9fa0bd822da33507', '16-18',
        ('        loss = -log_sigma + 0.5 * (-1 + tf.exp(2. * log_sigma) + \\\n'
         '                                    tf.square(mu))\n'
         '        loss = tf.reduce_mean(loss)'),
        None,
        'kl_qp', 1, {}, 'mean',
        'KL_loss(mu, log_sigma) against N(0, 1), averaged over every axis'),
]

TIMES = {}


@pytest.mark.parametrize("case", REAL_LINES, ids=[case.id for case in REAL_LINES])
def test_real_lines_get_the_verdict_the_surrounding_code_implies(case):
    start = time.process_time()
    result = check_formula(case.code, names=case.names)
    TIMES[case.id] = time.process_time() - start
    assert (result.verdict, result.factor, result.reinterpretation, result.reduction) == (
        case.verdict, Fraction(case.factor), case.reinterpretation, case.reduction)
    if case.verdict == "no_match":
        assert_true_counterexample(result)


def test_the_table_is_real_and_large_enough():
    assert len(REAL_LINES) >= 30
    assert len({case.repo for case in REAL_LINES}) >= 15
    assert all(len(case.commit) == 40 for case in REAL_LINES)


def test_a_prior_with_a_mean_and_no_scale_is_recorded():
    by_id = {case.id: case for case in REAL_LINES}
    for key in ("bojone-cvae", "antixk-hvae-z1-prior"):
        case = by_id[key]
        assert check_formula(case.code, names=case.names).assumed == {"sigma_p": 1}


def test_library_aliases_are_recorded():
    by_id = {case.id: case for case in REAL_LINES}
    case = by_id["guided-diffusion-normal-kl"]
    assert check_formula(case.code, names=case.names).assumed == {"libraries": {"th": "torch"}}
    case = by_id["rllab-kl-sym"]
    assert check_formula(case.code, names=case.names).assumed == {
        "libraries": {"TT": "theano.tensor"}}
