"""The node's configuration: a TOML file validated with pydantic, every error reported at once with its place.

Secrets never live in the config itself: it names files (keystore, passphrase files) the node reads when it
needs them, and RPC URLs, which may carry credentials, are `SecretStr` and print masked.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator, model_validator

from node.errors import ConfigError

ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NodeSection(Section):
    data_dir: Path = Field(Path(".aura"), description="store, enclave socket and sealed key live here")
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    log_format: Literal["json", "text"] = "json"
    drain_timeout_s: float = Field(10.0, gt=0, le=600)


class EnclaveSection(Section):
    passphrase_file: Path = Field(description="file holding the passphrase that seals the enclave key")
    scoring_config: Path | None = None
    data_dir: Path | None = None
    socket: Path | None = None
    start_timeout_s: float = Field(20.0, gt=0, le=300)


class ApiSection(Section):
    host: str = "127.0.0.1"
    port: int = Field(9464, ge=0, le=65535)
    enabled: bool = True


class IndexerSection(Section):
    """Which contracts speak for which protocol on this chain; the node indexes a subject's history from them.

    `protocols` maps a protocol name to its contracts; a name that is not an event family itself (a fork)
    needs `families` (name -> "aave-v3" | "compound-v3" | "uniswap-v2" | "uniswap-v3"). ERC-20 Transfers
    are read from any token. `stablecoins` are the token contracts counted as stablecoins.
    """

    enabled: bool = True
    start_block: int = Field(0, ge=0, description="history before this block is not read")
    protocols: dict[str, list[str]] = Field(default_factory=dict)
    families: dict[str, Literal["aave-v3", "compound-v3", "uniswap-v2", "uniswap-v3"]] = Field(default_factory=dict)
    stablecoins: list[str] = Field(default_factory=list)
    max_log_range: int = Field(10_000, ge=1, le=1_000_000, description="blocks per eth_getLogs call")

    @field_validator("protocols")
    @classmethod
    def _protocol_addresses(cls, v: dict[str, list[str]]) -> dict[str, list[str]]:
        for name, addresses in v.items():
            if not re.match(r"^[a-z0-9][a-z0-9_-]{0,31}$", name):
                raise ValueError(f"protocol name {name!r}: lower-case letters, digits, - and _ only")
            for a in addresses:
                if not ADDRESS.match(a):
                    raise ValueError(f"{name}: {a!r} is not a 0x-prefixed 20-byte hex address")
        return v

    @field_validator("stablecoins")
    @classmethod
    def _stable_addresses(cls, v: list[str]) -> list[str]:
        for a in v:
            if not ADDRESS.match(a):
                raise ValueError(f"{a!r} is not a 0x-prefixed 20-byte hex address")
        return v

    @model_validator(mode="after")
    def _families_known(self) -> "IndexerSection":
        known = {"aave-v3", "compound-v3", "uniswap-v2", "uniswap-v3"}
        for name in self.protocols:
            if name not in known and name not in self.families:
                raise ValueError(f"protocol {name!r} is not an event family; name its family in `families`")
        return self


class EvmChain(Section):
    family: Literal["evm"]
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$")
    chain_id: int = Field(gt=0)
    rpc_url: SecretStr
    ws_url: SecretStr | None = None
    oracle: str
    start_block: int = Field(0, ge=0)
    confirmations: int = Field(1, ge=1, le=1000)
    finality_depth: int = Field(2, ge=0, le=10000)
    poll_interval_s: float = Field(1.0, gt=0, le=300)
    max_log_range: int = Field(2000, ge=1, le=100000)
    batch_size: int = Field(25, ge=1, le=200)
    transmitter_keystore: Path
    transmitter_passphrase_file: Path
    max_fee_gwei: int = Field(500, gt=0)
    priority_fee_gwei: int = Field(1, ge=0)
    gas_multiplier_pct: int = Field(125, ge=100, le=400)
    resubmit_after_s: float = Field(30.0, gt=0, description="re-send a pending fulfilment unchanged after this")
    bump_after_s: float = Field(60.0, gt=0, description="replace a fulfilment still pending after this at a higher fee")
    bump_pct: int = Field(20, ge=10, le=300, description="fee increase per replacement (nodes want at least 10)")
    rpc_timeout_s: float = Field(10.0, gt=0, le=120)
    indexer: IndexerSection | None = None

    @field_validator("oracle")
    @classmethod
    def _address(cls, v: str) -> str:
        if not ADDRESS.match(v):
            raise ValueError("must be a 0x-prefixed 20-byte hex address")
        return v

    @field_validator("rpc_url", "ws_url")
    @classmethod
    def _url(cls, v: SecretStr | None) -> SecretStr | None:
        if v is not None and not re.match(r"^(https?|wss?)://", v.get_secret_value()):
            raise ValueError("must be an http(s):// or ws(s):// URL")
        return v


BASE58 = re.compile(r"^[1-9A-HJ-NP-Za-km-z]{32,44}$")


class SolanaChain(Section):
    """A Solana cluster: the `aura_oracle` program and one oracle account on it (docs/solana.md)."""

    family: Literal["solana"]
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$")
    chain_id: int = Field(0, ge=0, le=(1 << 53) - 1,
                          description="a number naming the cluster in this node's store and logs; not signed")
    rpc_url: SecretStr
    program_id: str
    oracle: str
    commitment: Literal["processed", "confirmed", "finalized"] = Field(
        "confirmed", description="requests are scored once their slot reaches this commitment")
    start_slot: int = Field(0, ge=0, description="requests made before this slot are ignored")
    poll_interval_s: float = Field(1.0, gt=0, le=300)
    batch_size: int = Field(1, ge=1, le=1, description="one fulfilment per transaction: each is atomic")
    transmitter_keypair: Path = Field(description="a Solana CLI keypair file (JSON array of 64 bytes)")
    compute_unit_margin_pct: int = Field(120, ge=100, le=400,
                                         description="compute-unit limit: simulated units times this / 100")
    priority_fee_micro_lamports: int = Field(1_000, ge=0, le=10**9,
                                             description="lowest compute-unit price offered")
    max_priority_fee_micro_lamports: int = Field(1_000_000, ge=0, le=10**12,
                                                 description="highest compute-unit price ever offered")
    resubmit_after_s: float = Field(2.0, gt=0, description="re-send a pending fulfilment unchanged after this")
    bump_after_s: float = Field(60.0, gt=0, description="unused on Solana: an expired blockhash re-signs instead")
    bump_pct: int = Field(20, ge=10, le=300)
    rpc_timeout_s: float = Field(10.0, gt=0, le=120)
    history_pages: int = Field(5, ge=1, le=100,
                               description="getSignaturesForAddress pages (1000 each) read per subject")

    @field_validator("program_id", "oracle")
    @classmethod
    def _pubkey(cls, v: str) -> str:
        if not BASE58.match(v):
            raise ValueError("must be a base58 Solana public key")
        from solders.pubkey import Pubkey  # noqa: PLC0415 - only configs that name a Solana chain need it

        try:
            if str(Pubkey.from_string(v)) != v:
                raise ValueError
        except ValueError:
            raise ValueError("must be a base58 Solana public key (32 bytes)") from None
        return v

    @field_validator("rpc_url")
    @classmethod
    def _url(cls, v: SecretStr) -> SecretStr:
        if not re.match(r"^https?://", v.get_secret_value()):
            raise ValueError("must be an http(s):// URL")
        return v


SUI_ID = re.compile(r"^0x[0-9a-f]{64}$")


class SuiChain(Section):
    """A Sui network: the `aura_oracle` Move package and one `Oracle` object on it (docs/sui.md), read and
    written through Sui's GraphQL service."""

    family: Literal["sui"]
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$")
    chain_id: int = Field(0, ge=0, le=(1 << 53) - 1,
                          description="a number naming the network in this node's store and logs; not signed")
    graphql_url: SecretStr
    chain_identifier: str | None = Field(
        None, description="the network's chain identifier (8 hex digits), checked when the node connects")
    package_id: str = Field(description="the aura_oracle package: fulfilments call its oracle::fulfil")
    oracle: str = Field(description="the Oracle object's ID")
    transmitter_key: Path = Field(description="a file holding one Sui private key (suiprivkey1..., or the "
                                              "base64 flag || key of a sui.keystore entry)")
    start_checkpoint: int = Field(0, ge=0, description="requests made before this checkpoint are ignored")
    poll_interval_s: float = Field(1.0, gt=0, le=300)
    batch_size: int = Field(1, ge=1, le=1, description="one fulfilment per transaction: each is atomic")
    gas_budget_margin_pct: int = Field(120, ge=100, le=400,
                                       description="gas budget: the dry run's computation and storage cost "
                                                   "times this / 100")
    max_gas_budget: int = Field(100_000_000, gt=0, le=50_000_000_000,
                                description="the largest gas budget a fulfilment may carry, in MIST")
    max_gas_price: int = Field(10_000, gt=0, le=100_000,
                               description="the highest reference gas price the node pays, in MIST per unit")
    resubmit_after_s: float = Field(10.0, gt=0, description="re-send a pending fulfilment unchanged after this")
    bump_after_s: float = Field(60.0, gt=0, description="unused on Sui: a transaction that can no longer "
                                                        "execute is re-signed instead")
    bump_pct: int = Field(20, ge=10, le=300)
    rpc_timeout_s: float = Field(15.0, gt=0, le=120)

    @field_validator("package_id", "oracle")
    @classmethod
    def _object_id(cls, v: str) -> str:
        if not SUI_ID.match(v):
            raise ValueError("must be 0x followed by 64 lower-case hex digits (a full Sui object ID)")
        return v

    @field_validator("chain_identifier")
    @classmethod
    def _chain_identifier(cls, v: str | None) -> str | None:
        if v is not None and not re.match(r"^[0-9a-f]{8}$", v):
            raise ValueError("must be 8 lower-case hex digits (what the GraphQL service's chainIdentifier returns)")
        return v

    @field_validator("graphql_url")
    @classmethod
    def _url(cls, v: SecretStr) -> SecretStr:
        if not re.match(r"^https?://", v.get_secret_value()):
            raise ValueError("must be an http(s):// URL")
        return v


