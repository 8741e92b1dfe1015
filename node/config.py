"""The node's configuration: a TOML file validated with pydantic, every error reported at once with its place.

Secrets never live in the config itself: it names files (keystore, passphrase files) the node reads when it
needs them, and RPC URLs, which may carry credentials, are `SecretStr` and print masked.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal, Union

from pydantic import AfterValidator, Field, ValidationError, create_model, model_validator

from chains.config import CHAIN_NAME, ChainConfig, HttpUrl, Section
from chains.core.errors import ConfigError
from chains.core.secp256k1 import parse_address, to_checksum_address
from chains.registry import FAMILIES
from chains.urls import repeated


class NodeSection(Section):
    data_dir: Path = Field(Path(".aura"), description="store, enclave socket and sealed key live here")
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    log_format: Literal["json", "text"] = "json"
    drain_timeout_s: float = Field(10.0, gt=0, le=600)
    chain_checks_s: float = Field(60.0, gt=0, le=3600,
                                  description="how often each chain's signer status and transmitter balance are read")


class EnclaveSection(Section):
    passphrase_file: Path = Field(description="file holding the passphrase that seals the enclave key")
    scoring_config: Path | None = None
    data_dir: Path | None = None
    socket: Path | None = None
    start_timeout_s: float = Field(20.0, gt=0, le=300)
    probe_interval_s: float = Field(5.0, gt=0, le=300, description="how often the enclave is asked to attest")
    probe_timeout_s: float = Field(3.0, gt=0, le=60, description="a probe unanswered after this is a miss")
    freeze_limit_s: float = Field(30.0, gt=0, le=3600,
                                  description="an enclave that answers nothing for this long is killed and restarted")
    restart_backoff_s: float = Field(1.0, gt=0, le=60, description="the first wait before restarting a dead enclave")
    restart_backoff_max_s: float = Field(30.0, gt=0, le=3600, description="the wait doubles up to this")
    stable_after_s: float = Field(60.0, gt=0, le=86400,
                                  description="an enclave up this long starts the wait from the first again")


class ApiSection(Section):
    """`[api]`: where the node's HTTP endpoint listens (docs/api.md), which browser origins may call it, and the
    rates it holds clients to."""

    host: str = "127.0.0.1"
    port: int = Field(9464, ge=0, le=65535)
    enabled: bool = True
    cors_origins: list[str] = Field(default_factory=list, description="origins browsers may call the API from")
    rate_per_address: int = Field(100, ge=0, description="requests a minute per client address on /v1 and "
                                                          "POST /questionnaires; 0: no limit")
    rate_per_key: int = Field(1000, ge=0, description="requests a minute per API key (a key's own rate overrides "
                                                       "it); 0: no limit")


def _signer(value: str) -> str:
    """A peer enclave's signer, checksummed: how `signer_address` (chains/codec.py) writes what it recovers."""
    return to_checksum_address(parse_address(value))


class PeerSection(Section):
    """One `[[peers]]` table: another operator's node (docs/quorum.md). Its answers count only when signed by
    `signer`, the address of its enclave's key; `name` (default: that address) names it in logs and metrics."""

    url: HttpUrl = Field(description="the peer node's API, http(s)://host:port; it serves /peer/v1/...")
    signer: Annotated[str, AfterValidator(_signer)] = Field(description="0x address of the peer enclave's key")
    name: str | None = Field(None, pattern=CHAIN_NAME)

    @property
    def label(self) -> str:
        return self.name or self.signer


class RescoreSection(Section):
    """`[rescore]`: re-scoring the watch-list (`aura watch`, node/rescoring.py): each watched wallet is signed an
    off-chain assessment every `every` of its own (24 h unless given), up to `jitter_s` late so that watches added
    together do not fall due together; one is marked moved when its score moved by `step` points or more, or its
    tier changed. A watched wallet is also re-scored when it borrows, repays or is liquidated on a lending protocol
    its chain's indexer reads, looked for every `events_every_s` (15 s; 0: never; node/credit_trigger.py). A moved
    re-score is pushed to the chain's contract as an operator update when `push` (docs/protocol.md, "Operator
    updates") on a chain whose contract takes updates (EVM, Solana, Sui); a quorum's node tells its peers, who cosign it
    (docs/quorum.md, "Operator updates")."""

    enabled: bool = True
    push: bool = True
    step: int = Field(25, ge=1, le=1000)
    jitter_s: int = Field(3600, ge=0, le=86400)
    events_every_s: float = Field(15.0, ge=0, le=3600, description="seconds between looks for lending events of "
                                                                   "watched wallets (0: never)")


