"""Simulation of on-line learning at finite N: the actual weights, or the exact reduced chain.

*Microscopic*: the N-dimensional student ``w_i <- (1 - eta lam/N) w_i + (eta/N) F_i x`` on a
fresh ``x ~ N(0, I_N)`` at every step, for many independent trials and several learning
rates at once (the learning rates share each trial's inputs).

*Reduced*: for isotropic Gaussian inputs the order parameters ``(R, Q)`` (given ``T``) are
themselves a Markov chain. Write ``x = U z + x_perp`` with ``U`` an orthonormal basis of a
d = K + M dimensional space holding the teacher and student vectors: ``z ~ N(0, I_d)``,
``|x_perp|^2 ~ chi^2_{N - d}`` independent, the fields are ``h = L z`` with ``L L^T`` the
Gram matrix of the vectors, and one step maps

    R_in' = (1 - eta lam/N) R_in + (eta/N) F_i ht_n,
    Q_ik' = (1 - eta lam/N)^2 Q_ik + (1 - eta lam/N)(eta/N)(F_i hs_k + F_k hs_i)
            + (eta/N)^2 F_i F_k (|z|^2 + chi^2_{N-d}),

exactly in distribution, at a cost per step that does not depend on N.

Both are seeded with :class:`numpy.random.SeedSequence`: trial ``j`` has its own streams
(``SeedSequence(seed).spawn(trials)[j]``), so its numbers do not depend on how trials are
chunked. Trials that overflow (learning rate above the critical one) are marked diverged
from that step on (``inf``/``NaN`` in their records, a :class:`RuntimeWarning` naming
``eta`` and the time); the other trials and learning rates are unaffected.

This module needs NumPy only: the rule comes in as numeric callables
(:class:`NumericRule`, made from a :class:`~symstat.Rule` by
:meth:`NumericRule.from_rule` through :mod:`symstat.numerics`).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from ._errors import SpecificationError

__all__ = ["NumericRule", "Simulation", "simulate"]

_BUDGET = 1 << 22          # floats held per chunk of trials (32 MB of inputs)
_METHODS = ("microscopic", "reduced")
_TEACHERS = ("normalized", "raw")


@dataclass(frozen=True)
class NumericRule:
    """A learning rule as numeric callables: all the simulators need.

    Attributes:
        name: for messages.
        update: ``F(hs_1..hs_K, ht_1..ht_M, zeta)`` (a tuple of K arrays if K > 1).
        K, M: student and teacher units.
        state: names of the order parameters, in the order ``generalization_error`` takes them
            (all ``R_in``, then ``Q_ik`` with ``i <= k``).
        generalization_error: ``eps_g(*state, *parameters)``, or ``None``.
        parameters: names of the extra arguments of ``generalization_error`` (``eta``, ``T``,
            ``sigma``, ``lam``).
        error: the per-example error ``e(hs..., ht...)``, for the held-out test error.
        noise, weight_decay, normalized_teacher: the rule's scenario.
    """

    name: str
    update: Callable
    K: int = 1
    M: int = 1
    state: tuple[str, ...] = ("R", "Q")
    generalization_error: Callable | None = None
    parameters: tuple[str, ...] = ("eta",)
    error: Callable | None = None
    noise: bool = False
    weight_decay: bool = False
    normalized_teacher: bool = True

    @classmethod
    def from_rule(cls, rule) -> NumericRule:
        """Lambdify a :class:`~symstat.Rule` (``F``, the error and ``eps_g(R, Q)``).

        >>> from symstat import get_rule
        >>> r = NumericRule.from_rule(get_rule("linear-sgd"))
        >>> float(r.update(0.5, 1.0, 0.0)), r.state
        (0.5, ('R', 'Q'))
        """
        from ._derive import derive  # symbols -> numbers, once, before simulating
        from .numerics import error_function, generalization_error_function, update_function

        d = derive(rule)
        m = rule.model
        return cls(rule.name, update_function(rule), m.K, m.M,
                   tuple(s.name for s in d.state), generalization_error_function(d),
                   tuple(p.name for p in d.parameters), error_function(rule),
                   m.noise, m.weight_decay, m.normalized_teacher)


@dataclass(frozen=True)
class Simulation:
    """Per-trial records of a simulation, on the grid ``t`` (= steps / N).

    Arrays are indexed ``[trial, eta, time]``. Diverged trials hold ``inf`` (``eps_g``,
    ``Q``, test error) and ``NaN`` (``R``) from the step they overflowed.

    Attributes:
        rule, method, N, trials, seed, teacher: what was run.
        eta: the learning rates; ``t``: recorded times; ``steps``: the same as step counts.
        state: ``{order parameter name: array}``; ``eps_g``: from the order parameters
            (``None`` if the rule has no ``eps_g``); ``test_error``: empirical error on
            ``test_samples`` held-out inputs per trial and time, or ``None``.
        diverged_at: time at which each (trial, eta) diverged, ``NaN`` if it did not.
    """

    rule: str
    method: str
    N: int
    trials: int
    seed: int
    teacher: str
    eta: np.ndarray
    t: np.ndarray
    steps: np.ndarray
    state: Mapping[str, np.ndarray]
    eps_g: np.ndarray | None
    test_error: np.ndarray | None
    diverged_at: np.ndarray
    parameters: Mapping[str, float] = field(default_factory=dict)

    @property
    def diverged(self) -> np.ndarray:
        """Number of diverged trials per learning rate."""
        return np.sum(np.isfinite(self.diverged_at), axis=0)

    def _values(self, name: str) -> np.ndarray:
        if name == "eps_g":
            values = self.eps_g
        elif name == "test_error":
            values = self.test_error
        else:
            values = self.state.get(name)
        if values is None:
            raise SpecificationError(f"no recorded quantity {name!r} (have: "
                                     f"{', '.join(self.quantities)})")
        return values

    @property
    def quantities(self) -> tuple[str, ...]:
        return (tuple(self.state) + (("eps_g",) if self.eps_g is not None else ())
                + (("test_error",) if self.test_error is not None else ()))

    def mean(self, name: str = "eps_g") -> np.ndarray:
        """Mean over trials, ``[eta, time]`` (``inf``/``NaN`` once a trial diverged)."""
        with np.errstate(invalid="ignore", over="ignore"):
            return np.mean(self._values(name), axis=0)

    def var(self, name: str = "eps_g") -> np.ndarray:
        """Sample variance over trials (ddof = 1), ``[eta, time]``."""
        if self.trials < 2:
            return np.full(self._values(name).shape[1:], np.nan)
        with np.errstate(invalid="ignore", over="ignore"):
            return np.var(self._values(name), axis=0, ddof=1)

    def stderr(self, name: str = "eps_g") -> np.ndarray:
        """Standard error of the mean, ``sqrt(var / trials)``, ``[eta, time]``."""
        return np.sqrt(self.var(name) / self.trials)


# ------------------------------------------------------------------------------ validation
def _positive_int(name, value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise SpecificationError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def _float_array(name, value, *, positive=False, ndim=None) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise SpecificationError(f"{name} must be numbers, got {value!r}") from None
    if ndim is not None and arr.ndim != ndim:
        raise SpecificationError(f"{name} must be {'a number' if ndim == 0 else 'a list of numbers'}, "
                                 f"got {value!r}")
    if arr.size == 0 or not np.all(np.isfinite(arr)):
        raise SpecificationError(f"{name} must be finite numbers, got {value!r}")
    if positive and np.any(arr <= 0):
        raise SpecificationError(f"{name} must be positive, got {value!r}")
    return arr


def _initial(name, value, shape) -> np.ndarray:
    arr = _float_array(name, value)
    if arr.ndim == 0:
        if shape[0] == shape[1] and name == "Q0":
            return float(arr) * np.eye(shape[0])
        return np.full(shape, float(arr))
    if arr.shape != shape:
        raise SpecificationError(f"{name} must be a number or a {shape[0]}x{shape[1]} matrix, "
                                 f"got shape {arr.shape}")
    return arr


def _psd_factor(G: np.ndarray) -> np.ndarray:
    """``L`` with ``L L^T = G`` for stacks of symmetric PSD matrices (eigen-decomposition)."""
    w, V = np.linalg.eigh(G)
    return V * np.sqrt(np.clip(w, 0.0, None))[..., None, :]


# ------------------------------------------------------------------------------ the driver
def simulate(rule: NumericRule, *, N: int, eta, t, trials: int, seed: int, R0=0.0, Q0=0.0,
             sigma: float | None = None, lam: float | None = None,
             teacher: str = "normalized", method: str = "microscopic",
             test_samples: int = 0, chunk_size: int | None = None,
             progress: Callable[[float], None] | None = None) -> Simulation:
    """Simulate on-line learning of ``rule`` at input dimension ``N``.

    Arguments:
        rule: a :class:`NumericRule` (or a :class:`~symstat.Rule`, lambdified first).
        N: input dimension. eta: one learning rate or several (they share the inputs).
        t: the times ``m/N`` to record, increasing from >= 0 (rounded to whole steps).
        trials: independent trials per learning rate. seed: of the per-trial streams.
        R0, Q0: initial overlaps (numbers, or K x M / K x K matrices); the student is
            placed at exactly that overlap and norm, in a random direction otherwise.
        sigma: output-noise level (required iff the rule has noise).
        lam: weight decay (required iff the rule has weight decay).
        teacher: ``"normalized"`` (T = 1 exactly; orthonormal for M > 1) or ``"raw"``
            (``w_t,i ~ N(0, 1/N)`` as drawn; needs a rule with a general ``T``).
        method: ``"microscopic"`` (the N-dimensional weights) or ``"reduced"`` (the exact
            Markov chain of the order parameters; cost per step independent of N).
        test_samples: held-out inputs per trial and recorded time for the empirical test
            error (0: none).
        chunk_size: trials simulated together (default: bounded memory); results do not
            depend on it.
        progress: called with the fraction done, from 0 to 1.

    Returns:
        A :class:`Simulation`.

    Raises:
        SpecificationError: a bad argument, named with its value.

    >>> from symstat import get_rule
    >>> sim = simulate(NumericRule.from_rule(get_rule("linear-sgd")), N=50, eta=1.0,
    ...                t=[0, 1], trials=4, seed=0)
    >>> sim.eps_g.shape, float(sim.mean()[0, 0])
    ((4, 1, 2), 0.5)
    """
    if not isinstance(rule, NumericRule):
        if hasattr(rule, "active_update"):
            rule = NumericRule.from_rule(rule)
        else:
            raise SpecificationError(f"rule must be a NumericRule or a Rule, got {rule!r}")
    N = _positive_int("N", N)
    trials = _positive_int("trials", trials)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise SpecificationError(f"seed must be a non-negative integer, got {seed!r}")
    etas = np.atleast_1d(_float_array("eta", eta, positive=True))
    if etas.ndim != 1:
        raise SpecificationError(f"eta must be a number or a list of numbers, got {eta!r}")
    times = np.atleast_1d(_float_array("t", t))
    if times.ndim != 1 or times[0] < 0 or np.any(np.diff(times) <= 0):
        raise SpecificationError(f"t must be increasing times >= 0, got {t!r}")
    steps = np.rint(times * N).astype(np.int64)
    if np.any(np.diff(steps) <= 0):
        raise SpecificationError(f"t is finer than one step 1/N = {1 / N:g}: {t!r}")
    if method not in _METHODS:
        raise SpecificationError(f"method must be one of {', '.join(_METHODS)}, got {method!r}")
    if teacher not in _TEACHERS:
        raise SpecificationError(f"teacher must be one of {', '.join(_TEACHERS)}, got {teacher!r}")
    if teacher == "raw" and rule.normalized_teacher:
        raise SpecificationError(f"teacher='raw' needs rule {rule.name!r} with a general T "
                                 f"(normalized_teacher=False), else eps_g assumes T = 1")
    for name, value, on in (("sigma", sigma, rule.noise), ("lam", lam, rule.weight_decay)):
        if on and value is None:
            raise SpecificationError(f"rule {rule.name!r} has "
                                     f"{'noise' if name == 'sigma' else 'weight decay'}: give {name}")
        if not on and value is not None:
            raise SpecificationError(f"{name} = {value!r} given, but rule {rule.name!r} has no "
                                     f"{'noise' if name == 'sigma' else 'weight decay'}")
        if value is not None and (not np.isfinite(value) or value < 0):
            raise SpecificationError(f"{name} must be a non-negative number, got {value!r}")
    test_samples = int(test_samples)
    if test_samples < 0:
        raise SpecificationError(f"test_samples must be >= 0, got {test_samples!r}")
    if test_samples and rule.error is None:
        raise SpecificationError(f"rule {rule.name!r} has no per-example error for the test error")
    K, M = rule.K, rule.M
    R0m, Q0m = _initial("R0", R0, (K, M)), _initial("Q0", Q0, (K, K))
    if not np.allclose(Q0m, Q0m.T):
        raise SpecificationError(f"Q0 must be symmetric, got {Q0!r}")
    d = K + M
    if N < d and not (np.allclose(Q0m, 0) and np.allclose(R0m, 0) and method == "microscopic"):
        raise SpecificationError(f"N = {N} is too small for {K} student and {M} teacher "
                                 f"vectors (need N >= {d})")
    if method == "reduced" and N < d:
        raise SpecificationError(f"the reduced simulator needs N >= K + M = {d}, got N = {N}")

    E = etas.size
    cfg = _Config(rule, N, etas, steps, R0m, Q0m, 0.0 if sigma is None else float(sigma),
                  0.0 if lam is None else float(lam), teacher == "normalized", test_samples)
    children = np.random.SeedSequence(seed).spawn(trials)
    if method == "microscopic":
        block = int(max(1, min(512, (1 << 18) // N)))
        per_trial = block * N + 2 * E * K * N + (M + K) * N
    else:
        block = 1024
        per_trial = block * (d + 2) + 8 * E * d * d
    if chunk_size is None:
        chunk_size = max(1, _BUDGET // per_trial)
    chunk_size = _positive_int("chunk_size", chunk_size)

    nt = steps.size
    n_state = K * M + K * (K + 1) // 2
    rec = np.empty((trials, E, nt, n_state))
    teacher_gram = np.empty((trials, M, M))
    test = np.empty((trials, E, nt)) if test_samples else None
    div_step = np.full((trials, E), -1, dtype=np.int64)
    run = _micro_chunk if method == "microscopic" else _reduced_chunk
    total = trials * max(int(steps[-1]), 1)
    done = 0
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for start in range(0, trials, chunk_size):
            ids = range(start, min(trials, start + chunk_size))
            streams = [children[j].spawn(5) for j in ids]

            def tick(n_steps, c=len(ids)):
                nonlocal done
                done += c * n_steps
                if progress is not None:
                    progress(min(1.0, done / total))

            sl = slice(ids.start, ids.stop)
            run(cfg, streams, block, rec[sl], teacher_gram[sl],
                None if test is None else test[sl], div_step[sl], tick)
    if progress is not None:
        progress(1.0)

    div_t = np.where(div_step >= 0, div_step / N, np.nan)
    state = {name: rec[..., k] for k, name in enumerate(rule.state)}
    eps_g = None
    params = {"eta": etas, "sigma": cfg.sigma, "lam": cfg.lam}
    if rule.generalization_error is not None:
        args = []
        for p in rule.parameters:
            if p == "eta":
                args.append(etas[None, :, None])
            elif p in ("sigma", "lam"):
                args.append(params[p])
            elif p == "T" or p.startswith("T_"):
                a, b = (0, 0) if p == "T" else (int(p[2]) - 1, int(p[3]) - 1)
                args.append(teacher_gram[:, a, b][:, None, None])
            else:
                raise SpecificationError(f"rule {rule.name!r}: unknown parameter {p!r} of eps_g")
        with np.errstate(over="ignore", invalid="ignore"):
            eps_g = np.broadcast_to(np.asarray(
                rule.generalization_error(*[rec[..., k] for k in range(n_state)], *args),
                dtype=float), (trials, E, nt)).copy()
    bad = np.arange(nt)[None, None, :] >= np.where(div_step >= 0, np.searchsorted(
        steps, div_step, side="left"), nt)[..., None]
    if eps_g is not None:
        eps_g[bad] = np.inf
    for e, value in enumerate(etas):
        n_div = int(np.sum(div_step[:, e] >= 0))
        if n_div:
            first = float(np.nanmin(div_t[:, e]))
            warnings.warn(f"eta = {value:g}: {n_div} of {trials} trials diverged (the first at "
                          f"t = {first:.4g}); their records are inf/NaN from then on",
                          RuntimeWarning, stacklevel=2)
    return Simulation(rule.name, method, N, trials, int(seed),
                      teacher, etas, steps / N, steps, state, eps_g, test, div_t,
                      {"sigma": cfg.sigma, "lam": cfg.lam})


@dataclass(frozen=True)
class _Config:
    rule: NumericRule
    N: int
    etas: np.ndarray
    steps: np.ndarray
    R0: np.ndarray
    Q0: np.ndarray
    sigma: float
    lam: float
    normalized: bool
    test_samples: int


def _teacher(cfg: _Config, g: np.random.Generator) -> np.ndarray:
    M, N = cfg.rule.M, cfg.N
    B = g.standard_normal((M, N)) / math.sqrt(N)
    if cfg.normalized:
        if M == 1:
            B /= np.linalg.norm(B)
        else:
            q, r = np.linalg.qr(B.T)
            B = (q * np.sign(np.diag(r))).T
    return B


def _student(cfg: _Config, g: np.random.Generator, B: np.ndarray) -> np.ndarray:
    """Student vectors with ``w_i · B_n = R0`` and ``w_i · w_k = Q0`` exactly."""
    K, N = cfg.rule.K, cfg.N
    T = B @ B.T
    Tinv_R = np.linalg.solve(T, cfg.R0.T)            # (M, K)
    schur = cfg.Q0 - cfg.R0 @ Tinv_R
    scale = max(1.0, float(np.max(np.abs(cfg.Q0))))
    if np.min(np.linalg.eigvalsh(schur)) < -1e-10 * scale:
        raise SpecificationError(f"R0 = {cfg.R0.tolist()} and Q0 = {cfg.Q0.tolist()} are "
                                 f"impossible with T = {T.tolist()} (need Q0 >= R0^2 / T)")
    U = g.standard_normal((K, N))
    if np.allclose(schur, 0.0):
        return Tinv_R.T @ B
    U -= (U @ B.T) @ np.linalg.solve(T, B)            # orthogonal to the teachers
    q, r = np.linalg.qr(U.T)
    U = (q * np.sign(np.diag(r) + (np.diag(r) == 0))).T
    return Tinv_R.T @ B + _psd_factor(schur) @ U


def _state_vector(cfg: _Config, R: np.ndarray, Q: np.ndarray) -> np.ndarray:
    """Pack ``R (..., K, M)`` and ``Q (..., K, K)`` in the state order."""
    K = cfg.rule.K
    iu = np.triu_indices(K)
    return np.concatenate([R.reshape(R.shape[:-2] + (-1,)), Q[..., iu[0], iu[1]]], axis=-1)


def _call_update(rule: NumericRule, hs, ht, zeta) -> np.ndarray:
    """``F`` for fields ``hs (..., K)``, ``ht (..., M)``, ``zeta (...)`` -> ``(..., K)``."""
    out = rule.update(*[hs[..., i] for i in range(rule.K)], *[ht[..., n] for n in range(rule.M)],
                      zeta)
    if rule.K == 1:
        return np.broadcast_to(np.asarray(out, dtype=float), hs.shape[:-1])[..., None]
    return np.stack([np.broadcast_to(np.asarray(o, dtype=float), hs.shape[:-1]) for o in out],
                    axis=-1)


def _mark(div_step, alive, bad, step):
    newly = bad & alive
    if np.any(newly):
        div_step[newly] = step
        alive &= ~newly
    return newly


def _store_overlaps(cfg: _Config, R, Q, step, out, alive, div_step, kill) -> None:
    """Mark trials whose overlaps stopped being finite as diverged at ``step`` (``kill``
    freezes them) and write the state into ``out``: NaN for R, inf for Q once diverged."""
    bad = ~(np.all(np.isfinite(Q), axis=(2, 3)) & np.all(np.isfinite(R), axis=(2, 3)))
    kill(_mark(div_step, alive, bad, step))
    vec = _state_vector(cfg, R, Q)
    vec[~alive] = np.nan
    vec[..., cfg.rule.K * cfg.rule.M:][~alive] = np.inf
    out[...] = vec


def _mean_error(rule: NumericRule, hs, ht) -> np.ndarray:
    """The rule's error averaged over held-out samples: ``hs (..., s, K)``, ``ht (..., s, M)``."""
    err = rule.error(*[hs[..., i] for i in range(rule.K)], *[ht[..., n] for n in range(rule.M)])
    return np.broadcast_to(np.asarray(err, dtype=float), np.broadcast_shapes(
        hs.shape[:-1], ht.shape[:-1])).mean(axis=-1)