ChainSection = Annotated[EvmChain | SolanaChain | SuiChain, Field(discriminator="family")]
CHAIN_MODELS = {"evm": EvmChain, "solana": SolanaChain, "sui": SuiChain}


class Config(Section):
    node: NodeSection = NodeSection()
    enclave: EnclaveSection
    api: ApiSection = ApiSection()
    chains: list[ChainSection] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_names(self) -> "Config":
        names = [c.name for c in self.chains]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"chain names must be unique, repeated: {', '.join(dupes)}")
        return self

    def resolve(self, base: Path) -> "Config":
        """Relative paths are relative to the config file's folder."""

        def fix(p: Path | None) -> Path | None:
            return p if p is None or p.is_absolute() else base / p

        node = self.node.model_copy(update={"data_dir": fix(self.node.data_dir)})
        enc = self.enclave.model_copy(update={
            "passphrase_file": fix(self.enclave.passphrase_file),
            "scoring_config": fix(self.enclave.scoring_config) if self.enclave.scoring_config else None,
            "data_dir": fix(self.enclave.data_dir) if self.enclave.data_dir else node.data_dir / "enclave",
            "socket": fix(self.enclave.socket) if self.enclave.socket else node.data_dir / "enclave.sock",
        })

        def fix_chain(c: Any) -> Any:
            if isinstance(c, EvmChain):
                return c.model_copy(update={"transmitter_keystore": fix(c.transmitter_keystore),
                                            "transmitter_passphrase_file": fix(c.transmitter_passphrase_file)})
            if isinstance(c, SuiChain):
                return c.model_copy(update={"transmitter_key": fix(c.transmitter_key)})
            return c.model_copy(update={"transmitter_keypair": fix(c.transmitter_keypair)})

        chains = [fix_chain(c) for c in self.chains]
        return self.model_copy(update={"node": node, "enclave": enc, "chains": chains})


