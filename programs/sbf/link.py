"""A small linker for Solana SBPFv0 programs.

Reads relocatable eBPF ELF objects (what LLVM's BPF backend writes) and writes one SBPFv0 shared object
that the Solana program loader accepts:

* ``.text`` (all code reachable from ``entrypoint``) and ``.rodata`` (all read-only data it reaches,
  ``.data.rel.ro`` included), each at a virtual address equal to its file offset;
* calls between functions resolved here into PC-relative ``call`` immediates (no relocation left);
* calls to syscalls (``sol_log_``, ``abort``, ...) left as ``call -1`` with an ``R_BPF_64_32`` dynamic
  relocation naming the syscall, which the loader replaces by the murmur3 hash of the name;
* ``lddw`` of an address (a ``.rodata`` constant or a function) written with the target's virtual
  address and an ``R_BPF_64_64`` dynamic relocation, which the loader moves into the program region;
* pointers stored inside read-only data written as absolute program-region addresses, since SBPFv0 maps
  the read-only region at a fixed address;
* ``callx`` given its register in the immediate field, where SBPFv0 reads it (LLVM puts it in ``dst``);
* ``.dynsym``/``.dynstr``/``.rel.dyn``/``.dynamic`` and program headers as the loader expects.

SBPFv0 has no writable data: a reachable ``.data``/``.bss`` section is refused with its name, and so is
any symbol that is neither defined by the inputs nor a known syscall.

Usage: ``python link.py -o program.so a.o b.o`` or :func:`link` from Python.
"""

from __future__ import annotations

import argparse
import struct
import sys
from dataclasses import dataclass, field
from pathlib import Path

# ELF constants (System V gABI, the eBPF psABI and the Solana loader).
EM_BPF = 247
ET_REL = 1
ET_DYN = 3
SHT_NULL, SHT_PROGBITS, SHT_SYMTAB, SHT_STRTAB = 0, 1, 2, 3
SHT_DYNAMIC, SHT_NOBITS, SHT_REL, SHT_DYNSYM = 6, 8, 9, 11
SHT_INIT_ARRAY, SHT_FINI_ARRAY, SHT_PREINIT_ARRAY = 14, 15, 16
SHF_WRITE, SHF_ALLOC, SHF_EXECINSTR, SHF_TLS = 0x1, 0x2, 0x4, 0x400
SHN_UNDEF, SHN_ABS, SHN_COMMON = 0, 0xFFF1, 0xFFF2
STB_LOCAL, STB_GLOBAL, STB_WEAK = 0, 1, 2
STT_NOTYPE, STT_OBJECT, STT_FUNC, STT_SECTION = 0, 1, 2, 3
PT_LOAD, PT_DYNAMIC = 1, 2
PF_X, PF_W, PF_R = 1, 2, 4
DT_NULL, DT_STRTAB, DT_SYMTAB, DT_STRSZ, DT_SYMENT = 0, 5, 6, 10, 11
DT_REL, DT_RELSZ, DT_RELENT, DT_TEXTREL, DT_FLAGS = 17, 18, 19, 22, 30
DF_TEXTREL = 0x4

R_BPF_NONE = 0
R_BPF_64_64 = 1  # lddw: S + A in the two 32-bit immediates
R_BPF_64_ABS64 = 2  # 64-bit data: S + A
R_BPF_64_ABS32 = 3  # 32-bit data: S + A
R_BPF_64_NODYLD32 = 4  # .BTF only
R_BPF_64_32 = 10  # call: imm = (S + A) / 8 - 1

OP_LDDW = 0x18
OP_CALL = 0x85
OP_CALLX = 0x8D
INSN = 8
# SBPFv0 maps the read-only region (code included) at 1 << 32 plus its ELF virtual address.
MM_PROGRAM_START = 1 << 32
ENTRYPOINT = "entrypoint"

