"""The SBF build (programs/sbf): the `hello` test crate is built from Rust source, loaded into LiteSVM and run.

The crate exercises what a program needs from the toolchain: logs through `sol_log_`/`sol_log_64_`, a
`&'static [u8]` constant in .rodata, calls between functions, `sol_keccak256`, a `memcpy` of a runtime length
(sent to `sol_memcpy_`), a custom error code and a panic handler that reads the panic message and location
(pointers stored in read-only data).
"""

from __future__ import annotations

import os
import re
import struct
import time
from pathlib import Path

import pytest
from eth_hash.auto import keccak
from solders.account import Account
from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.litesvm import FeatureSet, LiteSVM
from solders.message import Message
from solders.pubkey import Pubkey
from solders.transaction import Transaction
from solders.transaction_metadata import FailedTransactionMetadata, TransactionMetadata
from solders.transaction_status import InstructionErrorCustom, InstructionErrorFieldless

from programs.sbf import build as sbf_build

HELLO = Path(__file__).parent / "hello"

pytestmark = pytest.mark.skipif(
    not Path(os.environ.get("AURA_SBF_RUSTC", "/usr/bin/rustc")).exists(),
    reason="the SBF toolchain is not installed (make sbf)")


@pytest.fixture(scope="module")
def hello_so() -> Path:
    return sbf_build.build_program(HELLO)


@pytest.fixture()
def svm_program(hello_so: Path) -> tuple[LiteSVM, Pubkey, Keypair]:
    svm = LiteSVM()
    program_id = Pubkey.new_unique()
    svm.add_program(program_id, hello_so.read_bytes())
    payer = Keypair()
    svm.airdrop(payer.pubkey(), 10**9)
    return svm, program_id, payer


def send(svm_program: tuple[LiteSVM, Pubkey, Keypair], data: bytes):
    svm, program_id, payer = svm_program
    message = Message([Instruction(program_id, data, [])], payer.pubkey())
    result = svm.send_transaction(Transaction([payer], message, svm.latest_blockhash()))
    svm.expire_blockhash()
    return result


def logs_of(result) -> list[str]:
    meta = result.meta() if isinstance(result, FailedTransactionMetadata) else result
    return list(meta.logs())


def expect_logs(program_id: Pubkey, body: list[str], outcome: str) -> list[str | re.Pattern[str]]:
    return ([f"Program {program_id} invoke [1]"] + [f"Program log: {line}" for line in body]
            + [re.compile(rf"Program {program_id} consumed \d+ of 200000 compute units"),
               f"Program {program_id} {outcome}"])


def assert_logs(actual: list[str], expected: list[str | re.Pattern[str]]) -> None:
    assert len(actual) == len(expected), actual
    for line, want in zip(actual, expected):
        if isinstance(want, re.Pattern):
            assert want.fullmatch(line), (line, want.pattern)
        else:
            assert line == want


# --------------------------------------------------------------------------------------------- running


def test_hello_logs_hash_and_succeeds(svm_program) -> None:
    result = send(svm_program, b"aura")
    assert isinstance(result, TransactionMetadata)
    assert_logs(logs_of(result), expect_logs(svm_program[1], [
        "hello from sbf",
        "aura",
        keccak(b"aura").hex(),
        "0x4, 0x0, 0x0, 0x0, 0x1",
    ], "success"))


def test_hello_copies_a_runtime_length_prefix(svm_program) -> None:
    data = bytes(range(65, 65 + 60))  # longer than the 48-byte buffer: the first 48 bytes are copied
    result = send(svm_program, data)
    assert isinstance(result, TransactionMetadata)
    assert_logs(logs_of(result), expect_logs(svm_program[1], [
        "hello from sbf",
        data[:48].decode(),
        keccak(data[:48]).hex(),
        "0x30, 0x0, 0x0, 0x0, 0x1",
    ], "success"))


def test_hello_returns_its_error_code(svm_program) -> None:
    result = send(svm_program, b"")
    assert isinstance(result, FailedTransactionMetadata)
    assert result.err().index == 0
    assert result.err().err == InstructionErrorCustom(42)
    assert_logs(logs_of(result), expect_logs(svm_program[1], ["hello from sbf"],
                                             "failed: custom program error: 0x2a"))


