"""The SBPFv0 linker (programs/sbf/link.py) on objects llc makes from small LLVM IR modules, and the IR
rewriting before code generation (programs/sbf/lower.py)."""

from __future__ import annotations

import struct
import subprocess
from pathlib import Path

import pytest

from programs.sbf import build as sbf_build
from programs.sbf import link as sbf_link
from programs.sbf import lower as sbf_lower


@pytest.fixture(scope="module")
def llc() -> str:
    try:
        return sbf_build.find_toolchain().tool("llc")
    except sbf_build.BuildError as error:
        pytest.skip(f"the SBF toolchain is not installed (make sbf): {error}")


def compile_ll(llc: str, tmp_path: Path, name: str, ir: str) -> tuple[str, bytes]:
    source = tmp_path / f"{name}.ll"
    source.write_text('target triple = "bpfel"\n' + ir)
    obj = tmp_path / f"{name}.o"
    subprocess.run([llc, *sbf_build.LLC_FLAGS, str(source), "-o", str(obj)], check=True)
    return f"{name}.o", obj.read_bytes()


# ------------------------------------------------------------------------------------------ bad input


def test_writable_data_is_refused(llc: str, tmp_path: Path) -> None:
    obj = compile_ll(llc, tmp_path, "data", """
@counter = global i64 5
define i64 @entrypoint(ptr %input) {
  %v = load i64, ptr @counter
  %n = add i64 %v, 1
  store i64 %n, ptr @counter
  ret i64 %n
}
""")
    with pytest.raises(sbf_link.LinkError) as raised:
        sbf_link.link([obj])
    assert str(raised.value) == ("writable section .data in data.o (symbol counter): SBPFv0 programs have no "
                                 ".data/.bss; make the static immutable or keep the state in an account")


def test_zeroed_data_is_refused(llc: str, tmp_path: Path) -> None:
    obj = compile_ll(llc, tmp_path, "bss", """
@zeroed = global [4 x i64] zeroinitializer
define i64 @entrypoint(ptr %input) {
  store i64 1, ptr @zeroed
  ret i64 0
}
""")
    with pytest.raises(sbf_link.LinkError) as raised:
        sbf_link.link([obj])
    assert str(raised.value) == ("writable section .bss in bss.o (symbol zeroed): SBPFv0 programs have no "
                                 ".data/.bss; make the static immutable or keep the state in an account")


def test_unreferenced_writable_data_is_dropped(llc: str, tmp_path: Path) -> None:
    obj = compile_ll(llc, tmp_path, "unused", """
@unused = global i64 5
define i64 @entrypoint(ptr %input) {
  ret i64 0
}
""")
    assert sbf_link.link([obj]).rodata_size == 0


def test_unresolved_symbol_is_refused(llc: str, tmp_path: Path) -> None:
    obj = compile_ll(llc, tmp_path, "unresolved", """
declare i64 @missing_function(i64)
define i64 @entrypoint(ptr %input) {
  %r = call i64 @missing_function(i64 1)
  ret i64 %r
}
""")
    with pytest.raises(sbf_link.LinkError) as raised:
        sbf_link.link([obj])
    assert str(raised.value) == "unresolved symbol 'missing_function' (called from unresolved.o:.text)"


def test_unresolved_runtime_routine_says_why(llc: str, tmp_path: Path) -> None:
    obj = compile_ll(llc, tmp_path, "float", """
declare i64 @__adddf3(i64, i64)
define i64 @entrypoint(ptr %input) {
  %r = call i64 @__adddf3(i64 1, i64 2)
  ret i64 %r
}
""")
    with pytest.raises(sbf_link.LinkError) as raised:
        sbf_link.link([obj])
    assert str(raised.value) == ("unresolved symbol '__adddf3' (called from float.o:.text); SBF has no "
                                 "floating point")


def test_unknown_syscall_is_refused(llc: str, tmp_path: Path) -> None:
    obj = compile_ll(llc, tmp_path, "nosys", """
declare void @sol_log_everything(ptr)
define i64 @entrypoint(ptr %input) {
  call void @sol_log_everything(ptr %input)
  ret i64 0
}
""")
    with pytest.raises(sbf_link.LinkError) as raised:
        sbf_link.link([obj])
    assert str(raised.value) == ("unresolved symbol 'sol_log_everything' (called from nosys.o:.text); not a "
                                 "syscall the Solana runtime provides")


def test_entrypoint_is_required(llc: str, tmp_path: Path) -> None:
    obj = compile_ll(llc, tmp_path, "noentry", "define i64 @main(ptr %input) {\n  ret i64 0\n}\n")
    with pytest.raises(sbf_link.LinkError) as raised:
        sbf_link.link([obj])
    assert str(raised.value) == "no 'entrypoint' function is defined"


