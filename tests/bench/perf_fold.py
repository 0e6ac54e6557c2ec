#!/usr/bin/env python3
# perf_fold.py: inclusive CPU share of chosen functions in `perf script`
# output recorded with --call-graph dwarf (frame pointers are off in -O2
# builds, so perf report's own call graphs are unreliable here).
#
#   perf script -i perf.data > perf.txt
#   tests/bench/perf_fold.py perf.txt FUNC... [--callers FUNC]
#
# Prints "NN.N% FUNC" per function (share of samples with FUNC anywhere on
# the stack) and, with --callers, the nearest callers of FUNC.
import collections
import sys


def stacks(path):
    cur = None
    for line in open(path, errors="replace"):
        line = line.rstrip("\n")
        if not line.strip():
            if cur is not None:
                yield cur
            cur = None
        elif not line.startswith(("\t", " ")):
            cur = []
        elif cur is not None:
            parts = line.split(None, 2)
            if len(parts) >= 2:
                cur.append(parts[1].split("+0x")[0])
    if cur:
        yield cur


def main(argv):
    if len(argv) < 3:
        sys.stderr.write("usage: perf_fold.py PERF_SCRIPT_TXT FUNC... "
                         "[--callers FUNC]\n")
        return 2
    callers = None
    funcs = argv[2:]
    if "--callers" in funcs:
        i = funcs.index("--callers")
        callers = funcs[i + 1] if i + 1 < len(funcs) else None
        funcs = funcs[:i]
    all_stacks = list(stacks(argv[1]))
    n = len(all_stacks) or 1
    print("samples %d" % len(all_stacks))
    for f in funcs:
        k = sum(1 for s in all_stacks if f in s)
        print("%5.1f%% %s" % (100.0 * k / n, f))
    if callers:
        c = collections.Counter()
        for s in all_stacks:
            if callers in s:
                i = len(s) - 1 - s[::-1].index(callers)
                up = [x for x in s[i + 1:] if x and x != "[unknown]"][:2]
                c[" < ".join(up)] += 1
        print("callers of %s:" % callers)
        for k, v in c.most_common(10):
            print("  %5.1f%% %s" % (100.0 * v / n, k))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
