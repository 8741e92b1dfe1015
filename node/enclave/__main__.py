"""Entry point of the enclave process: `python -m node.enclave init|serve ...`."""

import sys

from node.enclave.cli import main

sys.exit(main())