def test_duplicate_symbols_are_refused(llc: str, tmp_path: Path) -> None:
    helper = "define i64 @helper(i64 %x) {\n  ret i64 %x\n}\n"
    a = compile_ll(llc, tmp_path, "a", helper + "define i64 @entrypoint(ptr %i) {\n  ret i64 0\n}\n")
    b = compile_ll(llc, tmp_path, "b", helper)
    with pytest.raises(sbf_link.LinkError) as raised:
        sbf_link.link([a, b])
    assert str(raised.value) == "duplicate symbol 'helper' in a.o and b.o"


def test_non_elf_input_is_refused() -> None:
    with pytest.raises(sbf_link.LinkError) as raised:
        sbf_link.link([("notes.txt", b"hello")])
    assert str(raised.value) == "notes.txt: not an ELF file"


# ---------------------------------------------------------------------------------------------- good


def test_links_calls_rodata_and_syscalls_across_objects(llc: str, tmp_path: Path) -> None:
    main = compile_ll(llc, tmp_path, "main", """
@message = external constant [5 x i8]
declare void @sol_log_(ptr, i64)
declare i64 @helper(i64)
define i64 @entrypoint(ptr %input) {
  call void @sol_log_(ptr @message, i64 5)
  %r = call i64 @helper(i64 7)
  ret i64 %r
}
""")
    lib = compile_ll(llc, tmp_path, "lib", """
@message = constant [5 x i8] c"hello"
@table = constant [2 x ptr] [ptr @message, ptr @helper]
define i64 @helper(i64 %x) noinline {
  %slot = getelementptr [2 x ptr], ptr @table, i64 0, i64 %x
  %p = load ptr, ptr %slot
  %y = ptrtoint ptr %p to i64
  ret i64 %y
}
""")
    linked = sbf_link.link([main, lib])
    image = linked.image
    assert linked.syscalls == ["sol_log_"]
    text_start = 64 + 56 * 4
    insns = [image[at:at + 8] for at in range(text_start, text_start + linked.text_size, 8)]
    calls = [(pc, insn) for pc, insn in enumerate(insns) if insn[0] == 0x85]
    assert len(calls) == 2
    (syscall_pc, syscall), (call_pc, call) = calls
    assert syscall[1] >> 4 == 0 and struct.unpack_from("<i", syscall, 4)[0] == -1
    assert call[1] >> 4 == 1
    helper_pc = call_pc + 1 + struct.unpack_from("<i", call, 4)[0]
    assert insns[helper_pc - 1][0] == 0x95  # helper starts right after entrypoint's `exit`
    # The lddw of `message` holds its virtual address (the loader adds the program region's base).
    lddw = next(pc for pc, insn in enumerate(insns) if insn[0] == 0x18)
    address = struct.unpack_from("<I", insns[lddw], 4)[0]
    assert image[address:address + 5] == b"hello"
    # Pointers stored in read-only data are absolute program-region addresses.
    pointers = [struct.unpack_from("<Q", image, at)[0] for at in range(0, len(image) - 7, 8)]
    assert (1 << 32) + address in pointers
    assert (1 << 32) + text_start + 8 * helper_pc in pointers


def test_callx_register_moves_to_the_immediate(llc: str, tmp_path: Path) -> None:
    obj = compile_ll(llc, tmp_path, "callx", """
define i64 @entrypoint(ptr %input) {
  %f = load ptr, ptr %input
  %r = call i64 %f(i64 3)
  ret i64 %r
}
""")
    linked = sbf_link.link([obj])
    text_start = 64 + 56 * 3
    insns = [linked.image[at:at + 8] for at in range(text_start, text_start + linked.text_size, 8)]
    callx = [insn for insn in insns if insn[0] == 0x8D]
    assert len(callx) == 1
    assert struct.unpack_from("<i", callx[0], 4)[0] == callx[0][1] & 0x0F


def test_murmur3_matches_the_runtime_syscall_keys() -> None:
    assert sbf_link.syscall_hash("sol_log_") == 0x207559BD
    assert sbf_link.syscall_hash("abort") == 0xB6FC1A11
    assert sbf_link.syscall_hash("sol_keccak256") == 0xD7793ABB
    assert sbf_link.syscall_hash("sol_memcpy_") == 0x717CC4A3
    assert sbf_link.syscall_hash("sol_secp256k1_recover") == 0x17E40350
    assert sbf_link.murmur3_32(b"") == 0


# ------------------------------------------------------------------------------------------ lowering