def _fields_of(model: Any, loc: tuple[Any, ...], raw: dict[str, Any]) -> list[str]:
    """The valid keys at the place an unknown key was found, for a 'did you mean' hint."""
    current: Any = Config
    data: Any = raw
    for part in loc[:-1]:
        if isinstance(part, int):
            data = data[part] if isinstance(data, list) and part < len(data) else {}
            if current is list or getattr(current, "__origin__", None) is list:
                family = data.get("family") if isinstance(data, dict) else None
                current = CHAIN_MODELS.get(family, EvmChain)
            continue
        fields = getattr(current, "model_fields", {})
        if part in fields:
            ann = fields[part].annotation
            current = list if part == "chains" else ann
            for arg in getattr(ann, "__args__", ()):  # Optional[Section] -> the section
                if hasattr(arg, "model_fields"):
                    current = arg
        data = data.get(part, {}) if isinstance(data, dict) else {}
    return list(getattr(current, "model_fields", {}).keys())


def _line_of(text: str, loc: tuple[Any, ...]) -> int | None:
    """Best-effort line number of the key an error points at."""
    keys = [p for p in loc if isinstance(p, str)]
    if not keys:
        return None
    key = keys[-1]
    table_idx = [p for p in loc if isinstance(p, int)]
    lines = text.splitlines()
    start = 0
    if keys[0] == "chains" and table_idx:
        seen = -1
        for i, line in enumerate(lines):
            if line.strip() == "[[chains]]":
                seen += 1
                if seen == table_idx[0]:
                    start = i
                    break
    elif len(keys) > 1:
        for i, line in enumerate(lines):
            if line.strip() == f"[{keys[0]}]":
                start = i
                break
    for i in range(start, len(lines)):
        if re.match(rf"^\s*{re.escape(key)}\s*=", lines[i]):
            return i + 1
        if i > start and lines[i].strip().startswith("[") and keys[-1] != keys[0]:
            break
    return start + 1 if start else None


