"""Reads random hyperslabs of a stack written by make_nexus.py slabs, as an analysis script reads them with h5py.

Usage: read_slabs.py FILE COUNT SEED   Prints the seconds the reads took (opening included) and a checksum of what was read.
"""
import sys
import time

import h5py
import numpy as np


def main():
    path, count, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    rng = np.random.default_rng(seed)
    start = time.perf_counter()
    total = 0
    with h5py.File(path, "r") as f:
        stack = f["scan/instrument/detector/slabs"]
        frames, rows, cols = stack.shape
        for _ in range(count):
            # a region of interest over a few frames: two to four chunks
            i = int(rng.integers(0, max(1, frames - 2)))
            y = int(rng.integers(0, rows - 100))
            x = int(rng.integers(0, cols - 100))
            total += int(stack[i:i + 2, y:y + 100, x:x + 100].sum(dtype=np.uint64))
    print(f"{time.perf_counter() - start:.6f} {total}")


main()
