"""Figures in the note's style (matplotlib, Agg backend): nothing is shown, bytes are returned.

:func:`hara_figure` is the note's Figure 1 (top "Analytical solutions", bottom "Simulation
results", t from 0 to 10, eps_g from 0 to 2); :func:`overlay_figure` puts the N -> infinity
theory, the simulated mean ± standard error and the exact finite-N theory in one panel.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

__all__ = ["hara_figure", "overlay_figure", "render"]

_COLORS = ["#1f77b4", "#2ca02c", "#ff7f0e", "#d62728", "#9467bd", "#8c564b"]
_STYLE = {"font.size": 9, "axes.titlesize": 10, "axes.labelsize": 9, "legend.fontsize": 8,
          "xtick.direction": "in", "ytick.direction": "in", "font.family": "serif",
          "mathtext.fontset": "dejavuserif"}


def _eta_label(eta: float) -> str:
    return rf"$\eta = {eta:.1f}$" if round(eta, 1) == eta else rf"$\eta = {eta:g}$"


def _axes_style(ax, t_max: float, y_max: float) -> None:
    ax.set_xlim(0, t_max)
    ax.set_ylim(0, y_max)
    ax.set_xlabel(r"$t = m/N$")
    ax.set_ylabel(r"$\epsilon_g$")
    ax.tick_params(top=True, right=True)


def hara_figure(t_theory, eg_theory, t_sim, eg_sim, etas, *, N: int, trials: int,
                t_max: float = 10.0, y_max: float = 2.0) -> Figure:
    """The note's two-panel Figure 1.

    Arguments:
        t_theory, eg_theory: the analytical eps_g, ``eg_theory[eta, t]``.
        t_sim, eg_sim: the simulated mean eps_g, ``eg_sim[eta, t]``.
        etas: the learning rates. N, trials: for the caption of the lower panel.
    """
    with plt.rc_context(_STYLE):
        fig = Figure(figsize=(4.6, 6.2), layout="constrained")
        top, bottom = fig.subplots(2, 1, sharex=False)
        for e, eta in enumerate(etas):
            c = _COLORS[e % len(_COLORS)]
            top.plot(t_theory, eg_theory[e], color=c, lw=1.4, label=_eta_label(eta))
            bottom.plot(t_sim, eg_sim[e], color=c, lw=1.2, label=_eta_label(eta))
        top.set_title("Analytical solutions")
        bottom.set_title(f"Simulation results (N = {N}, mean of {trials} trials)")
        for ax in (top, bottom):
            _axes_style(ax, t_max, y_max)
            ax.legend(loc="upper right", frameon=False)
    return fig


def overlay_figure(t_theory, eg_theory, t_sim, eg_mean, eg_stderr, etas, *, N: int,
                   trials: int, eg_finite=None, t_max: float = 10.0, y_max: float = 2.0
                   ) -> Figure:
    """Theory lines, simulated mean ± standard error (points), finite-N theory (dashed)."""
    with plt.rc_context(_STYLE):
        fig = Figure(figsize=(5.4, 4.0), layout="constrained")
        ax = fig.subplots()
        for e, eta in enumerate(etas):
            c = _COLORS[e % len(_COLORS)]
            ax.plot(t_theory, eg_theory[e], color=c, lw=1.3, label=_eta_label(eta))
            if eg_finite is not None:
                ax.plot(t_theory, eg_finite[e], color=c, lw=1.1, ls="--")
            stride = max(1, len(t_sim) // 25)
            sl = slice(None, None, stride)
            ax.errorbar(t_sim[sl], eg_mean[e][sl], yerr=eg_stderr[e][sl], fmt="o", ms=2.8,
                        color=c, mfc="white", mew=0.9, elinewidth=0.9, capsize=1.5)
        handles, labels = ax.get_legend_handles_labels()
        from matplotlib.lines import Line2D
        handles += [Line2D([], [], color="k", lw=1.3),
                    Line2D([], [], color="k", lw=1.1, ls="--"),
                    Line2D([], [], color="k", marker="o", ls="", mfc="white", ms=3.5)]
        labels += [r"theory, $N \to \infty$", f"exact mean, N = {N}",
                   f"simulation ± s.e. ({trials} trials)"]
        if eg_finite is None:
            del handles[-2], labels[-2]
        ax.legend(handles, labels, loc="upper left", frameon=False, ncol=2)
        ax.set_title(r"Linear perceptron, on-line SGD: theory and simulation")
        _axes_style(ax, t_max, y_max)
    return fig


def render(fig: Figure, fmt: str) -> bytes:
    """The figure as ``png`` (200 dpi) or ``pdf`` bytes (to be written atomically)."""
    if fmt not in ("png", "pdf"):
        raise ValueError(f"fmt must be 'png' or 'pdf', got {fmt!r}")
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt, dpi=200 if fmt == "png" else None,
                metadata={"Software": "symstat"} if fmt == "png" else {"Creator": "symstat"})
    return buf.getvalue()

