"""Bradley–Terry maximum likelihood, batched over bootstrap replicates (numpy only).

The model: P(i beats j) = sigmoid(theta_i - theta_j). ``wins[b, i, j]`` holds how often
i beat j in replicate b (ties enter as half a win each way). Newton's method on the
concave log-likelihood, with the sum-to-zero constraint built into the linear solve,
converges in a handful of iterations; a backtracking step keeps it monotone.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ._common import FloatArray

BoolArray = npt.NDArray[np.bool_]

_MAX_ITER = 100
_TOL = 1e-10


def log_likelihood(theta: FloatArray, wins: FloatArray) -> FloatArray:
    diff = theta[:, :, None] - theta[:, None, :]
    out: FloatArray = -(wins * np.logaddexp(0.0, -diff)).sum(axis=(1, 2))
    return out


def fit(wins: FloatArray) -> FloatArray:
    """MLE log-strengths, mean zero, for each replicate in ``wins`` (B x k x k).

    Replicates must be strongly connected (see :func:`identified`); others diverge.
    """
    n_rep, k, _ = wins.shape
    games = wins + wins.transpose(0, 2, 1)
    won = wins.sum(axis=2)
    theta = np.zeros((n_rep, k))
    centring = np.full((k, k), 1.0 / k)
    active = np.ones(n_rep, dtype=bool)
    for _ in range(_MAX_ITER):
        if not active.any():
            break
        t, w, g = theta[active], wins[active], games[active]
        p = 1.0 / (1.0 + np.exp(-(t[:, :, None] - t[:, None, :])))
        grad = won[active] - (g * p).sum(axis=2)
        curv = g * p * (1.0 - p)
        info = np.zeros_like(curv)
        idx = np.arange(k)
        info -= curv
        info[:, idx, idx] += curv.sum(axis=2)
        step = np.linalg.solve(info + centring, grad[:, :, None])[:, :, 0]
        base = log_likelihood(t, w)
        scale = np.ones(t.shape[0])
        for _ in range(40):
            trial = t + scale[:, None] * step
            worse = log_likelihood(trial, w) < base - 1e-12 * np.abs(base)
            if not worse.any():
                break
            scale[worse] /= 2.0
        t = t + scale[:, None] * step
        theta[active] = t - t.mean(axis=1, keepdims=True)
        done = np.abs(scale[:, None] * step).max(axis=1) < _TOL
        active_idx = np.flatnonzero(active)
        active[active_idx[done]] = False
    return theta


def identified(wins: FloatArray) -> BoolArray:
    """Whether each replicate's "beat" graph is strongly connected (finite MLE exists)."""
    return np.asarray(_closure(wins > 0).all(axis=(1, 2)), dtype=bool)


def _closure(adjacency: BoolArray) -> BoolArray:
    """Reachability (reflexive, transitive) for a stack of k x k adjacency matrices."""
    k = adjacency.shape[-1]
    reach: BoolArray = adjacency | np.eye(k, dtype=bool)
    steps = 1
    while steps < k:
        r = reach.astype(np.float64)
        reach = np.asarray((r @ r) > 0, dtype=bool)
        steps *= 2
    return reach


def _components(reach: BoolArray) -> list[list[int]]:
    """Groups of mutually reachable nodes, from a single k x k reachability matrix."""
    mutual = reach & reach.T
    seen: set[int] = set()
    groups = []
    for i in range(mutual.shape[0]):
        if i not in seen:
            members = [int(j) for j in np.flatnonzero(mutual[i])]
            seen.update(members)
            groups.append(members)
    return groups


def explain_unidentified(wins: FloatArray, models: list[str]) -> str:
    """A sentence naming why the MLE of one win matrix (k x k) does not exist."""
    played = (wins + wins.T) > 0
    weak = _components(_closure(played))
    if len(weak) > 1:
        groups = [sorted(models[i] for i in g) for g in weak]
        shown = "; ".join(str(g[:8]) for g in groups[:4])
        return (
            f"the comparison graph is disconnected into {len(weak)} groups that were never "
            f"compared with each other: {shown}. Strengths are not comparable across "
            "groups: fit each group separately or collect comparisons between them"
        )
    beat = wins > 0
    unbeaten: list[str] = []
    for group in _components(_closure(beat)):
        outside = np.setdiff1d(np.arange(len(models)), group)
        if not beat[np.ix_(outside, np.asarray(group))].any():
            unbeaten += [models[i] for i in group]
    return (
        f"model(s) {sorted(unbeaten)[:8]} never lost a comparison against the other "
        "models, so their strength is unbounded and the maximum-likelihood fit does not "
        "exist. Count ties as half wins (ties='half'), or pass prior=0.5 to add that many "
        "virtual ties to each compared pair"
    )
