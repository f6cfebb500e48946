#!/usr/bin/env python3
"""Aggregates bench/results/*/summary.json into the README's learning-results table (markdown).

    bench/learning-table.py [RESULTS] [ONE_CORE_RESULTS]

With a second folder (the same runs pinned to one core: CPUS=0 bench/learning-results.sh), a second table sets their
wall times against sb3-contrib's, which were taken on one core, and says whether the evaluations match."""
import json
import os
import statistics
import sys
from decimal import ROUND_HALF_UP, Decimal

# sb3-contrib 2.3.0 TRPO on this kind of machine (../shared/REFERENCE.md): wall s mean, final eval mean +- std.
SB3 = {
    "CartPole-v1": (27.7, "500.0 ± 0.0", 475.0),
    "Acrobot-v1": (43.7, "-82.8 ± 1.4", -100.0),
    "MountainCar-v0": (42.3, "-110.0 ± 3.0", -110.0),
    "Pendulum-v1": (33.1, "-152.1 ± 25.8", -200.0),
    "MountainCarContinuous-v0": (19.1, "61.5 ± 43.6", 90.0),
}
ORDER = list(SB3)


def one(x):
    """x to one decimal, half away from zero, as the trainer's own tables print it (-116.85 -> -116.9)."""
    return str(Decimal(repr(x)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def summaries(folder):
    """The summary.json of every run folder in ``folder``, by folder name."""
    out = []
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name, "summary.json")
        if os.path.isfile(path):
            with open(path) as f:
                out.append(json.load(f))
    return out


def main(folder):
    runs = {}
    for s in summaries(folder):
        runs.setdefault(s["env"], []).append(s)
    print("| env (target) | seeds | final eval, 20 det. episodes (mean ± std of seeds) | per-seed eval | target met | best evaluated version, per seed | steps to target (w10) | wall s | steps/s | sb3-contrib eval | sb3-contrib wall s | speed-up |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    groups = []
    for env in ORDER + sorted(set(runs) - set(ORDER)):
        rs = sorted(runs.get(env, []), key=lambda r: r["seed"])
        if not rs:
            continue
        evals = [r["final_eval_mean"] for r in rs]
        walls = [r["wall_seconds"] for r in rs]
        sps = [r["env_steps_per_second"] for r in rs]
        sb3_wall, sb3_eval, target = SB3.get(env, (float("nan"), "-", float("nan")))
        met = sum(1 for e in evals if e >= target)
        mean_eval = statistics.mean(evals)
        std_eval = statistics.pstdev(evals)
        wall = statistics.mean(walls)
        print(f"| {env} (≥ {target:g}) | {len(rs)} | {one(mean_eval)} ± {one(std_eval)} | "
              f"{', '.join(one(e) for e in evals)} | {met}/{len(rs)} | {best(rs)} | "
              f"{', '.join(str(r['steps_to_threshold']) for r in rs)} | "
              f"{wall:.1f} ± {statistics.pstdev(walls):.1f} | {statistics.mean(sps):,.0f} | {sb3_eval} | {sb3_wall} | "
              f"{sb3_wall / wall:.2f}x |")
        groups.append(triples(env, rs, target))
    for line in filter(None, groups):
        print()
        print(line)
    return runs


def one_core(runs, folder):
    """The same runs on one core: wall times against sb3-contrib's (one core too), and the evaluations compared."""
    pinned = {(s["env"], s["seed"]): s for s in summaries(folder)}
    print()
    print("| env | seeds | wall s, one core | sb3-contrib wall s, one core | speed-up, one core | final evals as on 2 cores |")
    print("|---|---|---|---|---|---|")
    for env in ORDER + sorted(set(runs) - set(ORDER)):
        rs = [pinned[(env, r["seed"])] for r in sorted(runs.get(env, []), key=lambda r: r["seed"])
              if (env, r["seed"]) in pinned]
        if not rs:
            continue
        same = sum(1 for r in rs for o in runs[env] if o["seed"] == r["seed"] and o["final_eval_mean"] == r["final_eval_mean"])
        walls = [r["wall_seconds"] for r in rs]
        sb3_wall = SB3.get(env, (float("nan"),))[0]
        wall = statistics.mean(walls)
        print(f"| {env} | {len(rs)} | {wall:.1f} ± {statistics.pstdev(walls):.1f} | {sb3_wall} | {sb3_wall / wall:.2f}x | "
              f"{same} of {len(rs)} identical |")


def triples(env, rs, target):
    """With six seeds or more: how many disjoint triples of consecutive seeds (1-3, 4-6, ...) have a mean at the
    target, i.e. how often a three-seed table like the issue's would pass."""
    if len(rs) < 6:
        return None
    groups = [rs[i:i + 3] for i in range(0, len(rs) - len(rs) % 3, 3)]
    means = [statistics.mean(r["final_eval_mean"] for r in g) for g in groups]
    passed = sum(1 for m in means if m >= target)
    detail = ", ".join(f"{g[0]['seed']}-{g[-1]['seed']}: {one(m)}" for g, m in zip(groups, means))
    return f"{env}: {passed} of {len(groups)} three-seed groups have a mean at the target ({detail})."


def best(rs):
    """Each seed's best periodic evaluation (best-policy.avro) as mean@version, or - for runs without one."""
    return ", ".join(f"{one(r['best_eval_mean'])}@v{r['best_eval_version']}" if "best_eval_mean" in r else "-"
                     for r in rs)


if __name__ == "__main__":
    all_runs = main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "results"))
    if len(sys.argv) > 2:
        one_core(all_runs, sys.argv[2])
