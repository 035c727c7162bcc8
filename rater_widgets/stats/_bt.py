"""Bradley–Terry maximum likelihood, batched over bootstrap replicates (numpy only).

The model: P(i beats j) = sigmoid(theta_i - theta_j). ``wins[b, i, j]`` holds how often
i beat j in replicate b (ties enter as half a win each way). Newton's method on the
concave log-likelihood, with the sum-to-zero constraint built into the linear solve,
converges in a handful of iterations; a backtracking step keeps it monotone.
"""

from __future__ import annotations

import numpy as np

from ._common import BoolArray, FloatArray

_MAX_ITER = 100
_TOL = 1e-10


def log_likelihood(theta: FloatArray, wins: FloatArray) -> FloatArray:
    diff = theta[:, :, None] - theta[:, None, :]
    out: FloatArray = -(wins * np.logaddexp(0.0, -diff)).sum(axis=(1, 2))
    return out


def _gradient_and_information(
    theta: FloatArray, wins: FloatArray, games: FloatArray
) -> tuple[FloatArray, FloatArray]:
    k = theta.shape[1]
    p = 1.0 / (1.0 + np.exp(-(theta[:, :, None] - theta[:, None, :])))
    grad: FloatArray = wins.sum(axis=2) - (games * p).sum(axis=2)
    curv = games * p * (1.0 - p)
    info: FloatArray = -curv
    idx = np.arange(k)
    info[:, idx, idx] += curv.sum(axis=2)
    # The information matrix is singular along (1, ..., 1), the direction the mean-zero
    # constraint fixes; adding 11^T/k makes it invertible without moving the solution.
    info += 1.0 / k
    return grad, info


def fit(wins: FloatArray, start: FloatArray | None = None, tol: float = _TOL) -> FloatArray:
    """MLE log-strengths, mean zero, for each replicate in ``wins`` (B x k x k).

    Replicates must be strongly connected (see :func:`identified`); others diverge.
    ``start`` (length k) starts every replicate there instead of at zero.
    """
    n_rep, k, _ = wins.shape
    games = wins + wins.transpose(0, 2, 1)
    theta = np.zeros((n_rep, k)) if start is None else np.tile(start, (n_rep, 1))
    active = np.ones(n_rep, dtype=bool)
    for _ in range(_MAX_ITER):
        if not active.any():
            break
        t, w = theta[active], wins[active]
        grad, info = _gradient_and_information(t, w, games[active])
        step = np.linalg.solve(info, grad[:, :, None])[:, :, 0]
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
        done = np.abs(scale[:, None] * step).max(axis=1) < tol
        active_idx = np.flatnonzero(active)
        active[active_idx[done]] = False
    return theta


def fit_near(
    wins: FloatArray, data: FloatArray, theta_hat: FloatArray, tol: float = 1e-8
) -> FloatArray:
    """:func:`fit` for bootstrap replicates of ``data`` (k x k), whose MLE is ``theta_hat``.

    Uses the chord method: Newton steps with the information matrix of the full data at
    ``theta_hat`` instead of each replicate's own, so one k x k inverse replaces a
    batched solve per step. Replicates resemble the data, so this converges fast;
    any replicate that does not (very sparse comparisons) is finished by :func:`fit`.
    """
    n_rep = wins.shape[0]
    games = wins + wins.transpose(0, 2, 1)
    _, info = _gradient_and_information(theta_hat[None, :], data[None], (data + data.T)[None])
    inverse = np.linalg.inv(info[0])
    theta = np.tile(theta_hat, (n_rep, 1))
    active = np.ones(n_rep, dtype=bool)
    previous = np.full(n_rep, np.inf)
    for _ in range(_MAX_ITER):
        if not active.any():
            break
        t = theta[active]
        p = 1.0 / (1.0 + np.exp(-(t[:, :, None] - t[:, None, :])))
        grad = wins[active].sum(axis=2) - (games[active] * p).sum(axis=2)
        step = grad @ inverse
        size = np.abs(step).max(axis=1)
        stalled = size > 0.7 * previous[active]
        t = t + np.where(stalled[:, None], 0.0, step)
        theta[active] = t - t.mean(axis=1, keepdims=True)
        previous[active] = size
        idx = np.flatnonzero(active)
        active[idx[(size < tol) | stalled]] = False
        theta[idx[stalled]] = np.nan
    slow = np.isnan(theta).any(axis=1) | active
    if slow.any():
        theta[slow] = fit(wins[slow], start=theta_hat, tol=tol)
    return theta


def identified(wins: FloatArray) -> BoolArray:
    """Whether each replicate's "beat" graph is strongly connected (finite MLE exists).

    Strongly connected means every model is reachable from model 0 along "beat" edges
    and model 0 from every model: two batched breadth-first searches.
    """
    beat = (wins > 0).astype(np.float64)
    ok = np.ones(wins.shape[0], dtype=bool)
    for adjacency in (beat, beat.transpose(0, 2, 1)):
        reach = np.zeros(wins.shape[:2], dtype=bool)
        reach[:, 0] = True
        while True:
            step = np.einsum("bi,bij->bj", reach.astype(np.float64), adjacency) > 0
            grown = reach | step
            if (grown == reach).all():
                break
            reach = grown
        ok &= reach.all(axis=1)
    return ok


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
