#!/usr/bin/env python3
"""Odds that one diode pass loses a file, at i.i.d. datagram loss (perf/README.md, "Diode").

  perf/diode-fec-odds.py LOSS K:M [G] [--size-mib N] [--trials N]

Prints the chance that a block of K data and M parity symbols is short (more than M of its K + M
datagrams lost: the binomial tail), the chance that a file of --size-mib (default 1000, symbols
of 1,408 bytes) has a short block, and, with outer blocks every G blocks (docs/FORMAT.md 5.4),
the chance that an outer group has 2 or more short blocks and a Monte Carlo estimate of how often
the receiver's recovery (column XOR for positions only one member lacks, then the block code, in
rounds: PartialObject.recoverGroup) fails given J short blocks in a group, J = 2, 3, 4, 6.
"""
import argparse
import random
from math import comb


def tail(n, m, p):
    return sum(comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(m + 1, n + 1))


def recovery_fails(k, m, p, j, trials, rnd):
    n = k + m
    weights = [comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(m + 1, n + 1)]
    fails = 0
    for _ in range(trials):
        rows = []
        for _ in range(j):
            c = rnd.choices(range(m + 1, n + 1), weights=weights)[0]
            rows.append(set(rnd.sample(range(n), c)))
        unknown = [{x for x in r if x < k} for r in rows]
        parity = [m - len([x for x in r if x >= k]) for r in rows]
        done = [False] * j
        progress = True
        while progress:
            progress = False
            for a in range(j):
                if done[a]:
                    continue
                others = set()
                for b in range(j):
                    if b != a and not done[b]:
                        others |= unknown[b]
                column = {x for x in unknown[a] if x not in others}
                if column:
                    unknown[a] -= column
                    progress = True
                if len(unknown[a]) <= parity[a]:
                    unknown[a] = set()
                    done[a] = True
                    progress = True
        fails += 0 if all(done) else 1
    return fails / trials


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("loss", type=float, help="datagram loss, e.g. 0.05")
    ap.add_argument("fec", help="K:M")
    ap.add_argument("outer", type=int, nargs="?", default=0, help="G, blocks per outer block")
    ap.add_argument("--size-mib", type=float, default=1000)
    ap.add_argument("--trials", type=int, default=2000)
    a = ap.parse_args()
    k, m = (int(x) for x in a.fec.split(":"))
    g = a.outer
    pb = tail(k + m, m, a.loss)
    blocks = a.size_mib * 2**20 / (k * 1408)
    overhead = m / k if g == 0 else (g + 1) * (k + m) / (g * k) - 1
    print(f"loss {a.loss:.2%}, {k}:{m}, outer {g or 'none'}: overhead {overhead:.2%}")
    print(f"P(block short) = {pb:.3g}")
    print(f"P({a.size_mib:g} MiB file has a short block) = {1 - (1 - pb) ** blocks:.3g}")
    if g:
        two = 1 - (1 - pb) ** (g + 1) - (g + 1) * pb * (1 - pb) ** g
        groups = blocks / g
        print(f"P(an outer group has >= 2 short members) = {two:.3g}; "
              f"P(some group of the file has) = {1 - (1 - two) ** groups:.3g}")
        rnd = random.Random(1)
        for j in (2, 3, 4, 6):
            f = recovery_fails(k, m, a.loss, j, a.trials, rnd)
            print(f"recovery fails with {j} short members: {f:.3g} ({a.trials} trials)")


if __name__ == "__main__":
    main()
