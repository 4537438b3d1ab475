"""`python -m insights_dev.reliability`: run the reliability suite and rewrite RELIABILITY.md's table.

Extra arguments go to pytest (e.g. `-m "not slow"` for the fast subset; the table then only holds
the faults that subset injected).
"""

from __future__ import annotations

import os
import sys

import pytest

from insights.settings import REPO_ROOT


def main(argv: list[str]) -> int:
    os.environ["INSIGHTS_WRITE_RELIABILITY"] = "1"
    os.chdir(REPO_ROOT)  # the suite imports tests.reliability.* from the repository root
    return int(pytest.main(["-q", "-p", "no:cacheprovider", "tests/reliability", *argv]))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
