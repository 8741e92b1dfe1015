"""Builds a Solana SBF program (SBPFv0 shared object) from a dependency-free ``no_std`` Rust crate.

No cargo, no platform-tools, no network: Debian's ``rustc-web`` (rustc with LLVM and the
``bpfel-unknown-none`` target), ``rust-web-src`` (the source of ``core``) and the LLVM tools of the same
version (``rust-web-llvm``, pulled in with it), then the project's own linker. The route:

1. ``core`` is compiled once, as LLVM bitcode only, for a target spec derived from rustc's built-in
   ``bpfel-unknown-none`` (no atomics, eBPF v1 instructions, ``target_os = "solana"``); then the
   ``compiler_builtins`` stub (``compiler_builtins/``), to machine code. Both are cached under
   ``build/solana/`` by rustc version and source hashes.
2. The program crate (``src/lib.rs``, name and edition from ``Cargo.toml``) is compiled as a
   ``staticlib`` of bitcode; its members are linked with ``llvm-link``, internalised except for
   ``entrypoint`` and optimised with the LTO pipeline (``opt``).
3. ``lower.py`` rewrites what the BPF backend cannot compile (memory intrinsics of runtime length,
   64-bit overflow-checked multiplication, signed division, ``sret`` returns, functions of more than five
   parameters); ``llc`` writes the object.
4. ``link.py`` links that object and the stub into the ``.so``.

Python: ``build_program(crate_dir, out=None) -> Path``. Command line:
``python programs/sbf/build.py programs/aura_oracle`` prints the path of the ``.so``.
Environment: ``AURA_SBF_RUSTC`` (default ``/usr/bin/rustc``), ``AURA_SBF_LLVM_BIN`` (the directory of
``llvm-link``/``opt``/``llc``; default: the tools of rustc's LLVM version), ``AURA_SBF_RUST_SRC`` (the
``library`` directory holding ``core``), ``AURA_SBF_CACHE`` (default ``build/solana``), ``AURA_SBF_QUIET=1``
(no progress lines on stderr).
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import glob
import hashlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
CACHE = Path(os.environ.get("AURA_SBF_CACHE", REPO / "build" / "solana")).resolve()
STUB = HERE / "compiler_builtins"
# Bump when the flags or the pipeline change in a way the hashed inputs do not show.
PIPELINE_VERSION = "1"


def _load_sibling(name: str):
    """Imports link.py / lower.py whether this file runs as a script or as ``programs.sbf.build``."""
    qualified = f"{__package__}.{name}" if __package__ else f"_aura_sbf_{name}"
    if qualified in sys.modules:
        return sys.modules[qualified]
    spec = importlib.util.spec_from_file_location(qualified, HERE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[qualified] = module
    spec.loader.exec_module(module)
    return module


sbf_link = _load_sibling("link")
sbf_lower = _load_sibling("lower")

# What the target spec changes in rustc's built-in `bpfel-unknown-none`.
TARGET_OVERRIDES = {
    "obj-is-bitcode": False,  # the stub must be machine code; everything else is bitcode by -Clinker-plugin-lto
    "cpu": "v1",  # SBPFv0 is eBPF without the v2+ jumps and 32-bit sub-registers
    "max-atomic-width": 0,  # no atomic instructions in SBPFv0
    "os": "solana",  # so that `#[cfg(target_os = "solana")]` holds, as with the Solana toolchain
}
LLC_FLAGS = ["-mtriple=bpfel", "-mcpu=v1", "-O3", "-filetype=obj",
             # SBPFv0 gives every call frame 4 KiB: LLVM's default (512 bytes) is the kernel's limit.
             "-bpf-stack-size=4096"]


class BuildError(RuntimeError):
    """The program cannot be built; the message says what failed and why."""


@dataclass(frozen=True)
class Toolchain:
    rustc: str
    version: str  # `rustc -vV`
    release: str
    llvm_bin: Path
    library: Path

    def tool(self, name: str) -> str:
        return str(self.llvm_bin / name)


def _run(command: list[str], what: str, *, env: dict[str, str] | None = None,
         cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    try:
        result = subprocess.run(command, capture_output=True, text=True, env=env, cwd=cwd)
    except FileNotFoundError as error:
        raise BuildError(f"{what}: {error.filename} not found; run `make sbf`") from None
    if result.returncode != 0:
        raise BuildError(f"{what} failed:\n{_explain(result.stderr or result.stdout)}")
    return result


def _readable(symbol: str) -> str:
    """A best-effort reading of a Rust (v0) symbol name: its identifiers, joined with `::`."""
    body = re.sub(r"C[se][0-9A-Za-z]*_", "", symbol[2:])
    names, at = [], 0
    while at < len(body):
        digits = re.match(r"\d+", body[at:])
        if digits and at + len(digits.group()) < len(body) and body[at + len(digits.group())].isalpha():
            start = at + len(digits.group())
            names.append(body[start:start + int(digits.group())])
            at = start + int(digits.group())
        else:
            at += 1
    return "::".join(names)


def _explain(stderr: str) -> str:
    """Names the Rust functions in an LLVM error and adds what the error means for an SBF program."""
    text = stderr.rstrip()
    symbols = sorted(set(re.findall(r"\b_R[0-9A-Za-z_]+", text)))
    for symbol in symbols:
        if readable := _readable(symbol):
            text = text.replace(symbol, f"{symbol} ({readable})")
    hints = []
    if re.search(r"built-in function '__\w*(sf|df)\w*'", stderr):
        hints.append("SBF has no floating point: use integers (fixed point).")
    if re.search(r"built-in function '__(multi3|u?divti3|u?modti3|ashlti3|ashrti3|lshrti3)'", stderr):
        hints.append("SBF has no 128-bit multiply/divide/shift: keep arithmetic in 64 bits.")
    elif "only small returns supported" in stderr or "aggregate returns" in stderr:
        hints.append("SBF returns at most one 64-bit value in a register: return large values through "
                     "a reference.")
    if "stack arguments are not supported" in stderr or "too many arguments" in stderr:
        hints.append("SBF passes at most 5 arguments in registers: pass a struct by reference instead.")
    if "stack limit is exceeded" in stderr:
        hints.append("An SBF call frame holds 4096 bytes: move large buffers into account data or split "
                     "the function.")
    return text + "".join(f"\nhint: {hint}" for hint in hints)


def find_toolchain() -> Toolchain:
    rustc = os.environ.get("AURA_SBF_RUSTC", "/usr/bin/rustc")
    if not Path(rustc).exists():
        raise BuildError(f"{rustc} not found: install the Debian packages rustc-web and rust-web-src "
                         f"(`make sbf`)")
    version = _run([rustc, "-vV"], "rustc -vV").stdout
    fields = dict(line.split(": ", 1) for line in version.splitlines() if ": " in line)
    release = fields.get("release", "")
    llvm_major = fields.get("LLVM version", "").split(".")[0]
    if not release or not llvm_major:
        raise BuildError(f"cannot read the release and LLVM version of {rustc}:\n{version}")
    if "bpfel-unknown-none" not in _run([rustc, "--print", "target-list"], "rustc --print target-list").stdout:
        raise BuildError(f"{rustc} has no bpfel-unknown-none target")

    llvm_bin = os.environ.get("AURA_SBF_LLVM_BIN")
    if llvm_bin is None:
        llvm_bin = f"/usr/lib/llvm-{llvm_major}/bin"
    llvm_bin_path = Path(llvm_bin)
    for tool in ("llvm-link", "opt", "llc"):
        if not (llvm_bin_path / tool).exists():
            raise BuildError(f"{llvm_bin_path / tool} not found: rustc uses LLVM {llvm_major}; install "
                             f"llvm-{llvm_major} (it comes with rust-web-llvm, a recommendation of rustc-web)")

    library = os.environ.get("AURA_SBF_RUST_SRC")
    if library is None:
        found = sorted(glob.glob("/usr/src/rustc-*/library/core/src/lib.rs"))
        matching = [path for path in found if f"/rustc-{release}/" in path]
        if not matching:
            raise BuildError(f"the source of core for rustc {release} is not installed (found: "
                             f"{', '.join(found) or 'none'}); install rust-web-src")
        library = str(Path(matching[0]).parents[2])
    if not (Path(library) / "core" / "src" / "lib.rs").exists():
        raise BuildError(f"{library} holds no core/src/lib.rs")
    return Toolchain(rustc, version, release, llvm_bin_path, Path(library))


def _rustc_env() -> dict[str, str]:
    env = dict(os.environ)
    env["RUSTC_BOOTSTRAP"] = "1"  # -Z flags and a custom target spec on a stable rustc
    for name in ("RUSTFLAGS", "CARGO_ENCODED_RUSTFLAGS", "RUSTC_WRAPPER"):
        env.pop(name, None)
    return env


def _hash_tree(root: Path, pattern: str = "*") -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob(pattern) if p.is_file()):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _stat_tree(root: Path) -> str:
    """A cheap fingerprint of a large read-only tree (the installed core source)."""
    digest = hashlib.sha256()
    for directory, _dirs, files in sorted(os.walk(root)):
        for name in sorted(files):
            stat = os.stat(os.path.join(directory, name))
            digest.update(f"{directory}/{name}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def _target_spec(tc: Toolchain) -> str:
    builtin = _run([tc.rustc, "-Z", "unstable-options", "--print", "target-spec-json", "--target",
                    "bpfel-unknown-none"], "rustc --print target-spec-json", env=_rustc_env()).stdout
    spec = json.loads(builtin)
    spec.update(TARGET_OVERRIDES)
    return json.dumps(spec, indent=2, sort_keys=True) + "\n"


@contextlib.contextmanager
def _locked(name: str):
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / f".{name}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _log(message: str) -> None:
    if os.environ.get("AURA_SBF_QUIET") != "1":
        print(f"[sbf] {message}", file=sys.stderr, flush=True)


def _sysroot_commands(tc: Toolchain, directory: Path) -> list[tuple[str, list[str]]]:
    """The rustc invocations that fill a sysroot directory (target spec already written there)."""
    common = [tc.rustc, "-Z", "unstable-options", "--target", str(directory / "sbpf-solana.json"),
              "-C", "opt-level=3", "-C", "panic=abort", "-C", "debuginfo=0", "-C", "codegen-units=1",
              "-C", "debug-assertions=off", "-C", "overflow-checks=off"]
    commit = dict(line.split(": ", 1) for line in tc.version.splitlines() if ": " in line).get(
        "commit-hash", tc.release)
    core_edition = tomllib.loads((tc.library / "core" / "Cargo.toml").read_text())["package"]["edition"]
    stub_edition = tomllib.loads((STUB / "Cargo.toml").read_text())["package"]["edition"]
    return [
        ("compiling core", common + [
            "--crate-name", "core", "--crate-type", "rlib", "--edition", core_edition,
            # bitcode only: every program is optimised together with the part of core it uses
            "-C", "linker-plugin-lto", "-Z", "force-unstable-if-unmarked", "--cap-lints", "allow",
            # panic locations inside core read as with any Rust toolchain, not as this machine's paths
            f"--remap-path-prefix={tc.library}=/rustc/{commit}/library",
            "-o", str(directory / "libcore.rlib"), str(tc.library / "core" / "src" / "lib.rs")]),
        ("compiling the compiler_builtins stub", common + [
            "--crate-name", "compiler_builtins", "--crate-type", "rlib", "--edition", stub_edition,
            "-C", "embed-bitcode=no", "-L", str(directory),
            "-o", str(directory / "libcompiler_builtins.rlib"), str(STUB / "src" / "lib.rs")]),
    ]


def ensure_sysroot(tc: Toolchain | None = None) -> Path:
    """Builds (once) ``core`` as bitcode and the ``compiler_builtins`` stub; returns their directory."""
    tc = tc or find_toolchain()
    spec = _target_spec(tc)
    commands = json.dumps([command for _what, command in _sysroot_commands(tc, Path("@"))])
    key = hashlib.sha256("\0".join([
        PIPELINE_VERSION, tc.version, spec, commands, _stat_tree(tc.library / "core"),
        _hash_tree(STUB)]).encode()).hexdigest()[:16]
    sysroot = CACHE / f"sysroot-{key}"
    if (sysroot / "ok").exists():
        return sysroot
    with _locked("sysroot"):
        if (sysroot / "ok").exists():
            return sysroot
        started = time.monotonic()
        _log(f"building core for SBF with rustc {tc.release} (once; under a minute)")
        tmp = Path(tempfile.mkdtemp(prefix="sysroot-", dir=CACHE))
        try:
            (tmp / "sbpf-solana.json").write_text(spec)
            for what, command in _sysroot_commands(tc, tmp):
                _run(command, what, env=_rustc_env())
            (tmp / "ok").write_text(f"{time.monotonic() - started:.1f}\n")
            tmp.chmod(0o755)
            if sysroot.exists():
                shutil.rmtree(sysroot)
            tmp.rename(sysroot)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
    _log(f"core built in {time.monotonic() - started:.1f} s")
    return sysroot


@dataclass(frozen=True)
class Crate:
    name: str
    edition: str
    root: Path
    source: Path
    profile: dict


def read_crate(crate_dir: Path) -> Crate:
    crate_dir = Path(crate_dir).resolve()
    manifest_path = crate_dir / "Cargo.toml"
    if not manifest_path.exists():
        raise BuildError(f"{manifest_path} not found")
    try:
        manifest = tomllib.loads(manifest_path.read_text())
    except tomllib.TOMLDecodeError as error:
        raise BuildError(f"{manifest_path}: {error}") from None
    package = manifest.get("package", {})
    if "name" not in package:
        raise BuildError(f"{manifest_path}: no [package] name")
    dependencies = sorted(manifest.get("dependencies", {}))
    if dependencies:
        raise BuildError(f"{manifest_path}: the SBF build takes dependency-free crates only "
                         f"(found {', '.join(dependencies)})")
    name = manifest.get("lib", {}).get("name", package["name"]).replace("-", "_")
    source = crate_dir / "src" / "lib.rs"
    if not source.exists():
        raise BuildError(f"{source} not found")
    edition = package.get("edition", "2015")
    if isinstance(edition, dict):  # edition.workspace = true
        raise BuildError(f"{manifest_path}: set the edition in the crate itself")
    profile = manifest.get("profile", {}).get("release", {})
    return Crate(name, str(edition), crate_dir, source, profile)


def _profile_flags(profile: dict) -> list[str]:
    opt_level = str(profile.get("opt-level", 3)).strip('"')
    if opt_level not in ("0", "1", "2", "3", "s", "z"):
        raise BuildError(f"unsupported opt-level {opt_level!r}")
    overflow = "on" if profile.get("overflow-checks", False) else "off"
    return ["-C", f"opt-level={opt_level}", "-C", f"overflow-checks={overflow}", "-C", "debug-assertions=off"]


def _read_ar(path: Path) -> list[tuple[str, bytes]]:
    """The members of a System V / GNU ``ar`` archive (what rustc writes for a staticlib)."""
    blob = path.read_bytes()
    if not blob.startswith(b"!<arch>\n"):
        raise BuildError(f"{path} is not an ar archive")
    members: list[tuple[str, bytes]] = []
    long_names = b""
    offset = 8
    while offset + 60 <= len(blob):
        header = blob[offset:offset + 60]
        name = header[:16].decode().rstrip()
        size = int(header[48:58].decode().strip())
        data = blob[offset + 60:offset + 60 + size]
        offset += 60 + size + (size & 1)
        if name == "//":
            long_names = data
            continue
        if name in ("/", "/SYM64/", "__.SYMDEF", "__.SYMDEF SORTED"):
            continue
        if name.startswith("#1/"):  # BSD: the name precedes the data
            length = int(name[3:])
            name, data = data[:length].rstrip(b"\0").decode(), data[length:]
        elif name.startswith("/") and name[1:].isdigit():
            start = int(name[1:])
            name = long_names[start:long_names.index(b"\n", start)].decode().rstrip("/")
        else:
            name = name.rstrip("/")
        members.append((name, data))
    return members


def _is_bitcode(data: bytes) -> bool:
    return data[:4] in (b"BC\xc0\xde", b"\xde\xc0\x17\x0b")


def _prune_stamps(directory: Path) -> None:
    """Forgets outputs that no longer exist (say, built into a temporary directory)."""
    if not directory.exists():
        return
    for stamp in directory.iterdir():
        lines = stamp.read_text().split("\n")
        if len(lines) < 2 or not Path(lines[1]).exists():
            stamp.unlink(missing_ok=True)


def build_program(crate_dir: Path, out: Path | None = None) -> Path:
    """Builds the crate at ``crate_dir`` into an SBPFv0 ``.so`` and returns its path.

    The default output is ``build/solana/<crate_name>.so``. Nothing is rebuilt when the toolchain, the
    crate's sources and this build's own code are unchanged. Raises :class:`BuildError` (compiler or
    linker message included) when the program cannot be built.
    """
    crate = read_crate(Path(crate_dir))
    out = Path(out).resolve() if out is not None else CACHE / f"{crate.name}.so"
    tc = find_toolchain()
    sysroot = ensure_sysroot(tc)
    key = hashlib.sha256("\0".join([
        PIPELINE_VERSION, sysroot.name, crate.name, crate.edition, json.dumps(crate.profile, sort_keys=True),
        _hash_tree(crate.root / "src"), (crate.root / "Cargo.toml").read_text(),
        *(Path(module.__file__).read_text() for module in (sbf_link, sbf_lower)),
        Path(__file__).read_text(), " ".join(LLC_FLAGS)]).encode()).hexdigest()
    # One directory per crate name: the intermediate files of its last build (kept for reading after a
    # failure) and one stamp per output path, holding the key the output was built with.
    crate_dir_cache = CACHE / "work" / crate.name
    stamp = crate_dir_cache / "stamps" / hashlib.sha256(str(out).encode()).hexdigest()[:16]
    stamped = f"{key}\n{out}\n"
    if out.exists() and stamp.exists() and stamp.read_text() == stamped:
        return out

    with _locked(f"program-{crate.name}"):
        if out.exists() and stamp.exists() and stamp.read_text() == stamped:
            return out
        started = time.monotonic()
        _prune_stamps(stamp.parent)
        work = crate_dir_cache / "last"
        if work.exists():
            shutil.rmtree(work)
        work.mkdir(parents=True)
        target = sysroot / "sbpf-solana.json"
        staticlib = work / f"lib{crate.name}.a"
        compiled = _run([tc.rustc, "-Z", "unstable-options", "--target", str(target),
                         "--crate-name", crate.name, "--crate-type", "staticlib", "--edition", crate.edition,
                         "-C", "panic=abort", "-C", "debuginfo=0", "-C", "codegen-units=1",
                         "-C", "linker-plugin-lto", *_profile_flags(crate.profile), "-L", str(sysroot),
                         # panic locations name `src/lib.rs`, as under cargo, not this machine's paths
                         f"--remap-path-prefix={crate.root}=", "-o", str(staticlib),
                         str(crate.source.relative_to(crate.root))],
                        f"compiling {crate.name}", env=_rustc_env(), cwd=crate.root)
        if compiled.stderr.strip():
            print(compiled.stderr.rstrip(), file=sys.stderr)

        bitcode: list[Path] = []
        objects: list[Path] = []
        for index, (name, data) in enumerate(_read_ar(staticlib)):
            path = work / "members" / f"{index:03d}-{Path(name).name}"
            path.parent.mkdir(exist_ok=True)
            path.write_bytes(data)
            if _is_bitcode(data):
                bitcode.append(path)
            elif data[:4] == b"\x7fELF":
                objects.append(path)
        if not bitcode:
            raise BuildError(f"{staticlib} holds no bitcode")

        merged = work / f"{crate.name}.bc"
        _run([tc.tool("llvm-link"), *map(str, bitcode), "-o", str(merged)], "llvm-link")
        optimised = work / f"{crate.name}.opt.ll"
        _run([tc.tool("opt"), "-passes=internalize,lto<O3>",
              f"-internalize-public-api-list={sbf_link.ENTRYPOINT}", "-S", str(merged), "-o", str(optimised)],
             "opt (link-time optimisation)")
        lowered = sbf_lower.lower(optimised.read_text())
        lowered_path = work / f"{crate.name}.sbf.ll"
        lowered_path.write_text(lowered.text)
        if lowered.needs_inlining:
            inlined = work / f"{crate.name}.inlined.ll"
            _run([tc.tool("opt"), "-passes=always-inline", "-S", str(lowered_path), "-o", str(inlined)],
                 "opt (inlining the SBF helpers)")
            lowered_path = inlined
        program_object = work / f"{crate.name}.o"
        _run([tc.tool("llc"), *LLC_FLAGS, str(lowered_path), "-o", str(program_object)],
             f"llc (code generation for {crate.name})")

        try:
            linked = sbf_link.link([(p.name, p.read_bytes()) for p in [program_object, *objects]])
        except sbf_link.LinkError as error:
            raise BuildError(f"linking {crate.name}: {error}") from None
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
        tmp.write_bytes(linked.image)
        tmp.replace(out)
        stamp.parent.mkdir(exist_ok=True)
        stamp.write_text(stamped)
        (work / "summary.json").write_text(json.dumps({
            "crate": crate.name, "output": str(out), "seconds": round(time.monotonic() - started, 3),
            "text_bytes": linked.text_size, "rodata_bytes": linked.rodata_size, "syscalls": linked.syscalls,
            "rewritten": lowered.rewritten}, indent=2) + "\n")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build a Solana SBF program (SBPFv0) from a no_std Rust crate.")
    parser.add_argument("crate_dir", type=Path, help="the crate directory (Cargo.toml, src/lib.rs)")
    parser.add_argument("-o", "--out", type=Path, help="output .so (default build/solana/<crate>.so)")
    args = parser.parse_args(argv)
    try:
        path = build_program(args.crate_dir, args.out)
    except BuildError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