def _record_slots(steps):
    return {int(s): k for k, s in enumerate(steps)}


# ------------------------------------------------------------------------------ microscopic
def _micro_chunk(cfg: _Config, streams, block, rec, teacher_gram, test, div_step, tick):
    rule, N, etas = cfg.rule, cfg.N, cfg.etas
    K, M, E, c = rule.K, rule.M, etas.size, len(streams)
    g_init = [np.random.default_rng(s[0]) for s in streams]
    g_in = [np.random.default_rng(s[1]) for s in streams]
    g_noise = [np.random.default_rng(s[3]) for s in streams]
    g_test = [np.random.default_rng(s[4]) for s in streams]
    B = np.empty((c, M, N))
    W0 = np.empty((c, K, N))
    for j, g in enumerate(g_init):
        B[j] = _teacher(cfg, g)
        W0[j] = _student(cfg, g, B[j])
    teacher_gram[:] = B @ B.transpose(0, 2, 1)
    W = np.repeat(W0[:, None], E, axis=1).reshape(c, E * K, N)
    step_eta = np.repeat(etas / N, K)[None, :]                     # (1, E*K)
    decay = np.repeat(1.0 - etas * cfg.lam / N, K)[None, :, None]
    alive = np.ones((c, E), dtype=bool)
    tmp = np.empty_like(W)
    slots = _record_slots(cfg.steps)
    Bt = B.transpose(0, 2, 1)

    def record(m):
        k = slots[m]
        Ws = W.reshape(c, E, K, N)
        R = np.einsum("cekn,cmn->cekm", Ws, B)
        Q = np.einsum("cekn,cejn->cekj", Ws, Ws)
        _store_overlaps(cfg, R, Q, m, rec[:, :, k], alive, div_step, _kill)
        if test is not None:
            X = np.stack([g.standard_normal((cfg.test_samples, N)) for g in g_test])
            hs = np.einsum("csn,cekn->cesk", X, Ws)
            ht = np.einsum("csn,cmn->csm", X, B)[:, None]
            test[:, :, k] = np.where(alive, _mean_error(rule, hs, ht), np.inf)

    def _kill(newly):
        if np.any(newly):
            W.reshape(c, E, K, N)[newly] = 0.0

    m = 0
    if 0 in slots:
        record(0)
    last = int(cfg.steps[-1])
    while m < last:
        b = min(block, last - m)
        X = np.stack([g.standard_normal((b, N)) for g in g_in])       # (c, b, N)
        Z = (np.stack([g.standard_normal(b) for g in g_noise]) * cfg.sigma if rule.noise
             else np.zeros((c, b)))
        HT = np.matmul(X, Bt)                                          # (c, b, M)
        for s in range(b):
            x = X[:, s, :]
            hs = np.matmul(W, x[:, :, None])[..., 0].reshape(c, E, K)
            F = _call_update(rule, hs, HT[:, None, s, :], Z[:, s, None])   # (c, E, K)
            coef = (F.reshape(c, E * K) * step_eta)
            ok = np.isfinite(coef)
            if not ok.all():
                _kill(_mark(div_step, alive, ~ok.reshape(c, E, K).all(axis=2), m + 1))
                coef[~ok] = 0.0
            if not alive.all():
                coef[~np.repeat(alive, K, axis=1)] = 0.0
            if cfg.lam:
                W *= decay
            np.multiply(coef[:, :, None], x[:, None, :], out=tmp)
            W += tmp
            m += 1
            if m in slots:
                record(m)
        tick(b)


