"""The chain families this node serves: config, daemon, pipeline, CLI and enclave read this dict and nothing
else. A new family is one folder, `chains/<family>/`, and one entry here."""

from __future__ import annotations

from chains import evm, solana, sui
from chains.family import Family

FAMILIES: dict[str, Family] = {f.name: f for f in (evm.FAMILY, solana.FAMILY, sui.FAMILY)}