def test_hello_panic_handler_reads_message_and_location(svm_program) -> None:
    result = send(svm_program, b"panic")
    assert isinstance(result, FailedTransactionMetadata)
    assert result.err().err == InstructionErrorFieldless.ProgramFailedToComplete
    assert_logs(logs_of(result), expect_logs(svm_program[1], [
        "hello from sbf", "panicked:", "boom", "src/lib.rs",
    ], "failed: SBF program panicked"))


def test_hello_deploys_through_the_upgradeable_loader(hello_so: Path) -> None:
    """A real loader-v3 deployment runs the loader's deployment checks (strict ELF checks, the verifier)."""
    loader = Pubkey.from_string("BPFLoaderUpgradeab1e11111111111111111111111")
    features = FeatureSet.all_enabled()
    active = dict(features.active)
    # SIMD-0167 (loader-v4) closes loader-v3 to new deployments.
    active.pop(Pubkey.from_string("EmhbpdVtZ2hWRGFWBDjn2i3SJD8Z36z4mpMcZJEnebnP"), None)
    svm = LiteSVM.default().with_builtins(FeatureSet(active, features.inactive)).with_sysvars() \
        .with_lamports(10**15).with_sigverify(True).with_blockhash_check(True)
    payer, program = Keypair(), Keypair()
    svm.airdrop(payer.pubkey(), 100 * 10**9)
    so = hello_so.read_bytes()
    buffer = Pubkey.new_unique()
    buffer_data = struct.pack("<I", 1) + b"\x01" + bytes(payer.pubkey()) + so  # Buffer { authority }
    svm.set_account(buffer, Account(svm.minimum_balance_for_rent_exemption(len(buffer_data)), buffer_data,
                                    loader, False, 0))
    svm.set_account(program.pubkey(), Account(svm.minimum_balance_for_rent_exemption(36), bytes(36), loader,
                                              False, 0))
    programdata, _bump = Pubkey.find_program_address([bytes(program.pubkey())], loader)
    deploy = Instruction(loader, struct.pack("<IQ", 2, 2 * len(so)), [  # DeployWithMaxDataLen
        AccountMeta(payer.pubkey(), True, True), AccountMeta(programdata, False, True),
        AccountMeta(program.pubkey(), False, True), AccountMeta(buffer, False, True),
        AccountMeta(Pubkey.from_string("SysvarRent111111111111111111111111111111111"), False, False),
        AccountMeta(Pubkey.from_string("SysvarC1ock11111111111111111111111111111111"), False, False),
        AccountMeta(Pubkey.from_string("11111111111111111111111111111111"), False, False),
        AccountMeta(payer.pubkey(), True, False)])
    result = svm.send_transaction(Transaction([payer], Message([deploy], payer.pubkey()), svm.latest_blockhash()))
    assert isinstance(result, TransactionMetadata), logs_of(result)
    assert f"Deployed program {program.pubkey()}" in result.logs()
    svm.warp_to_slot(5)  # a deployment is visible from the next slot
    result = send((svm, program.pubkey(), payer), b"aura")
    assert isinstance(result, TransactionMetadata), logs_of(result)
    assert logs_of(result)[1:4] == ["Program log: hello from sbf", "Program log: aura",
                                    f"Program log: {keccak(b'aura').hex()}"]


# ----------------------------------------------------------------------------------------- the output


def _sections(image: bytes) -> dict[str, tuple[int, int, int, int]]:
    shoff, = struct.unpack_from("<Q", image, 40)
    shnum, shstrndx = struct.unpack_from("<HH", image, 60)
    headers = [struct.unpack_from("<IIQQQQIIQQ", image, shoff + 64 * i) for i in range(shnum)]
    names_at = headers[shstrndx][4]

    def name(offset: int) -> str:
        return image[names_at + offset:image.index(b"\0", names_at + offset)].decode()

    return {name(h[0]): (h[1], h[3], h[4], h[5]) for h in headers[1:]}  # type, addr, offset, size


