#!/usr/bin/env python3
"""Criterion results -> tables, ratios to the floors, and the scale-curve plot.

Reads every `target/criterion/**/new/{benchmark,estimates}.json` (run the benches first:
`cargo bench --bench compile`, `cargo bench --bench exec`, `cargo bench --bench allocations`),
prints Markdown tables (medians with criterion's 95% interval, ratios to the floors,
allocations per call, callgrind instructions when `tools/count_instructions.py` has run), and
draws `docs/perf-scale.png`: compile time (and instructions) against the number of conditions,
the path depth and the IN-list length.

Usage: python3 tools/plot_bench.py [--criterion DIR] [--out PNG] [--markdown FILE]
Needs matplotlib for the plot (`pip install matplotlib`); without it the tables still print.
"""

import argparse
import json
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent


def load(criterion_dir):
    """full benchmark id -> (median ns, low ns, high ns)."""
    out = {}
    for bench in criterion_dir.glob("**/new/benchmark.json"):
        est = bench.with_name("estimates.json")
        if not est.exists():
            continue
        meta = json.loads(bench.read_text())
        median = json.loads(est.read_text())["median"]
        ci = median["confidence_interval"]
        out[meta["full_id"]] = (
            median["point_estimate"],
            ci["lower_bound"],
            ci["upper_bound"],
        )
    return out


def fmt_ns(ns):
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.2f} µs"
    return f"{ns:.0f} ns"


def table(results, ids, title):
    rows = [f"| {title} | median | 95% interval |", "|---|---:|---:|"]
    for i in ids:
        if i in results:
            m, lo, hi = results[i]
            rows.append(f"| `{i}` | {fmt_ns(m)} | {fmt_ns(lo)} – {fmt_ns(hi)} |")
    return "\n".join(rows)


def ratios(results):
    floors = ["floor/sea_query_by_hand", "floor/sea_query_and_where", "floor/format"]
    subjects = [
        "compile/reference/cold",
        "compile/reference/cached",
        "parse/reference",
    ]
    if not all(f in results for f in floors):
        return ""
    rows = [
        "| bench | median | ÷ sea-query by hand (same text, chain) | ÷ sea-query `and_where` | ÷ `format!` |",
        "|---|---:|---:|---:|---:|",
    ]
    for s in subjects + floors:
        if s in results:
            m = results[s][0]
            r = [m / results[f][0] for f in floors]
            rows.append(f"| `{s}` | {fmt_ns(m)} | " + " | ".join(f"{x:.2f}×" for x in r) + " |")
    return "\n".join(rows)


def series(results, name):
    pts = []
    prefix = f"scale/{name}/"
    for k, v in results.items():
        if k.startswith(prefix):
            pts.append((int(k[len(prefix):]), v))
    return sorted(pts)


def scale_table(results):
    rows = [
        "| curve | N | median | per item | ratio to the previous point (N ratio) |",
        "|---|---:|---:|---:|---:|",
    ]
    for name in ["conditions", "depth", "in_list"]:
        prev = None
        for n, (m, _, _) in series(results, name):
            step = ""
            if prev:
                step = f"{m / prev[1]:.2f}× ({n / prev[0]:.1f}×)"
            rows.append(f"| `scale/{name}/N` | {n} | {fmt_ns(m)} | {fmt_ns(m / n)} | {step} |")
            prev = (n, m)
    return "\n".join(rows)


def allocations(criterion_dir):
    path = criterion_dir / "allocations.json"
    if not path.exists():
        return ""
    data = json.loads(path.read_text())
    rows = ["| call | allocations | bytes |", "|---|---:|---:|"]
    for k, v in data.items():
        rows.append(f"| `{k}` | {v['allocations']:.1f} | {v['bytes']:.0f} |")
    return "\n".join(rows)


def instructions(criterion_dir):
    """The callgrind counts of tools/count_instructions.py, or None."""
    path = criterion_dir / "instructions.json"
    if not path.exists():
        return None
    return json.loads(path.read_text())


def instruction_tables(counts):
    if not counts:
        return ""
    per = counts["per_call"]
    floor = per.get("floor")
    rows = ["| call | instructions | ÷ sea-query by hand |", "|---|---:|---:|"]
    for k, v in per.items():
        ratio = f"{v / floor:.2f}×" if floor else ""
        rows.append(f"| `{k}` | {v:,} | {ratio} |")
    rows += ["", "| curve | N | instructions | per item |", "|---|---:|---:|---:|"]
    for curve, pts in counts["scale"].items():
        for n, v in sorted(pts.items(), key=lambda p: int(p[0])):
            rows.append(f"| `scale/{curve}/N` | {n} | {v:,} | {v / int(n):,.0f} |")
    return "\n".join(rows)