# Every syscall a program may import by name. The loader refuses an unknown one at deployment; here the
# list separates syscalls from symbols that nobody defines.
SYSCALLS = (
    "abort",
    "sol_panic_",
    "sol_log_",
    "sol_log_64_",
    "sol_log_compute_units_",
    "sol_log_pubkey",
    "sol_log_data",
    "sol_create_program_address",
    "sol_try_find_program_address",
    "sol_sha256",
    "sol_keccak256",
    "sol_blake3",
    "sol_secp256k1_recover",
    "sol_curve_validate_point",
    "sol_curve_group_op",
    "sol_curve_multiscalar_mul",
    "sol_curve_decompress",
    "sol_curve_pairing_map",
    "sol_alt_bn128_group_op",
    "sol_alt_bn128_compression",
    "sol_big_mod_exp",
    "sol_poseidon",
    "sol_get_clock_sysvar",
    "sol_get_epoch_schedule_sysvar",
    "sol_get_fees_sysvar",
    "sol_get_rent_sysvar",
    "sol_get_last_restart_slot",
    "sol_get_epoch_rewards_sysvar",
    "sol_get_sysvar",
    "sol_get_epoch_stake",
    "sol_memcpy_",
    "sol_memmove_",
    "sol_memset_",
    "sol_memcmp_",
    "sol_invoke_signed_c",
    "sol_invoke_signed_rust",
    "sol_alloc_free_",
    "sol_set_return_data",
    "sol_get_return_data",
    "sol_get_processed_sibling_instruction",
    "sol_get_stack_height",
    "sol_remaining_compute_units",
)
# Symbols LLVM's BPF backend emits that stand for a syscall.
SYSCALL_ALIASES = {"__bpf_trap": "abort"}

# What an unresolved name usually means, for the error message.
_SOFT_FLOAT = {"add", "sub", "mul", "div", "neg", "cmp", "eq", "ne", "lt", "le", "gt", "ge", "unord"}
_INT128 = ("__multi3", "__divti3", "__udivti3", "__modti3", "__umodti3", "__ashlti3", "__ashrti3",
           "__lshrti3", "__muloti4", "__udivmodti4")


class LinkError(Exception):
    """The inputs cannot make an SBPFv0 program; the message says why, naming the symbol or section."""


def murmur3_32(data: bytes, seed: int = 0) -> int:
    """MurmurHash3 (x86, 32-bit): the hash the loader keys syscalls and functions by."""
    c1, c2, mask = 0xCC9E2D51, 0x1B873593, 0xFFFFFFFF
    h = seed & mask
    n = len(data) - len(data) % 4
    for i in range(0, n, 4):
        k = int.from_bytes(data[i:i + 4], "little")
        k = (k * c1) & mask
        k = ((k << 15) | (k >> 17)) & mask
        k = (k * c2) & mask
        h ^= k
        h = ((h << 13) | (h >> 19)) & mask
        h = (h * 5 + 0xE6546B64) & mask
    tail = data[n:]
    if tail:
        k = int.from_bytes(tail, "little")
        k = (k * c1) & mask
        k = ((k << 15) | (k >> 17)) & mask
        k = (k * c2) & mask
        h ^= k
    h ^= len(data)
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & mask
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & mask
    h ^= h >> 16
    return h


def syscall_hash(name: str) -> int:
    return murmur3_32(name.encode())


def _unresolved_hint(name: str) -> str:
    if name in _INT128:
        return "; 128-bit multiplication, division and shifts by a variable are not available on SBF"
    if name.startswith("__") and (name.endswith(("sf2", "df2", "sf3", "df3", "si2", "di2", "sfdi", "dfdi"))
                                  or any(name[2:].startswith(op) for op in _SOFT_FLOAT)):
        return "; SBF has no floating point"
    if name.startswith("sol_"):
        return "; not a syscall the Solana runtime provides"
    return ""


# --------------------------------------------------------------------------------------------- input


@dataclass
class Section:
    obj: ObjectFile
    index: int
    name: str
    type: int
    flags: int
    align: int
    data: bytes
    size: int
    relocs: list[tuple[int, int, int]] = field(default_factory=list)  # (offset, type, symbol index)

    @property
    def alloc(self) -> bool:
        return bool(self.flags & SHF_ALLOC)

    @property
    def exec(self) -> bool:
        return bool(self.flags & SHF_EXECINSTR)

    def where(self) -> str:
        return f"{self.obj.name}:{self.name}"


