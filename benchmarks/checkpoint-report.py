#!/usr/bin/env python3
"""Turns the key=value lines of benchmarks/checkpoint.sh into the "Checkpoints" section of BENCHMARKS.md.

Usage: checkpoint-report.py RAW BENCHMARKS.md COMMAND
The section sits between <!-- checkpoint-bench:begin --> and <!-- checkpoint-bench:end -->; it is appended
if the markers are absent, and only that part of the file is rewritten.
"""
import re
import sys

BEGIN = "<!-- checkpoint-bench:begin -->"
END = "<!-- checkpoint-bench:end -->"


def parse(path):
    header, rows = {}, []
    for line in open(path, encoding="utf-8"):
        line = line.strip()
        if line.startswith("#"):
            header = dict(re.findall(r'(\w+)=("[^"]*"|\S+)', line))
            header = {k: v.strip('"') for k, v in header.items()}
        elif line.startswith("synapses="):
            rows.append(dict(kv.split("=", 1) for kv in line.split()))
    return header, rows


def section(header, rows, command):
    out = [BEGIN, "## Checkpoints", ""]
    out.append("Durable learning (README, \"Durability: checkpoints and recovery\"): the benchmark network of "
               "`shared/bench/README.md` (100 Poisson inputs, N_rec `eprop_iaf` with a fixed recurrent in-degree K, "
               "10 readouts, fast e-prop with Adam, 2 threads) scaled to 10^6 and 10^7 plastic synapses "
               "(`CheckpointBench`). *write*: one complete checkpoint of the learning state (weights, traces, "
               "Adam moments, optimizer clocks, neuron state, histories, pending events, generator states) through a "
               "memory-mapped temporary file, CRC32C of every section, `force`, atomic rename and directory fsync, "
               "on the thread that drives the network; *restore*: map, verify every checksum and copy into a freshly "
               "built network (the file still in the page cache, as after a process crash; a cold read adds the "
               "disk's read time). Median [min, max] of 5. *cost*: the network simulates a stretch of stream time "
               "in 10 s pieces with a checkpoint after each; cost = checkpoint wall time / simulation wall time "
               "(what a learner thread loses; target <= 5 %).")
    out.append("")
    out.append("| plastic synapses | checkpoint size | bytes / synapse | write s | write MB/s | restore s | restore MB/s "
               "| stream time simulated | sim wall s | checkpoint wall s | cost (every 10 s) | target <= 5 % |")
    out.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for r in rows:
        mb = int(r["bytes"]) / 1e6
        cost = float(r["cost_pct"])
        out.append(
            f"| {int(r['synapses']):,} | {mb:,.1f} MB | {float(r['bytes_per_synapse']):.1f} "
            f"| {float(r['write_s']):.3f} [{float(r['write_min_s']):.3f}, {float(r['write_max_s']):.3f}] "
            f"| {float(r['write_MBps']):,.0f} "
            f"| {float(r['restore_s']):.3f} [{float(r['restore_min_s']):.3f}, {float(r['restore_max_s']):.3f}] "
            f"| {float(r['restore_MBps']):,.0f} | {float(r['stream_s']):.0f} s | {float(r['sim_wall_s']):.1f} "
            f"| {float(r['ckpt_wall_s']):.2f} | {cost:.2f} % | {'met' if cost <= 5.0 else 'missed'} |")
    out.append("")
    out.append(f"- Machine: {header.get('cpu', '?')}, {header.get('cpus', '?')} cores visible, shared with other work; "
               f"checkpoint files on {header.get('fs', '?')}.")
    out.append(f"- JVM: {header.get('java', '?')}, `-Xmx4g -XX:+UseParallelGC`.")
    out.append(f"- Command: `{command}`")
    out.append(f"- Date: {header.get('date', '?')}")
    out.append("- About 58 bytes per synapse: target index, weight, ebar, ebar_reg, gradient, Adam's m and v (52 B), "
               "plus per-source and per-neuron state. Writing is bound by the device (`force`), restoring by memory "
               "bandwidth and CRC32C.")
    out.append(END)
    return "\n".join(out)


def main():
    raw, md, command = sys.argv[1], sys.argv[2], sys.argv[3]
    header, rows = parse(raw)
    if not rows:
        sys.exit("checkpoint-report.py: no results in " + raw)
    text = open(md, encoding="utf-8").read()
    new = section(header, rows, command)
    if BEGIN in text and END in text:
        text = text[:text.index(BEGIN)] + new + text[text.index(END) + len(END):]
    else:
        text = text.rstrip("\n") + "\n\n" + new + "\n"
    open(md, "w", encoding="utf-8").write(text)
    print("checkpoint-report.py: wrote the Checkpoints section of " + md)


if __name__ == "__main__":
    main()