def test_output_is_an_sbpfv0_shared_object(hello_so: Path) -> None:
    image = hello_so.read_bytes()
    assert image[:4] == b"\x7fELF" and image[4:7] == bytes([2, 1, 1])
    e_type, e_machine = struct.unpack_from("<HH", image, 16)
    e_entry, = struct.unpack_from("<Q", image, 24)
    e_flags, = struct.unpack_from("<I", image, 48)
    assert (e_type, e_machine, e_flags) == (3, 247, 0)  # ET_DYN, EM_BPF, SBPFv0
    sections = _sections(image)
    assert list(sections) == [".text", ".rodata", ".dynamic", ".dynsym", ".dynstr", ".rel.dyn", ".shstrtab"]
    for name in (".text", ".rodata"):
        _type, addr, offset, _size = sections[name]
        assert addr == offset  # what the loader requires of loaded sections
    text_type, text_addr, text_offset, text_size = sections[".text"]
    assert text_addr <= e_entry < text_addr + text_size

    # .dynsym: the entrypoint and the syscalls, by name; .rel.dyn: lddw (1) and syscall (10) relocations.
    _t, _a, dynstr_at, dynstr_size = sections[".dynstr"]
    _t, _a, dynsym_at, dynsym_size = sections[".dynsym"]
    names = []
    for at in range(dynsym_at + 24, dynsym_at + dynsym_size, 24):
        st_name, = struct.unpack_from("<I", image, at)
        names.append(image[dynstr_at + st_name:image.index(b"\0", dynstr_at + st_name)].decode())
    assert names[0] == "entrypoint"
    assert set(names[1:]) == {"sol_log_", "sol_log_64_", "sol_keccak256", "sol_memcpy_", "abort"}
    _t, _a, rel_at, rel_size = sections[".rel.dyn"]
    types = {struct.unpack_from("<Q", image, at + 8)[0] & 0xFFFFFFFF for at in range(rel_at, rel_at + rel_size, 16)}
    assert types == {1, 10}

    # Calls: syscalls stay `call -1` (src 0) for the loader; calls between functions are resolved here
    # (src 1, a PC-relative immediate inside .text).
    internal = 0
    for at in range(text_offset, text_offset + text_size, 8):
        if image[at] == 0x85:
            imm, = struct.unpack_from("<i", image, at + 4)
            if image[at + 1] >> 4 == 1:
                target = (at - text_offset) // 8 + 1 + imm
                assert 0 <= target < text_size // 8
                internal += 1
            else:
                assert imm == -1
    assert internal >= 2  # keccak and to_hex are kept out of line


def test_rebuild_without_changes_is_fast_and_identical(hello_so: Path) -> None:
    before = hello_so.read_bytes()
    started = time.monotonic()
    again = sbf_build.build_program(HELLO)
    assert time.monotonic() - started < 2.0
    assert again == hello_so and again.read_bytes() == before


def test_build_to_a_chosen_path(tmp_path: Path, hello_so: Path) -> None:
    out = sbf_build.build_program(HELLO, tmp_path / "custom" / "hello.so")
    assert out == tmp_path / "custom" / "hello.so"
    assert out.read_bytes() == hello_so.read_bytes()


# ------------------------------------------------------------------------------------------ refusals


def _crate(root: Path, name: str, source: str, manifest_extra: str = "") -> Path:
    (root / "src").mkdir(parents=True)
    (root / "Cargo.toml").write_text(
        f'[package]\nname = "{name}"\nversion = "0.1.0"\nedition = "2021"\n{manifest_extra}')
    (root / "src" / "lib.rs").write_text(source)
    return root


PANIC_HANDLER = "#[panic_handler]\nfn panic(_: &core::panic::PanicInfo) -> ! { loop {} }\n"


def test_mutable_static_is_a_build_error(tmp_path: Path) -> None:
    crate = _crate(tmp_path / "counter", "sbf-counter", "#![no_std]\n" + PANIC_HANDLER + """
static mut COUNTER: u64 = 5;
#[unsafe(no_mangle)]
pub unsafe extern "C" fn entrypoint(input: *mut u8) -> u64 {
    unsafe { COUNTER += *input as u64; COUNTER }
}
""")
    with pytest.raises(sbf_build.BuildError) as raised:
        sbf_build.build_program(crate, tmp_path / "counter.so")
    assert str(raised.value).startswith("linking sbf_counter: writable section .data in sbf_counter.o (symbol ")
    assert str(raised.value).endswith("COUNTER.0): SBPFv0 programs have no .data/.bss; make the static "
                                      "immutable or keep the state in an account")
    assert not (tmp_path / "counter.so").exists()