def test_lowering_sends_long_and_runtime_length_copies_to_the_stub() -> None:
    ir = "\n".join([
        "define void @f(ptr %a, ptr %b, i64 %n) {",
        "  call void @llvm.memcpy.p0.p0.i64(ptr align 1 %a, ptr align 1 %b, i64 range(i64 0, 49) %n, i1 false)"
        ", !alias.scope !4",
        "  tail call void @llvm.memcpy.p0.p0.i64(ptr align 8 %a, ptr align 8 %b, i64 32, i1 false)",
        "  call void @llvm.memmove.p0.p0.i64(ptr %a, ptr %b, i64 300, i1 false)",
        "  call void @llvm.memset.p0.i64(ptr noundef nonnull align 1 dereferenceable(64) %a, i8 -85, i64 %n, i1 false)",
        "  ret void",
        "}",
    ])
    lowered = sbf_lower.lower(ir)
    lines = lowered.text.split("\n")
    assert lines[1] == ("  call void @__sbf_memcpy(ptr align 1 %a, ptr align 1 %b, i64 range(i64 0, 49) %n)"
                        ", !alias.scope !4")
    assert lines[2] == "  tail call void @llvm.memcpy.p0.p0.i64(ptr align 8 %a, ptr align 8 %b, i64 32, i1 false)"
    assert lines[3] == "  call void @__sbf_memmove(ptr %a, ptr %b, i64 300)"
    assert lines[4] == "  call void @__sbf_memset(ptr noundef nonnull align 1 dereferenceable(64) %a, i8 -85, i64 %n)"
    assert "declare void @__sbf_memset(ptr, i8 zeroext, i64)" in lines
    assert lowered.rewritten == {"memcpy": 1, "memmove": 1, "memset": 1}
    assert not lowered.needs_inlining


def test_lowering_replaces_signed_division_and_checked_multiplication() -> None:
    ir = "\n".join([
        "define i64 @f(i64 %a, i64 %b, i32 %c) {",
        "  %q = sdiv i64 %a, 7",
        "  %h = sdiv exact i64 %a, 8",
        "  %r = srem i32 %c, -3",
        "  %m = tail call { i64, i1 } @llvm.umul.with.overflow.i64(i64 %a, i64 %b)",
        "  %s = call { i64, i1 } @llvm.smul.with.overflow.i64(i64 %a, i64 %b)",
        "  ret i64 %q",
        "}",
    ])
    lowered = sbf_lower.lower(ir)
    lines = lowered.text.split("\n")
    assert lines[1] == "  %q = call i64 @__sbf_sdiv_i64(i64 %a, i64 7)"
    assert lines[2] == "  %h = sdiv exact i64 %a, 8"  # a power of two: shifts, which the backend does
    assert lines[3] == "  %r = call i32 @__sbf_srem_i32(i32 %c, i32 -3)"
    assert lines[4] == "  %m = tail call { i64, i1 } @__sbf_umulo_i64(i64 %a, i64 %b)"
    assert lines[5] == "  %s = call { i64, i1 } @__sbf_smulo_i64(i64 %a, i64 %b)"
    for helper in ("@__sbf_sdiv_i64(", "@__sbf_srem_i32(", "@__sbf_umulo_i64(", "@__sbf_smulo_i64("):
        assert any(line.startswith("define internal") and helper in line for line in lines)
    assert lowered.needs_inlining


def test_lowering_drops_sret_from_definitions_and_calls() -> None:
    ir = "\n".join([
        "define internal void @name(ptr dead_on_unwind noalias writable sret([16 x i8]) align 8 %0, ptr %1) {",
        "  ret void",
        "}",
        "  call void %42(ptr noalias noundef nonnull sret([16 x i8]) align 8 %2, ptr noundef nonnull %38) #18",
    ])
    lowered = sbf_lower.lower(ir)
    lines = lowered.text.split("\n")
    assert lines[0] == "define internal void @name(ptr dead_on_unwind noalias writable align 8 %0, ptr %1) {"
    assert lines[3] == "  call void %42(ptr noalias noundef nonnull align 8 %2, ptr noundef nonnull %38) #18"
    assert lowered.rewritten == {"sret": 2}


def test_lowering_inlines_functions_of_more_than_five_parameters() -> None:
    ir = "\n".join([
        "define internal fastcc i1 @wide(ptr %0, i1 %1, ptr %2, i64 %3, ptr %4, i64 %5) unnamed_addr #3 {",
        "  ret i1 %1",
        "}",
        "define internal i64 @narrow(i64 %0) unnamed_addr #3 {",
        "  %2 = call fastcc i1 @wide(ptr null, i1 true, ptr null, i64 0, ptr null, i64 %0) #4",
        "  ret i64 %0",
        "}",
        'attributes #3 = { noinline nounwind "target-cpu"="v1" }',
        "attributes #4 = { noinline }",
    ])
    lowered = sbf_lower.lower(ir)
    lines = lowered.text.split("\n")
    assert lines[0] == ("define internal fastcc i1 @wide(ptr %0, i1 %1, ptr %2, i64 %3, ptr %4, i64 %5) "
                        "unnamed_addr alwaysinline #3 {")
    assert lines[3] == "define internal i64 @narrow(i64 %0) unnamed_addr #3 {"
    assert lines[7:9] == ['attributes #3 = { nounwind "target-cpu"="v1" }',
                          'attributes #4 = { "sbf-noinline-dropped" }']
    assert lowered.needs_inlining and lowered.rewritten == {"more than 5 parameters": 1}