@dataclass
class Symbol:
    name: str
    value: int
    size: int
    bind: int
    type: int
    shndx: int


class ObjectFile:
    def __init__(self, name: str, blob: bytes):
        self.name = name
        self.blob = blob
        if blob[:4] != b"\x7fELF":
            if blob[:4] in (b"BC\xc0\xde", b"\xde\xc0\x17\x0b"):
                raise LinkError(f"{name}: LLVM bitcode, not an object file; compile it with llc first")
            raise LinkError(f"{name}: not an ELF file")
        if blob[4] != 2 or blob[5] != 1:
            raise LinkError(f"{name}: not a 64-bit little-endian ELF file")
        (e_type, e_machine, _version, _entry, _phoff, e_shoff, _flags, _ehsize, _phentsize, _phnum,
         e_shentsize, e_shnum, e_shstrndx) = struct.unpack_from("<HHIQQQIHHHHHH", blob, 16)
        if e_type != ET_REL:
            raise LinkError(f"{name}: not a relocatable object (ELF type {e_type})")
        if e_machine != EM_BPF:
            raise LinkError(f"{name}: not an eBPF object (ELF machine {e_machine})")
        headers = [struct.unpack_from("<IIQQQQIIQQ", blob, e_shoff + i * e_shentsize) for i in range(e_shnum)]
        shstr = headers[e_shstrndx]
        self.sections: list[Section] = []
        for index, (sh_name, sh_type, sh_flags, _addr, sh_offset, sh_size, _link, _info, sh_align,
                    _entsize) in enumerate(headers):
            section_name = _cstr(blob, shstr[4] + sh_name)
            data = b"" if sh_type == SHT_NOBITS else blob[sh_offset:sh_offset + sh_size]
            self.sections.append(Section(self, index, section_name, sh_type, sh_flags, max(sh_align, 1),
                                         data, sh_size))
        self.symbols: list[Symbol] = []
        for header in headers:
            if header[1] == SHT_SYMTAB:
                strtab = headers[header[6]]
                for offset in range(header[4], header[4] + header[5], 24):
                    st_name, st_info, _other, st_shndx, st_value, st_size = struct.unpack_from(
                        "<IBBHQQ", blob, offset)
                    self.symbols.append(Symbol(_cstr(blob, strtab[4] + st_name), st_value, st_size,
                                               st_info >> 4, st_info & 0xF, st_shndx))
        for header in headers:
            if header[1] == SHT_REL:
                target = self.sections[header[7]]
                for offset in range(header[4], header[4] + header[5], 16):
                    r_offset, r_info = struct.unpack_from("<QQ", blob, offset)
                    target.relocs.append((r_offset, r_info & 0xFFFFFFFF, r_info >> 32))
            elif header[1] == 4:  # SHT_RELA: LLVM's BPF backend writes REL only
                raise LinkError(f"{name}: RELA relocations are not supported")

    def symbol_section(self, symbol: Symbol) -> Section | None:
        if symbol.shndx in (SHN_UNDEF, SHN_ABS, SHN_COMMON) or symbol.shndx >= len(self.sections):
            return None
        return self.sections[symbol.shndx]


def _cstr(blob: bytes, offset: int) -> str:
    end = blob.index(b"\0", offset)
    return blob[offset:end].decode("utf-8", "replace")


def _is_writable_data(section: Section) -> bool:
    if section.type == SHT_NOBITS or section.flags & SHF_TLS:
        return True
    if section.type in (SHT_INIT_ARRAY, SHT_FINI_ARRAY, SHT_PREINIT_ARRAY):
        return True
    if section.flags & SHF_WRITE and not section.name.startswith(".data.rel.ro"):
        return True
    return False


# -------------------------------------------------------------------------------------------- output


def _align(value: int, alignment: int) -> int:
    return (value + alignment - 1) // alignment * alignment


@dataclass
class Linked:
    """The result of :func:`link`: the shared object and facts about it."""

    image: bytes
    entry_offset: int  # entrypoint's offset in .text, in bytes
    text_size: int
    rodata_size: int
    syscalls: list[str]  # imported syscalls, in .dynsym order