def test_six_arguments_through_a_pointer_are_a_build_error(tmp_path: Path) -> None:
    crate = _crate(tmp_path / "six", "six_args", "#![no_std]\n" + PANIC_HANDLER + """
fn six(a: u64, b: u64, c: u64, d: u64, e: u64, f: u64) -> u64 { a ^ b ^ c ^ d ^ e ^ f.rotate_left(3) }
#[unsafe(no_mangle)]
pub unsafe extern "C" fn entrypoint(input: *mut u8) -> u64 {
    let x = unsafe { *input } as u64;
    let f: fn(u64, u64, u64, u64, u64, u64) -> u64 = core::hint::black_box(six);
    f(x, x + 1, x + 2, x + 3, x + 4, x + 5)
}
""")
    with pytest.raises(sbf_build.BuildError) as raised:
        sbf_build.build_program(crate, tmp_path / "six.so")
    message = str(raised.value)
    assert message.startswith("llc (code generation for six_args) failed:")
    assert "(six_args::six) i64 (i64, i64, i64, i64, i64, i64): stack arguments are not supported" in message
    assert message.endswith("hint: SBF passes at most 5 arguments in registers: pass a struct by reference "
                            "instead.")


def test_core_fmt_prints_integers(tmp_path: Path) -> None:
    """core::fmt works, although its integer printing goes through a function of six parameters (inlined)."""
    crate = _crate(tmp_path / "fmt", "fmt_ints", "#![no_std]\n" + PANIC_HANDLER + """
use core::fmt::Write;
unsafe extern "C" { fn sol_log_(message: *const u8, len: u64); }
struct Line { bytes: [u8; 200], len: usize }
impl Write for Line {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let end = self.len + s.len();
        if end > self.bytes.len() { return Err(core::fmt::Error); }
        self.bytes[self.len..end].copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}
#[derive(Debug)]
enum Kind { Small(u8), Large { value: i64 } }
#[unsafe(no_mangle)]
pub unsafe extern "C" fn entrypoint(input: *mut u8) -> u64 {
    let n = unsafe { (input.add(16) as *const u64).read_unaligned() };
    let kind = if n < 256 { Kind::Small(n as u8) } else { Kind::Large { value: -(n as i64) } };
    let mut line = Line { bytes: [0; 200], len: 0 };
    let _ = write!(line, "n={} hex={:#x} pad=[{:>6}] i64={} {:?}", n, n, n % 1000, n as i64 / -7, kind);
    unsafe { sol_log_(line.bytes.as_ptr(), line.len as u64) };
    0
}
""")
    so = sbf_build.build_program(crate, tmp_path / "fmt.so")
    svm = LiteSVM()
    program_id = Pubkey.new_unique()
    svm.add_program(program_id, so.read_bytes())
    payer = Keypair()
    svm.airdrop(payer.pubkey(), 10**9)
    for n in (7, 12345678901234, 2**64 - 1):
        signed = n - 2**64 if n >= 2**63 else n
        quotient = -(abs(signed) // 7) if signed > 0 else abs(signed) // 7
        kind = f"Small({n})" if n < 256 else f"Large {{ value: {-signed} }}"
        result = send((svm, program_id, payer), n.to_bytes(8, "little"))
        assert isinstance(result, TransactionMetadata), logs_of(result)
        assert logs_of(result)[1] == f"Program log: n={n} hex={n:#x} pad=[{n % 1000:>6}] i64={quotient} {kind}"


def test_floating_point_is_a_build_error(tmp_path: Path) -> None:
    crate = _crate(tmp_path / "float", "float", "#![no_std]\n" + PANIC_HANDLER + """
#[unsafe(no_mangle)]
pub unsafe extern "C" fn entrypoint(input: *mut u8) -> u64 { (unsafe { *input } as f64 / 3.0) as u64 }
""")
    with pytest.raises(sbf_build.BuildError) as raised:
        sbf_build.build_program(crate, tmp_path / "float.so")
    assert "A call to built-in function '__" in str(raised.value)
    assert str(raised.value).endswith("hint: SBF has no floating point: use integers (fixed point).")


def test_crates_with_dependencies_are_refused(tmp_path: Path) -> None:
    crate = _crate(tmp_path / "deps", "deps", "#![no_std]\n", '\n[dependencies]\nborsh = "1"\n')
    with pytest.raises(sbf_build.BuildError) as raised:
        sbf_build.build_program(crate)
    assert str(raised.value) == (f"{crate / 'Cargo.toml'}: the SBF build takes dependency-free crates only "
                                 f"(found borsh)")
