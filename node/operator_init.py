"""`aura init`: a node's folder for one chain of any registered family: its config, the transmitter key, and the
enclave key sealed for the chain's oracle; and what the oracle's owner does next to register that key. Run again in
a folder it set up (a config and a sealed key there), it adds the chain: its section appended to the config, and
the same enclave key sealed again for that chain's target too, so one signer serves every chain of the node and
its registrations elsewhere stand.

Everything given is checked (by the family's config model, the whole file as the node reads it, and the enclave
target) before any file is written, so a refused `aura init` leaves the folder as it was. Keys are never
overwritten: a transmitter key already in the folder is kept, and `--force` (a new config) is refused where an
enclave key is sealed (its key is sealed for the chains it was made for).
"""

from __future__ import annotations

import secrets
import tomllib
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import tomli_w
from pydantic import SecretStr, ValidationError

from chains.config import ChainConfig
from chains.core.errors import AuraError, InvalidParams, NotSupported
from chains.core.secret_file import write_secret
from chains.family import ChainInit
from chains.registry import FAMILIES

CONFIG_FILE = "aura.toml"
ENCLAVE_PASSPHRASE = "secrets/enclave.pass"
ENCLAVE_DIR = "data/enclave"
HEADER = f"""# Aura node configuration. Paths are relative to this file.
[node]
data_dir = "data"

[enclave]
passphrase_file = "{ENCLAVE_PASSPHRASE}"

[api]
host = "127.0.0.1"
port = 9464

"""


@dataclass(frozen=True)
class InitOptions:
    """What `aura init` was given. `settings`: more keys of the chain's section, each `KEY=VALUE` (an array, a
    table or a quoted string in TOML; anything else as text, read as the key's type)."""

    family: str = "evm"
    name: str = "mainnet"
    chain_id: int | None = None
    endpoint: str | None = None
    oracle: str | None = None
    settings: Sequence[str] = ()
    force: bool = False
    commitment_secret_file: Path | None = None


def _value(text: str) -> Any:
    """An array, a table or a quoted string as TOML reads it; anything else as its text, which the family's model
    reads as the key's type (a number, a boolean; `0x…` stays an address, not a hex integer)."""
    if not text.strip().startswith(("[", "{", '"', "'")):
        return text
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError as e:
        raise AuraError(f"not a TOML value: {text!r} ({e})") from None


def _plain(value: Any) -> Any:
    """A config value as TOML writes it: secrets and paths as their text."""
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, Path):
        return value.as_posix()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def chain_section(options: InitOptions) -> tuple[dict[str, Any], ChainConfig, ChainInit]:
    """The chain's `[[chains]]` table (the keys given, and the transmitter's files), its checked config and its
    family's ChainInit. AuraError naming each option that does not hold."""
    family = FAMILIES.get(options.family)
    if family is None:
        raise AuraError(f"--family: unsupported family {options.family!r} (supported: {', '.join(FAMILIES)})")
    if family.init is None:
        raise NotSupported(family.name, "`aura init`")
    init = family.init()
    flags = {"name": "--name", "chain_id": "--chain-id", family.config.READ_URL: "--rpc-url", "oracle": "--oracle"}
    given: dict[str, Any] = {"family": family.name, "name": options.name}
    for key, value in (("chain_id", options.chain_id), (family.config.READ_URL, options.endpoint),
                       ("oracle", options.oracle)):
        if value is not None:
            given[key] = value
    for item in options.settings:
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise AuraError(f"--set {item!r}: expected KEY=VALUE")
        if key in flags or key == "family":
            raise AuraError(f"--set {key}: give it with {flags.get(key, '--family')}")
        if key in init.files:
            raise AuraError(f"--set {key}: `aura init` makes the transmitter key and names it ({init.files[key]})")
        if key in given:
            raise AuraError(f"--set {key}: given twice")
        try:
            given[key] = _value(text)
        except AuraError as e:
            raise AuraError(f"--set {key}: {e}") from None
    given.update(init.files)
    try:
        cfg = family.config.model_validate(given)
    except ValidationError as e:
        problems = []
        for err in e.errors():
            key = str(err["loc"][0]) if err["loc"] else ""
            where = flags.get(key, f"--set {key}=...")
            if err["type"] == "missing":
                problems.append(f"{where}: required by the {family.name} family")
            elif err["type"] == "extra_forbidden":
                problems.append(f"{where}: not a key of the {family.name} family")
            else:
                inner = ".".join(str(p) for p in err["loc"][1:])
                problems.append(f"{where}{' ' + inner if inner else ''}: {err['msg']}")
        raise AuraError("; ".join(problems)) from None
    return {key: _plain(getattr(cfg, key)) for key in given}, cfg, init


