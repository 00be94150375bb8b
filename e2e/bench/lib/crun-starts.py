#!/usr/bin/env python3
"""Times `crun run` of each bundle N times, interleaved and in a rotating order (a run's cgroup is
torn down asynchronously, which slows whatever runs next), and prints the median wall time and the
median CPU crun itself used (user + sys from getrusage, microsecond resolution).

Usage: crun-starts.py STATE_ROOT N BUNDLE...
"""
import resource
import statistics
import subprocess
import sys
import time

root, n, bundles = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
wall = {b: [] for b in bundles}
cpu = {b: [] for b in bundles}
for i in range(n):
    for b in bundles[i % len(bundles):] + bundles[: i % len(bundles)]:
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run(["crun", "--root", root, "run", "-b", b, f"bench-{i}-{time.time_ns()}"],
                       stdin=subprocess.DEVNULL, check=True)
        t1 = time.perf_counter()
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        wall[b].append((t1 - t0) * 1000)
        cpu[b].append((r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime) * 1000)
for b in bundles:
    print(f"{b} {statistics.median(wall[b]):.2f} {statistics.median(cpu[b]):.2f}")
