#!/usr/bin/env python3
"""Aggregates bench/results/*/summary.json into the README's learning-results table (markdown)."""
import json
import os
import statistics
import sys

# sb3-contrib 2.3.0 TRPO on this kind of machine (../shared/REFERENCE.md): wall s mean, final eval mean +- std.
SB3 = {
    "CartPole-v1": (27.7, "500.0 ± 0.0", 475.0),
    "Acrobot-v1": (43.7, "-82.8 ± 1.4", -100.0),
    "MountainCar-v0": (42.3, "-110.0 ± 3.0", -110.0),
    "Pendulum-v1": (33.1, "-152.1 ± 25.8", -200.0),
    "MountainCarContinuous-v0": (19.1, "61.5 ± 43.6", 90.0),
}
ORDER = list(SB3)


def main(folder):
    runs = {}
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name, "summary.json")
        if os.path.isfile(path):
            with open(path) as f:
                s = json.load(f)
            runs.setdefault(s["env"], []).append(s)
    print("| env (target) | seeds | final eval, 20 det. episodes (mean ± std of seeds) | per-seed eval | target met | best evaluated version, per seed | steps to target (w10) | wall s | steps/s | sb3-contrib eval | sb3-contrib wall s | speed-up |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
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
        print(f"| {env} (≥ {target:g}) | {len(rs)} | {mean_eval:.1f} ± {std_eval:.1f} | "
              f"{', '.join(f'{e:.1f}' for e in evals)} | {met}/{len(rs)} | {best(rs)} | "
              f"{', '.join(str(r['steps_to_threshold']) for r in rs)} | "
              f"{wall:.1f} ± {statistics.pstdev(walls):.1f} | {statistics.mean(sps):,.0f} | {sb3_eval} | {sb3_wall} | "
              f"{sb3_wall / wall:.2f}x |")


def best(rs):
    """Each seed's best periodic evaluation (best-policy.avro) as mean@version, or - for runs without one."""
    return ", ".join(f"{r['best_eval_mean']:.1f}@v{r['best_eval_version']}" if "best_eval_mean" in r else "-"
                     for r in rs)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "results"))
