"""The process's age, as the kernel counts it: what the 'api listening' line reports of a start."""

from __future__ import annotations

import subprocess
import sys
import time

from node.process_age import process_age_s


def test_a_process_is_as_old_as_it_has_run() -> None:
    code = "import time; time.sleep(0.5); from node.process_age import process_age_s; print(process_age_s())"
    began = time.monotonic()
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    ran = time.monotonic() - began
    assert 0.5 <= float(out) <= ran + 0.02  # the kernel counts in ticks of 10 ms


def test_this_process_is_older_than_the_test() -> None:
    age = process_age_s()
    assert age is not None and age > 0
