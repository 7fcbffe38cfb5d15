#!/usr/bin/env python3
"""Deterministic instruction counts for docs/performance.md (issue 6), with valgrind's callgrind.

Wall-clock medians on a shared 2-vCPU machine move by ±30 % between runs; instruction counts do not.
This runs `examples/profile.rs` under callgrind and writes `target/criterion/instructions.json`:

- per call, for the reference query: `cold`, `parse`, `resolve`, `emit`, `cached`, `floor`,
  `floor_and_where`, `format`
  (the difference between loops of 1,500 and 500 calls, divided by 1,000: setup cancels out);
- one cold compile of each scale-curve query (`conditions`, `depth`, `in_list` at the sizes of
  `benches/compile.rs`), counted alone with `--toggle-collect`.

`tools/plot_bench.py` adds them to the tables and draws the scale curves in instructions beside the
criterion times. Usage: `cargo build --release --example profile && python3 tools/count_instructions.py`
(about a minute).
"""

import json
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
PROFILE = ROOT / "target" / "release" / "examples" / "profile"
OUT = ROOT / "target" / "criterion" / "instructions.json"

CALLS = ["cold", "parse", "resolve", "emit", "cached", "floor", "floor_and_where", "format"]
# The sizes of benches/common/mod.rs (SCALE_CONDITIONS, SCALE_DEPTH, SCALE_IN_LIST).
SCALE = {
    "conditions": [1, 3, 10, 30, 100, 300, 1000],
    "depth": [1, 2, 3, 4, 5, 6, 7, 8],
    "in_list": [1, 10, 100, 1000, 10000],
}


def collected(args, toggle=None):
    """Instructions callgrind collected for one run of the profile example."""
    cmd = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"]
    if toggle:
        cmd.append(f"--toggle-collect={toggle}")
    run = subprocess.run(cmd + [str(PROFILE)] + args, capture_output=True, text=True)
    m = re.search(r"Collected : (\d+)", run.stderr)
    if run.returncode != 0 or not m:
        sys.exit(f"callgrind failed on {args}:\n{run.stderr[-2000:]}")
    return int(m.group(1))


def main():
    if not PROFILE.exists():
        sys.exit("build it first: cargo build --release --example profile")
    out = {"per_call": {}, "scale": {}}
    for mode in CALLS:
        a = collected([mode, "500"])
        b = collected([mode, "1500"])
        out["per_call"][mode] = round((b - a) / 1000)
        print(f"{mode:<8} {out['per_call'][mode]:>9,} instructions per call")
    for curve, sizes in SCALE.items():
        out["scale"][curve] = {}
        for n in sizes:
            count = collected([curve, str(n)], toggle="*measured*")
            out["scale"][curve][str(n)] = count
            print(f"scale/{curve}/{n:<6} {count:>12,} instructions ({count / n:,.0f} per item)")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(out, indent=2))
    print(f"written {OUT}")


if __name__ == "__main__":
    main()