# ------------------------------------------------------------------------------ reduced
def _reduced_chunk(cfg: _Config, streams, block, rec, teacher_gram, test, div_step, tick):
    rule, N, etas = cfg.rule, cfg.N, cfg.etas
    K, M, E, c = rule.K, rule.M, etas.size, len(streams)
    d = K + M
    g_init = [np.random.default_rng(s[0]) for s in streams]
    g_in = [np.random.default_rng(s[1]) for s in streams]
    g_chi = [np.random.default_rng(s[2]) for s in streams]
    g_noise = [np.random.default_rng(s[3]) for s in streams]
    g_test = [np.random.default_rng(s[4]) for s in streams]
    T = np.empty((c, M, M))
    for j, g in enumerate(g_init):
        B = _teacher(cfg, g)
        T[j] = B @ B.T
        scale = max(1.0, float(np.max(np.abs(cfg.Q0))))
        schur = cfg.Q0 - cfg.R0 @ np.linalg.solve(T[j], cfg.R0.T)
        if np.min(np.linalg.eigvalsh(schur)) < -1e-10 * scale:
            raise SpecificationError(f"R0 = {cfg.R0.tolist()} and Q0 = {cfg.Q0.tolist()} are "
                                     f"impossible with T = {T[j].tolist()} (need Q0 >= R0^2 / T)")
    teacher_gram[:] = T
    R = np.broadcast_to(cfg.R0, (c, E, K, M)).copy()
    Q = np.broadcast_to(cfg.Q0, (c, E, K, K)).copy()
    Tb = np.broadcast_to(T[:, None], (c, E, M, M))
    step_eta = (etas / N)[None, :, None]                               # (1, E, 1)
    decay = (1.0 - etas * cfg.lam / N)[None, :, None, None]
    alive = np.ones((c, E), dtype=bool)
    slots = _record_slots(cfg.steps)
    simple = K == 1 and M == 1
    sqrtT = np.sqrt(T[:, 0, 0])[:, None] if simple else None

    def factor():
        """``L`` (c, E, d, d) with ``L L^T`` the Gram matrix of (teachers, students)."""
        if simple:
            L = np.zeros((c, E, 2, 2))
            r = R[..., 0, 0]
            L[..., 0, 0] = sqrtT
            L[..., 1, 0] = r / sqrtT
            L[..., 1, 1] = np.sqrt(np.clip(Q[..., 0, 0] - r * r / sqrtT**2, 0.0, None))
            return L
        G = np.concatenate([np.concatenate([Tb, R.transpose(0, 1, 3, 2)], axis=-1),
                            np.concatenate([R, Q], axis=-1)], axis=-2)
        return _psd_factor(np.where(alive[..., None, None], G, 0.0))

    def record(m):
        k = slots[m]
        _store_overlaps(cfg, R, Q, m, rec[:, :, k], alive, div_step, _kill)
        if test is not None:
            Zt = np.stack([g.standard_normal((cfg.test_samples, d)) for g in g_test])
            h = np.einsum("cemd,csd->cesm", factor(), Zt)
            test[:, :, k] = np.where(alive, _mean_error(rule, h[..., M:], h[..., :M]), np.inf)

    def _kill(newly):
        if np.any(newly):
            R[newly] = 0.0
            Q[newly] = 0.0

    m = 0
    if 0 in slots:
        record(0)
    last = int(cfg.steps[-1])
    while m < last:
        b = min(block, last - m)
        Z = np.stack([g.standard_normal((b, d)) for g in g_in])           # (c, b, d)
        X2 = (np.einsum("cbd,cbd->cb", Z, Z)
              + (np.stack([g.chisquare(N - d, b) for g in g_chi]) if N > d else 0.0))
        Y = (np.stack([g.standard_normal(b) for g in g_noise]) * cfg.sigma if rule.noise
             else np.zeros((c, b)))
        for s in range(b):
            z = Z[:, s, :]
            if simple:
                ht = (sqrtT * z[:, None, 0])[..., None]                      # (c, 1, 1)
                hs = (R[..., 0, 0] / sqrtT * z[:, None, 0] + np.sqrt(np.clip(
                    Q[..., 0, 0] - R[..., 0, 0] ** 2 / sqrtT**2, 0.0, None)) * z[:, None, 1])[..., None]
                ht = np.broadcast_to(ht, (c, E, 1))
            else:
                h = np.einsum("cemd,cd->cem", factor(), z)
                ht, hs = h[..., :M], h[..., M:]
            F = _call_update(rule, hs, ht, Y[:, s, None])                # (c, E, K)
            a = F * step_eta
            ok = np.all(np.isfinite(a), axis=2)
            if not ok.all():
                _kill(_mark(div_step, alive, ~ok, m + 1))
            if not alive.all():
                a = np.where(alive[..., None], a, 0.0)
            if cfg.lam:
                R *= decay
                Q *= decay * decay
            cross = a[..., :, None] * hs[..., None, :]
            R += a[..., :, None] * ht[..., None, :]
            Q += (cross + cross.transpose(0, 1, 3, 2)) * (decay if cfg.lam else 1.0) \
                + a[..., :, None] * a[..., None, :] * X2[:, s, None, None, None]
            m += 1
            if m in slots:
                record(m)
        tick(b)