def plot(results, counts, out):
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is missing (pip install matplotlib): no plot", file=sys.stderr)
        return False
    nrows = 2 if counts else 1
    fig, axes = plt.subplots(nrows, 3, figsize=(15, 4.6 * nrows), squeeze=False)
    specs = [
        ("conditions", "conditions (ANDed, mixed fields and paths)", True),
        ("depth", "path depth (relation hops)", False),
        ("in_list", "IN-list length", True),
    ]

    def draw(ax, xs, ys, errs, label, ylabel, title, log, fmt):
        if errs:
            ax.errorbar(xs, ys, yerr=errs, marker="o", capsize=3, label=label)
        else:
            ax.plot(xs, ys, marker="o", label=label)
        # A line of slope 1 through the largest point: linear growth follows it.
        n_max, t_max = xs[-1], ys[-1]
        ax.plot(
            xs,
            [t_max * n / n_max for n in xs],
            linestyle="--",
            color="grey",
            label="linear through the last point",
        )
        if log:
            ax.set_xscale("log")
            ax.set_yscale("log")
        ax.set_ylabel(ylabel)
        ax.set_title(title)
        ax.grid(True, which="both", alpha=0.3)
        for n, t in zip(xs, ys):
            ax.annotate(fmt(t), (n, t), textcoords="offset points", xytext=(4, -10), fontsize=7)
        ax.legend(fontsize=8, loc="upper left")

    for col, (name, label, log) in enumerate(specs):
        pts = series(results, name)
        if pts:
            xs = [n for n, _ in pts]
            med = [v[0] / 1e3 for _, v in pts]
            lo = [v[0] / 1e3 - v[1] / 1e3 for _, v in pts]
            hi = [v[2] / 1e3 - v[0] / 1e3 for _, v in pts]
            ax = axes[0][col]
            draw(ax, xs, med, [lo, hi], "compile (cold), criterion median",
                 "median compile time (µs)", f"scale/{name}/N: time", log, lambda t: f"{t:.3g}")
            ax.set_xlabel(label)
        if counts and name in counts["scale"]:
            pts = sorted((int(n), v) for n, v in counts["scale"][name].items())
            xs = [n for n, _ in pts]
            ys = [v / 1e3 for _, v in pts]
            ax = axes[1][col]
            draw(ax, xs, ys, None, "compile (cold), callgrind", "instructions (thousands)",
                 f"scale/{name}/N: instructions (deterministic)", log, lambda t: f"{t:.4g}k")
            ax.set_xlabel(label)
    fig.suptitle(
        "zstack-query: cold compile against query size "
        "(top: criterion medians with 95% intervals; bottom: callgrind instructions)"
    )
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    print(f"written {out}")
    return True


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--criterion", default=str(ROOT / "target" / "criterion"))
    ap.add_argument("--out", default=str(ROOT / "docs" / "perf-scale.png"))
    ap.add_argument("--markdown", help="also write the tables to this file")
    args = ap.parse_args()
    crit = pathlib.Path(args.criterion)
    results = load(crit)
    if not results:
        sys.exit(f"no criterion results under {crit}: run `cargo bench` first")
    compile_ids = [
        "compile/reference/cold",
        "compile/reference/cached",
        "parse/reference",
        "floor/sea_query_by_hand",
        "floor/sea_query_and_where",
        "floor/format",
    ]
    forms = [
        f"compile/{f}/{d}"
        for f in ["rest", "cli", "json"]
        for d in ["sqlite", "mysql", "postgres"]
    ]
    stages = [f"stage/{s}/{f}" for s in ["parse", "resolve"] for f in ["rest", "cli", "json"]]
    stages += [f"stage/emit/{d}" for d in ["sqlite", "mysql", "postgres"]]
    execs = sorted(k for k in results if k.startswith("exec/"))
    counts = instructions(crit)
    parts = [
        "### Reference query\n\n" + table(results, compile_ids, "bench"),
        "### Ratios to the floors\n\n" + ratios(results),
        "### Stages\n\n" + table(results, stages, "stage"),
        "### End to end per form and dialect (cold)\n\n" + table(results, forms, "bench"),
        "### Scale curves\n\n" + scale_table(results),
        "### Allocations per call\n\n" + allocations(crit),
        "### Instructions (callgrind)\n\n" + instruction_tables(counts),
        "### Execution on the 100k-VM demo\n\n" + table(results, execs, "bench"),
    ]
    text = "\n\n".join(p for p in parts if not p.endswith("\n\n"))
    print(text)
    if args.markdown:
        pathlib.Path(args.markdown).write_text(text + "\n")
    plot(results, counts, pathlib.Path(args.out))


if __name__ == "__main__":
    main()