def _place(loc: tuple[Any, ...]) -> str:
    out = ""
    for p in loc:
        if isinstance(p, int):
            out += f"[{p}]"
        elif p in CHAIN_MODELS:
            continue
        else:
            out += ("." if out else "") + str(p)
    return out or "(top level)"


def parse_config(text: str, source: str = "<config>") -> Config:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{source}: not valid TOML: {e}") from None
    try:
        return Config.model_validate(raw)
    except ValidationError as e:
        problems = []
        for err in e.errors():
            loc = tuple(p for p in err["loc"] if p not in CHAIN_MODELS)
            line = _line_of(text, loc)
            where = f"{source}:{line}" if line else source
            msg = err["msg"]
            if err["type"] == "extra_forbidden":
                valid = _fields_of(Config, loc, raw)
                guess = difflib.get_close_matches(str(loc[-1]), valid, n=1)
                msg = "unknown key" + (f" (did you mean '{guess[0]}'?)" if guess else "")
            elif err["type"] == "missing":
                msg = "required key missing"
            problems.append(f"{where}: {_place(loc)}: {msg}")
        raise ConfigError(f"{len(problems)} problem(s) in {source}:\n  " + "\n  ".join(problems)) from None


def load_config(path: Path | str) -> Config:
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as e:
        raise ConfigError(f"cannot read config {path}: {e.strerror}") from None
    return parse_config(text, str(path)).resolve(path.parent.resolve())
