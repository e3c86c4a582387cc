"""The benchmark's memory sampler: the peak of a process tree and what made it."""

import subprocess
import sys
import time

from bench.throwaway_platform import ProcessTreeSampler

_HOLD_64_MIB = "import time; block = bytearray(64 * 2**20); time.sleep(3)"


def test_the_peak_names_the_process_that_made_it() -> None:
    parent = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import subprocess, sys; subprocess.run([sys.executable, '-c', {_HOLD_64_MIB!r}])",
        ]
    )
    try:
        with ProcessTreeSampler(parent.pid, interval_s=0.05, proportional=True) as sampler:
            parent.wait(timeout=30)
            time.sleep(0.1)
    finally:
        parent.kill()
    assert sampler.peak_at is not None
    assert sampler.peak_rss_bytes >= 64 * 2**20
    largest_label, largest_bytes = sampler.peak_processes[0]
    assert "bytearray" in largest_label
    assert largest_bytes >= 64 * 2**20
    assert sum(size for _, size in sampler.peak_processes) <= sampler.peak_rss_bytes