def link(objects: list[tuple[str, bytes]], entry: str = ENTRYPOINT) -> Linked:
    """Links relocatable eBPF objects (``(name, bytes)`` pairs) into an SBPFv0 shared object."""
    objs = [ObjectFile(name, blob) for name, blob in objects]

    # Global symbol table.
    definitions: dict[str, tuple[ObjectFile, Symbol]] = {}
    for obj in objs:
        for symbol in obj.symbols:
            if symbol.bind not in (STB_GLOBAL, STB_WEAK) or symbol.shndx == SHN_UNDEF:
                continue
            if symbol.shndx == SHN_COMMON:
                raise LinkError(f"common symbol '{symbol.name}' in {obj.name}: SBPFv0 programs have no .bss")
            previous = definitions.get(symbol.name)
            if previous is None or (previous[1].bind == STB_WEAK and symbol.bind == STB_GLOBAL):
                definitions[symbol.name] = (obj, symbol)
            elif symbol.bind == STB_GLOBAL and previous[1].bind == STB_GLOBAL:
                raise LinkError(f"duplicate symbol '{symbol.name}' in {previous[0].name} and {obj.name}")

    if entry not in definitions:
        raise LinkError(f"no '{entry}' function is defined")
    entry_obj, entry_symbol = definitions[entry]
    entry_section = entry_obj.symbol_section(entry_symbol)
    if entry_section is None or not entry_section.exec:
        raise LinkError(f"'{entry}' in {entry_obj.name} is not a function")

    def resolve(obj: ObjectFile, symbol_index: int) -> tuple[ObjectFile, Symbol] | None:
        symbol = obj.symbols[symbol_index]
        if symbol.shndx != SHN_UNDEF:
            return obj, symbol
        return definitions.get(symbol.name)

    # Keep only what the entrypoint reaches.
    live: list[Section] = []
    seen: set[tuple[int, int]] = set()
    work = [entry_section]
    while work:
        section = work.pop()
        key = (id(section.obj), section.index)
        if key in seen:
            continue
        seen.add(key)
        if _is_writable_data(section):
            if section.size == 0:
                continue
            names = sorted(s.name for s in section.obj.symbols
                           if s.shndx == section.index and s.type in (STT_OBJECT, STT_NOTYPE) and s.name)
            what = f" (symbol {', '.join(names)})" if names else ""
            raise LinkError(
                f"writable section {section.name} in {section.obj.name}{what}: SBPFv0 programs have no "
                f".data/.bss; make the static immutable or keep the state in an account")
        live.append(section)
        for _offset, rtype, symbol_index in section.relocs:
            if rtype == R_BPF_NONE:
                continue
            found = resolve(section.obj, symbol_index)
            if found is None:
                continue  # a syscall or an unresolved symbol: reported when relocating
            target = found[0].symbol_section(found[1])
            if target is not None and target.alloc:
                work.append(target)

    order = {id(obj): position for position, obj in enumerate(objs)}
    live.sort(key=lambda s: (order[id(s.obj)], s.index))
    text_sections = [s for s in live if s.exec]
    ro_sections = [s for s in live if not s.exec]
    for section in ro_sections:
        if section.type not in (SHT_PROGBITS,):
            raise LinkError(f"section {section.where()} of type {section.type} is not supported")

    # Layout: ELF header, program headers, .text, .rodata, .dynamic, .dynsym, .dynstr, .rel.dyn,
    # .shstrtab, section headers. Virtual address = file offset for everything loaded.
    has_rodata = any(s.size for s in ro_sections)
    phnum = 4 if has_rodata else 3
    base: dict[tuple[int, int], int] = {}
    offset = 64 + 56 * phnum
    text_start = offset = _align(offset, INSN)
    for section in text_sections:
        offset = _align(offset, max(section.align, INSN))
        base[(id(section.obj), section.index)] = offset
        offset += section.size
    text_end = offset
    if text_end == text_start:
        raise LinkError("no code")
    ro_align = max([INSN] + [s.align for s in ro_sections])
    ro_start = offset = _align(offset, ro_align)
    for section in ro_sections:
        offset = _align(offset, section.align)
        base[(id(section.obj), section.index)] = offset
        offset += section.size
    ro_end = offset if has_rodata else ro_start

    image = bytearray(ro_end)
    for section in text_sections + ro_sections:
        start = base[(id(section.obj), section.index)]
        image[start:start + section.size] = section.data
    # LLVM encodes `callx rN` with N in the destination field; SBPFv0 reads N from the immediate.
    for at in range(text_start, text_end, INSN):
        if image[at] == OP_CALLX:
            struct.pack_into("<i", image, at + 4, image[at + 1] & 0x0F)

    def address(obj: ObjectFile, symbol: Symbol) -> int:
        section = obj.symbol_section(symbol)
        if section is None:
            if symbol.shndx == SHN_ABS:
                return symbol.value
            raise LinkError(f"symbol '{symbol.name}' in {obj.name} has no section")
        start = base.get((id(section.obj), section.index))
        if start is None:
            raise LinkError(f"symbol '{symbol.name}' is in {section.where()}, which is not loaded")
        return start + (0 if symbol.type == STT_SECTION else symbol.value)

    syscalls: list[str] = []
    dynrels: list[tuple[int, int, str | None]] = []  # (offset, type, syscall name or None)
    call_targets: set[int] = set()

    for section in text_sections + ro_sections:
        start = base[(id(section.obj), section.index)]
        for r_offset, rtype, symbol_index in section.relocs:
            where = start + r_offset
            symbol = section.obj.symbols[symbol_index]
            found = resolve(section.obj, symbol_index)
            if rtype == R_BPF_NONE:
                continue
            if rtype == R_BPF_64_32:
                if not section.exec or image[where] != OP_CALL:
                    raise LinkError(f"call relocation at {section.where()}+{r_offset:#x} is not on a call")
                if found is None:
                    name = SYSCALL_ALIASES.get(symbol.name, symbol.name)
                    if name not in SYSCALLS:
                        raise LinkError(f"unresolved symbol '{symbol.name}' (called from {section.where()})"
                                        f"{_unresolved_hint(symbol.name)}")
                    if name not in syscalls:
                        syscalls.append(name)
                    image[where + 1] &= 0x0F  # src = 0: a syscall
                    struct.pack_into("<i", image, where + 4, -1)
                    dynrels.append((where, R_BPF_64_32, name))
                    continue
                addend = (struct.unpack_from("<i", image, where + 4)[0] + 1) * INSN
                target = address(*found) + addend
                if not text_start <= target < text_end or (target - text_start) % INSN:
                    raise LinkError(f"call from {section.where()} to '{symbol.name}', which is not code")
                image[where + 1] = (image[where + 1] & 0x0F) | 0x10  # src = 1: a function of the program
                struct.pack_into("<i", image, where + 4, (target - where) // INSN - 1)
                call_targets.add((target - text_start) // INSN)
            elif rtype == R_BPF_64_64:
                if not section.exec or image[where] != OP_LDDW:
                    raise LinkError(f"lddw relocation at {section.where()}+{r_offset:#x} is not on an lddw")
                if found is None:
                    raise LinkError(f"unresolved symbol '{symbol.name}' (address taken in {section.where()})"
                                    f"{_unresolved_hint(symbol.name)}")
                target = address(*found) + struct.unpack_from("<I", image, where + 4)[0]
                if not text_start <= target <= ro_end:
                    raise LinkError(f"lddw in {section.where()} refers outside the program: '{symbol.name}'")
                struct.pack_into("<I", image, where + 4, target)
                struct.pack_into("<I", image, where + 12, 0)
                dynrels.append((where, R_BPF_64_64, None))
            elif rtype == R_BPF_64_ABS64:
                if section.exec:
                    raise LinkError(f"64-bit data relocation inside code at {section.where()}+{r_offset:#x}")
                if found is None:
                    raise LinkError(f"unresolved symbol '{symbol.name}' (address stored in {section.where()})"
                                    f"{_unresolved_hint(symbol.name)}")
                target = address(*found) + struct.unpack_from("<Q", image, where)[0]
                struct.pack_into("<Q", image, where, MM_PROGRAM_START + target)
            elif rtype == R_BPF_64_ABS32:
                raise LinkError(f"32-bit address of '{symbol.name}' in {section.where()}: program addresses "
                                f"need 64 bits")
            else:
                raise LinkError(f"relocation type {rtype} in {section.where()} is not supported")

    entry_offset = address(entry_obj, entry_symbol) - text_start
    _check_hashes(call_targets | {entry_offset // INSN}, entry_offset // INSN)

    return _write_shared_object(image, text_start, text_end, ro_start, ro_end, has_rodata, phnum,
                                text_start + entry_offset, entry, syscalls, dynrels)


def _check_hashes(call_pcs: set[int], entry_pc: int) -> None:
    """The loader keys functions by murmur3 of their instruction index and syscalls by murmur3 of their
    name, in one table: a clash makes it refuse the program, so refuse it here first, saying why."""
    syscall_keys = {syscall_hash(name): name for name in SYSCALLS}
    keys: dict[int, int] = {}
    for pc in sorted(call_pcs):
        key = syscall_hash(ENTRYPOINT) if pc == entry_pc else murmur3_32(pc.to_bytes(8, "little"))
        if key in syscall_keys:
            raise LinkError(f"function at instruction {pc} hashes to {key:#010x}, the key of syscall "
                            f"'{syscall_keys[key]}'; change the code layout (e.g. add or remove a function)")
        if keys.setdefault(key, pc) != pc:
            raise LinkError(f"functions at instructions {keys[key]} and {pc} hash to the same key {key:#010x}")


def _write_shared_object(image: bytearray, text_start: int, text_end: int, ro_start: int, ro_end: int,
                         has_rodata: bool, phnum: int, entry_address: int, entry: str, syscalls: list[str],
                         dynrels: list[tuple[int, int, str | None]]) -> Linked:
    # .dynstr and .dynsym: the null symbol, the entrypoint, then the imported syscalls.
    dynstr = bytearray(b"\0")
    names: dict[str, int] = {}
    for name in [entry, *syscalls]:
        names[name] = len(dynstr)
        dynstr += name.encode() + b"\0"
    text_index = 1
    dynsym = bytearray(24)
    dynsym += struct.pack("<IBBHQQ", names[entry], (STB_GLOBAL << 4) | STT_FUNC, 0, text_index,
                          entry_address, 0)
    sym_index = {}
    for position, name in enumerate(syscalls):
        sym_index[name] = position + 2
        dynsym += struct.pack("<IBBHQQ", names[name], (STB_GLOBAL << 4) | STT_NOTYPE, 0, SHN_UNDEF, 0, 0)
    reldyn = bytearray()
    for where, rtype, name in sorted(dynrels, key=lambda r: r[0]):
        reldyn += struct.pack("<QQ", where, ((sym_index[name] if name else 0) << 32) | rtype)

    offset = ro_end
    dynamic_start = offset = _align(offset, 8)
    dynamic_entries = 5 + (5 if reldyn else 0)
    offset += 16 * dynamic_entries
    dynsym_start = offset = _align(offset, 8)
    offset += len(dynsym)
    dynstr_start = offset
    offset += len(dynstr)
    reldyn_start = offset = _align(offset, 8)
    offset += len(reldyn)
    load_end = offset

    tags = [(DT_SYMTAB, dynsym_start), (DT_SYMENT, 24), (DT_STRTAB, dynstr_start), (DT_STRSZ, len(dynstr))]
    if reldyn:
        # The relocations patch .text: DT_TEXTREL/DF_TEXTREL say so, as for any SBF program.
        tags += [(DT_REL, reldyn_start), (DT_RELSZ, len(reldyn)), (DT_RELENT, 16), (DT_TEXTREL, 0),
                 (DT_FLAGS, DF_TEXTREL)]
    tags.append((DT_NULL, 0))
    dynamic = b"".join(struct.pack("<qQ", tag, value) for tag, value in tags)
    assert len(dynamic) == 16 * dynamic_entries

    shstrtab = bytearray(b"\0")
    section_names: dict[str, int] = {}
    for name in (".text", ".rodata", ".dynamic", ".dynsym", ".dynstr", ".rel.dyn", ".shstrtab"):
        section_names[name] = len(shstrtab)
        shstrtab += name.encode() + b"\0"

    out = bytearray(image)
    out += bytes(dynamic_start - len(out)) + dynamic
    out += bytes(dynsym_start - len(out)) + dynsym
    out += dynstr
    out += bytes(reldyn_start - len(out)) + reldyn
    shstrtab_start = len(out)
    out += shstrtab
    shoff = _align(len(out), 8)
    out += bytes(shoff - len(out))

    # Section headers: (name, type, flags, addr, offset, size, link, info, align, entsize).
    sections = [(0, SHT_NULL, 0, 0, 0, 0, 0, 0, 0, 0),
                (".text", SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, text_start, text_start,
                 text_end - text_start, 0, 0, INSN, 0)]
    if has_rodata:
        sections.append((".rodata", SHT_PROGBITS, SHF_ALLOC, ro_start, ro_start, ro_end - ro_start, 0, 0,
                         INSN, 0))
    dynsym_index = len(sections) + 1
    dynstr_index = len(sections) + 2
    sections += [
        (".dynamic", SHT_DYNAMIC, SHF_ALLOC | SHF_WRITE, dynamic_start, dynamic_start, len(dynamic),
         dynstr_index, 0, 8, 16),
        (".dynsym", SHT_DYNSYM, SHF_ALLOC, dynsym_start, dynsym_start, len(dynsym), dynstr_index, 1, 8, 24),
        (".dynstr", SHT_STRTAB, SHF_ALLOC, dynstr_start, dynstr_start, len(dynstr), 0, 0, 1, 0),
    ]
    if reldyn:
        sections.append((".rel.dyn", SHT_REL, SHF_ALLOC, reldyn_start, reldyn_start, len(reldyn),
                         dynsym_index, 0, 8, 16))
    sections.append((".shstrtab", SHT_STRTAB, 0, 0, shstrtab_start, len(shstrtab), 0, 0, 1, 0))
    for name, *rest in sections:
        out += struct.pack("<IIQQQQIIQQ", section_names[name] if name else 0, *rest)

    # Program headers: code, read-only data, the dynamic-linking tables, and PT_DYNAMIC.
    segments = [(PT_LOAD, PF_R | PF_X, text_start, text_end - text_start)]
    if has_rodata:
        segments.append((PT_LOAD, PF_R, ro_start, ro_end - ro_start))
    segments.append((PT_LOAD, PF_R | PF_W, dynamic_start, load_end - dynamic_start))
    segments.append((PT_DYNAMIC, PF_R | PF_W, dynamic_start, len(dynamic)))
    assert len(segments) == phnum
    phdrs = b"".join(struct.pack("<IIQQQQQQ", ptype, flags, start, start, start, size, size, 8)
                     for ptype, flags, start, size in segments)
    ident = b"\x7fELF" + bytes([2, 1, 1, 0, 0]) + bytes(7)
    header = ident + struct.pack("<HHIQQQIHHHHHH", ET_DYN, EM_BPF, 1, entry_address, 64, shoff, 0, 64, 56,
                                 phnum, 64, len(sections), len(sections) - 1)
    out[0:64 + len(phdrs)] = header + phdrs
    return Linked(bytes(out), entry_address - text_start, text_end - text_start,
                  ro_end - ro_start if has_rodata else 0, syscalls)


def link_files(inputs: list[Path], output: Path, entry: str = ENTRYPOINT) -> Linked:
    linked = link([(Path(p).name, Path(p).read_bytes()) for p in inputs], entry)
    output = Path(output)
    tmp = output.with_name(output.name + ".tmp")
    tmp.write_bytes(linked.image)
    tmp.replace(output)
    return linked


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("objects", nargs="+", type=Path)
    parser.add_argument("-o", "--output", type=Path, required=True)
    parser.add_argument("--entry", default=ENTRYPOINT)
    args = parser.parse_args(argv)
    try:
        linked = link_files(args.objects, args.output, args.entry)
    except LinkError as error:
        print(f"link error: {error}", file=sys.stderr)
        return 1
    print(f"{args.output}: .text {linked.text_size} bytes, .rodata {linked.rodata_size} bytes, "
          f"syscalls {', '.join(linked.syscalls) or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
