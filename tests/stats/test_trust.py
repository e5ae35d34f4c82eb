from __future__ import annotations

import math

import numpy as np
from scipy.stats import skew

from modelpact.stats import metric_interval, paired_interval
from modelpact.stats.trust import (
    MIN_PAIRED_POSITIVES,
    MIN_POSITIVES,
    paired_positives_rule,
    skewness_rule,
)


def test_cochran_rule_uses_twenty_five_squared_skewness() -> None:
    x = np.random.default_rng(0).lognormal(sigma=1.2, size=80)
    rule = skewness_rule(x, "the values")
    needed = math.ceil(25 * skew(x) ** 2)
    assert needed >= 80
    assert rule is not None and rule.n_needed == needed + 1
    assert skewness_rule(np.random.default_rng(1).normal(size=200), "the values") is None


def test_positives_rule_scales_rows_to_the_positives_needed() -> None:
    y = np.zeros(1000, dtype=np.int64)
    y[:10] = 1
    rule = paired_positives_rule(y)
    assert rule is not None and rule.n_needed == 1000 * MIN_PAIRED_POSITIVES // 10
    y[:MIN_PAIRED_POSITIVES] = 1
    assert paired_positives_rule(y) is None


def test_intervals_carry_the_reason() -> None:
    rng = np.random.default_rng(2)
    x = rng.normal(size=80)
    iv = metric_interval("mse", x, x + rng.normal(size=80) * (0.5 + np.abs(x)) ** 2)
    assert iv.untrusted is not None and iv.n_trusted is not None and iv.n_trusted > 80
    y = (rng.random(300) < 0.03).astype(int)
    iv = paired_interval("f1", y, y, 1 - y, n_resamples=200)
    assert iv.untrusted is not None
    assert metric_interval("mae", x, x + rng.normal(size=80)).untrusted is None


def test_average_precision_with_few_positives_is_untrusted() -> None:
    rng = np.random.default_rng(3)
    y = (rng.random(1000) < 0.05).astype(int)
    s = y + rng.normal(size=1000)
    iv = metric_interval("pr_auc", y, s, n_resamples=200)
    assert iv.untrusted is not None and "positive rows" in iv.untrusted
    positives = int(y.sum())
    assert iv.n_trusted == math.ceil(1000 * MIN_POSITIVES["pr_auc"] / positives)
    y = (rng.random(1000) < 0.3).astype(int)
    assert (
        metric_interval("pr_auc", y, y + rng.normal(size=1000), n_resamples=200).untrusted is None
    )
