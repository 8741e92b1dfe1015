"""Write recordings/*.json from scenario.py: the recorded conversations of the Sui adapter with a GraphQL
service.

    python tests/recorded_sui_graphql/make_recordings.py

test_recorded_schema.py checks that the files are what this writes, and that every response follows the
schema of README.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def main() -> int:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from tests.recorded_sui_graphql import scenario

    for path in scenario.write():
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