class QuorumSection(Section):
    """`[quorum]`: how many operators' matching signatures an assessment needs (this node's own included), and
    how long each operator in a request's order leads before the next takes over (node/quorum/leader.py)."""

    threshold: int = Field(1, ge=1, description="matching signatures needed, at most the peers + 1")
    takeover_after_s: float = Field(30.0, gt=0, le=3600, description="a leader's time before the next takes over")
    questionnaire_agree_s: float = Field(
        60.0, gt=0, le=3600, description="chain seconds after the pinned block for the operators to agree on a "
                                         "questionnaire's reading; then each scores the request without it")


def _chain_section() -> Any:
    """The `[[chains]]` table's type: the registered families' models, chosen by `family`."""
    models = tuple(family.config for family in FAMILIES.values())
    return Annotated[Union[models], Field(discriminator="family")]  # noqa: UP007 - a tuple of types


class Config(Section):
    node: NodeSection = NodeSection()
    enclave: EnclaveSection
    api: ApiSection = ApiSection()
    chains: list[ChainConfig] = Field(default_factory=list)
    peers: list[PeerSection] = Field(default_factory=list)
    quorum: QuorumSection = QuorumSection()
    rescore: RescoreSection = RescoreSection()

    @model_validator(mode="after")
    def _unique_names(self) -> Config:
        names = [c.name for c in self.chains]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"chain names must be unique, repeated: {', '.join(dupes)}")
        return self

    @model_validator(mode="after")
    def _peers_and_quorum(self) -> Config:
        """Each peer listed once (URL, signer, name); a threshold the operators configured can reach."""
        problems = repeated([(f"peers[{i}].url", p.url.get_secret_value()) for i, p in enumerate(self.peers)])
        for key in ("signer", "name"):
            first: dict[str, int] = {}
            for i, peer in enumerate(self.peers):
                value = getattr(peer, key)
                if value is not None and value.lower() in first:
                    problems.append(f"peers[{i}].{key} repeats peers[{first[value.lower()]}].{key} ({value})")
                elif value is not None:
                    first[value.lower()] = i
        said = ["; ".join(problems) + ": list each peer once"] if problems else []
        operators = len(self.peers) + 1
        if self.quorum.threshold > operators:
            said.append(f"quorum.threshold: {self.quorum.threshold} is more than the {operators} operator(s) "
                        f"configured (this node and {len(self.peers)} peer(s))")
        if said:
            raise ValueError("; ".join(said))
        return self

    def resolve(self, base: Path) -> Config:
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

        def fix_path(p: Path) -> Path:
            return p if p.is_absolute() else base / p

        chains = [c.resolve_paths(fix_path) for c in self.chains]
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
                known = FAMILIES.get(family) if isinstance(family, str) else None
                current = known.config if known is not None else ChainConfig
            continue
        fields = getattr(current, "model_fields", {})
        if part in fields:
            ann = fields[part].annotation
            current = list if part == "chains" else ann
            for arg in () if part == "chains" else getattr(ann, "__args__", ()):  # Optional[Section] -> the section
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
    if keys[0] in ("chains", "peers") and table_idx:
        seen = -1
        for i, line in enumerate(lines):
            if line.strip() == f"[[{keys[0]}]]":
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
        elif p in FAMILIES:
            continue
        else:
            out += ("." if out else "") + str(p)
    return out or "(top level)"


def _config_model() -> type[Config]:
    """Config with `chains` typed by the families registered now (chains/registry.py)."""
    chains: Any = list[_chain_section()]  # type: ignore[misc]  # a type built at run time
    model: type[Config] = create_model("Config", __base__=Config, chains=(chains, Field(default_factory=list)))
    return model


def parse_config(text: str, source: str = "<config>") -> Config:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{source}: not valid TOML: {e}") from None
    try:
        return _config_model().model_validate(raw)
    except ValidationError as e:
        problems = []
        for err in e.errors():
            loc = tuple(p for p in err["loc"] if p not in FAMILIES)
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
