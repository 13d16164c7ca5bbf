"""Speed of the simulators, as ratios against baselines run in the same process.

1. Microscopic simulator vs drawing the same Gaussian inputs alone (same per-trial
   streams, same blocks): target <= 1.5x.
2. Reduced simulator vs microscopic at N = 10^4: target >= 100x speed-up.

Run: python benchmarks/bench_simulate.py   (about a minute)
"""


import numpy as np

from symstat import NumericRule, get_rule, simulate
from _timing import best_of


def draw_inputs_alone(N, trials, steps, seed):
    """Exactly the input draws of the microscopic simulator, and nothing else."""
    children = np.random.SeedSequence(seed).spawn(trials)
    block = int(max(1, min(512, (1 << 18) // N)))
    gens = [np.random.default_rng(c.spawn(5)[1]) for c in children]
    m = 0
    while m < steps:
        b = min(block, steps - m)
        np.stack([g.standard_normal((b, N)) for g in gens])
        m += b



def main():
    rule = NumericRule.from_rule(get_rule("linear-sgd"))
    for N, trials, t_max, rep in ((1000, 100, 2.0, 2), (10_000, 50, 0.2, 1)):
        steps = int(t_max * N)
        base = best_of(lambda: draw_inputs_alone(N, trials, steps, 0), rep)
        micro = best_of(lambda: simulate(rule, N=N, eta=1.0, t=[0, t_max], trials=trials,
                                         seed=0), rep)
        print(f"N = {N:>6}, {trials} trials, {steps} steps: microscopic {micro:.3f} s, "
              f"drawing the inputs alone {base:.3f} s -> ratio {micro / base:.2f}x "
              f"(target <= 1.5x)")
    reduced = best_of(lambda: simulate(rule, N=N, eta=1.0, t=[0, t_max], trials=trials, seed=0,
                                       method="reduced"))
    print(f"N = {N}, {trials} trials, {steps} steps: reduced {reduced:.4f} s vs "
          f"microscopic {micro:.3f} s -> speed-up {micro / reduced:.0f}x (target >= 100x)")


if __name__ == "__main__":
    main()