def init_node(root: Path, options: InitOptions) -> dict[str, Any]:
    """Write `root/aura.toml` for one chain, make the transmitter key and seal the enclave key for the chain's
    oracle; what was made and the oracle owner's next step. AuraError before anything is written when an option,
    the folder or the target does not hold."""
    from node.config import parse_config  # noqa: PLC0415
    from node.enclave.provision import init_enclave  # noqa: PLC0415
    from node.enclave.sealing import sealed_path  # noqa: PLC0415
    from node.enclave.targets import Targets  # noqa: PLC0415

    cfg_path = root / CONFIG_FILE
    if cfg_path.exists() and not options.force:
        if sealed_path(root / ENCLAVE_DIR).exists():
            return add_chain(root, options)
        raise AuraError(f"{cfg_path} exists; pass --force to write a new one (keys are never overwritten)")
    section, cfg, init = chain_section(options)
    text = HEADER + tomli_w.dumps({"chains": [section]})
    parse_config(text, "aura init")
    target = init.target(cfg)
    Targets.parse([target], "the chain's enclave target")
    sealed = sealed_path(root / ENCLAVE_DIR)
    if sealed.exists():
        raise AuraError(f"{sealed} holds an enclave key already, sealed for the chains it was made for; `aura init` "
                        "seals a new one only where there is none (move that folder away first)")
    enclave_pass = root / ENCLAVE_PASSPHRASE
    if not enclave_pass.exists():
        write_secret(enclave_pass, secrets.token_urlsafe(24))
    transmitter = init.transmitter(root)
    shared = None if options.commitment_secret_file is None else options.commitment_secret_file.resolve()
    document = init_enclave(root / ENCLAVE_DIR, enclave_pass, [target], commitment_secret_file=shared)["document"]
    cfg_path.write_text(text)
    return _made(cfg_path, cfg, init, transmitter, document, target)


def add_chain(root: Path, options: InitOptions) -> dict[str, Any]:
    """Add the chain to the node in `root` (its config and sealed enclave key made by `init_node`): the section
    appended to the config as the operator keeps it, the transmitter key made (or kept), and the enclave key sealed
    again by the enclave for its targets and this chain's. AuraError before anything is written when an option, the
    name (one the config has already), the config with the section, or the target (one the key is sealed for
    already) does not hold."""
    from node.config import parse_config  # noqa: PLC0415
    from node.enclave.provision import add_enclave_targets  # noqa: PLC0415
    from node.enclave.sealing import read_sealed, sealed_path  # noqa: PLC0415
    from node.enclave.targets import Targets  # noqa: PLC0415

    cfg_path = root / CONFIG_FILE
    current = cfg_path.read_text()
    node_cfg = parse_config(current, str(cfg_path)).resolve(root)
    section, cfg, init = chain_section(options)
    if cfg.name in {c.name for c in node_cfg.chains}:
        raise AuraError(f"--name: {cfg_path} has a chain named {cfg.name!r} already")
    text = current.rstrip("\n") + "\n\n" + tomli_w.dumps({"chains": [section]})
    parse_config(text, "aura init")
    target = init.target(cfg)
    enclave = node_cfg.enclave
    assert enclave.data_dir is not None  # resolve() sets it
    sealed = read_sealed(sealed_path(enclave.data_dir))
    try:
        Targets.parse(sealed["targets"], "sealed targets").extended(Targets.parse([target], "the chain's target"))
    except InvalidParams as e:
        raise AuraError(f"{sealed_path(enclave.data_dir)}: {e} (chain {cfg.name!r})") from None
    transmitter = init.transmitter(root)
    document = add_enclave_targets(enclave.data_dir, enclave.passphrase_file, [target],
                                   scoring_config=enclave.scoring_config)["document"]
    cfg_path.write_text(text)
    return _made(cfg_path, cfg, init, transmitter, document, target, added=True,
                 chains=[c.name for c in node_cfg.chains] + [cfg.name])


def _made(cfg_path: Path, cfg: ChainConfig, init: ChainInit, transmitter: str, document: dict[str, Any],
          target: dict[str, Any], **more: Any) -> dict[str, Any]:
    """What `aura init` prints: what it made (and `more` of it), and the oracle owner's next step."""
    register = init.registration(document)
    return {"config": str(cfg_path), "family": cfg.family, "chain": cfg.name, **more, "transmitter": transmitter,
            "enclave_signer": document["signer"], "measurement": document["measurement"], "target": target,
            "register": asdict(register), "next": f"fund {register.fund}; then {register.call}"}


__all__ = ["InitOptions", "add_chain", "chain_section", "init_node"]
