"""Rewrites optimised LLVM IR (text) so that LLVM's BPF backend can compile it for SBPFv0.

The BPF backend refuses every call it would have to make to a runtime-library routine ("A call to
built-in function 'memcpy' is not supported"), and it refuses signed division. Rust code needs these
all the time: ``copy_from_slice`` with a runtime length is a ``memcpy`` of unknown size,
``u64::checked_mul`` an ``llvm.umul.with.overflow.i64`` (lowered through a 128-bit multiply),
``i64 / 7`` an ``sdiv``. After link-time optimisation and before code generation this module replaces:

* ``llvm.memcpy``/``llvm.memmove``/``llvm.memset`` whose length is not a constant of at most
  :data:`INLINE_LIMIT` bytes by calls to ``__sbf_memcpy``/``__sbf_memmove``/``__sbf_memset``, which the
  ``compiler_builtins`` stub sends to the ``sol_mem*`` syscalls (shorter constant ones stay: the backend
  turns them into loads and stores);
* ``llvm.umul.with.overflow.i64`` and ``llvm.smul.with.overflow.i64`` by calls to internal functions
  that compute the same result with a 64-bit multiply and an unsigned division;
* ``sdiv``/``srem`` (except by a power of two) by calls to internal functions that divide magnitudes
  with ``udiv``/``urem`` and fix the sign;
* functions of more than five parameters (core's ``Formatter::pad_integral``, behind every integer that
  ``core::fmt`` prints, has six), which the backend cannot compile, since SBPFv0 passes arguments in
  five registers and LLVM's BPF backend passes none on the stack: they are marked ``alwaysinline``
  (and ``noinline`` is dropped) so that inlining removes them; one that cannot be inlined (recursive,
  or called through a pointer) is still reported by the backend;
* the ``sret`` attribute, everywhere: rustc returns values wider than 64 bits (``&[u8]``, ``Option<u64>``)
  through a pointer marked ``sret``, which the backend refuses ("aggregate returns are not supported")
  although that pointer is an ordinary first argument; definitions and calls drop it together.

The internal functions are ``alwaysinline``: the caller runs ``opt -passes=always-inline`` on the
result (:attr:`Lowered.needs_inlining`) and nothing else, since InstCombine would fold them back.
Still unsupported, and reported by the backend: floating point and 128-bit multiply, divide and
variable shifts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# The BPF backend expands a constant-length memory intrinsic into at most 128 loads/stores; one store
# covers at least one byte, so 128 bytes always fit.
INLINE_LIMIT = 128

_MEM = re.compile(r"@llvm\.(memcpy|memmove|memset)\.(?:p0\.p0|p0)\.i64\(")
_MULO = re.compile(r"@llvm\.([us])mul\.with\.overflow\.i64\(")
_SDIV = re.compile(
    r"^(?P<lhs>\s*%[-\w.$]+ = )(?P<op>sdiv|srem)(?: exact)? (?P<ty>i8|i16|i32|i64) "
    r"(?P<a>%[-\w.$]+|-?\d+), (?P<b>%[-\w.$]+|-?\d+)(?P<rest>(?:, !.*)?)$")

_DECLARATIONS = {
    "memcpy": "declare void @__sbf_memcpy(ptr, ptr, i64)",
    "memmove": "declare void @__sbf_memmove(ptr, ptr, i64)",
    "memset": "declare void @__sbf_memset(ptr, i8 zeroext, i64)",
}

_UMULO = """
define internal { i64, i1 } @__sbf_umulo_i64(i64 %a, i64 %b) alwaysinline {
  %p = mul i64 %a, %b
  %nz = icmp ne i64 %a, 0
  %d = select i1 %nz, i64 %a, i64 1
  %q = udiv i64 %p, %d
  %ne = icmp ne i64 %q, %b
  %o = and i1 %nz, %ne
  %r0 = insertvalue { i64, i1 } poison, i64 %p, 0
  %r1 = insertvalue { i64, i1 } %r0, i1 %o, 1
  ret { i64, i1 } %r1
}
"""

_SMULO = """
define internal { i64, i1 } @__sbf_smulo_i64(i64 %a, i64 %b) alwaysinline {
  %p = mul i64 %a, %b
  %na = icmp slt i64 %a, 0
  %nb = icmp slt i64 %b, 0
  %ma = sub i64 0, %a
  %mb = sub i64 0, %b
  %ua = select i1 %na, i64 %ma, i64 %a
  %ub = select i1 %nb, i64 %mb, i64 %b
  %up = mul i64 %ua, %ub
  %nz = icmp ne i64 %ua, 0
  %d = select i1 %nz, i64 %ua, i64 1
  %q = udiv i64 %up, %d
  %ne = icmp ne i64 %q, %ub
  %wide = and i1 %nz, %ne
  %neg = xor i1 %na, %nb
  %limit = select i1 %neg, i64 -9223372036854775808, i64 9223372036854775807
  %big = icmp ugt i64 %up, %limit
  %o = or i1 %wide, %big
  %r0 = insertvalue { i64, i1 } poison, i64 %p, 0
  %r1 = insertvalue { i64, i1 } %r0, i1 %o, 1
  ret { i64, i1 } %r1
}
"""


def _signed_division(op: str, ty: str) -> str:
    widen = ty != "i64"
    a, b = ("%a", "%b") if not widen else ("%a64", "%b64")
    lines = [f"define internal {ty} @__sbf_{op}_{ty}({ty} %a, {ty} %b) alwaysinline {{"]
    if widen:
        lines += [f"  %a64 = sext {ty} %a to i64", f"  %b64 = sext {ty} %b to i64"]
    lines += [
        f"  %na = icmp slt i64 {a}, 0",
        f"  %nb = icmp slt i64 {b}, 0",
        f"  %ma = sub i64 0, {a}",
        f"  %mb = sub i64 0, {b}",
        f"  %ua = select i1 %na, i64 %ma, i64 {a}",
        f"  %ub = select i1 %nb, i64 %mb, i64 {b}",
    ]
    if op == "sdiv":
        lines += ["  %u = udiv i64 %ua, %ub", "  %neg = xor i1 %na, %nb"]
    else:  # the remainder takes the dividend's sign
        lines += ["  %u = urem i64 %ua, %ub", "  %neg = or i1 %na, false"]
    lines += ["  %m = sub i64 0, %u", "  %r = select i1 %neg, i64 %m, i64 %u"]
    if widen:
        lines += [f"  %t = trunc i64 %r to {ty}", f"  ret {ty} %t"]
    else:
        lines += ["  ret i64 %r"]
    lines.append("}")
    return "\n" + "\n".join(lines) + "\n"


@dataclass
class Lowered:
    text: str
    needs_inlining: bool
    rewritten: dict[str, int] = field(default_factory=dict)  # what was replaced, and how often


def _split_args(text: str, start: int) -> tuple[list[str], int]:
    """Splits the argument list that starts after the '(' at ``start - 1``; returns the arguments and
    the index of the closing parenthesis."""
    depth = 0
    args: list[str] = []
    current = start
    for index in range(start, len(text)):
        char = text[index]
        if char in "([{<":
            depth += 1
        elif char in ")]}>":
            if depth == 0:
                args.append(text[current:index].strip())
                return args, index
            depth -= 1
        elif char == "," and depth == 0:
            args.append(text[current:index].strip())
            current = index + 1
    raise ValueError(f"unbalanced call: {text}")


def _constant(arg: str) -> int | None:
    value = arg.split()[-1]
    return int(value) if re.fullmatch(r"-?\d+", value) else None


def _power_of_two(value: str) -> bool:
    if not re.fullmatch(r"-?\d+", value):
        return False
    number = int(value)
    return number > 0 and number & (number - 1) == 0


def _strip_sret(line: str) -> tuple[str, int]:
    count = 0
    while (start := line.find(" sret(")) >= 0:
        _args, close = _split_args(line, start + len(" sret("))
        line = line[:start] + line[close + 1:]
        count += 1
    return line, count


MAX_REGISTER_ARGS = 5
_DEFINE = re.compile(r"^define [^@]*@(?:[-\w.$]+|\"[^\"]*\")\(")
_GROUP = re.compile(r"#(\d+)\b")


def _inline_wide_functions(lines: list[str]) -> int:
    """Marks functions of more than MAX_REGISTER_ARGS parameters ``alwaysinline``; returns how many."""
    groups_of: dict[str, str] = {}
    for line in lines:
        if line.startswith("attributes #"):
            number, _, body = line[len("attributes #"):].partition(" = ")
            groups_of[number] = body
    marked = 0
    for index, line in enumerate(lines):
        match = _DEFINE.match(line)
        if not match:
            continue
        params, close = _split_args(line, match.end())
        if len([p for p in params if p]) <= MAX_REGISTER_ARGS:
            continue
        tail = line[close + 1:]
        attributes = " ".join(groups_of.get(group, "") for group in _GROUP.findall(tail.split("{")[0]))
        if "optnone" in attributes or "optnone" in tail:
            continue  # opt-level 0: cannot be inlined; the backend reports it
        tail = tail.replace(" noinline", "")
        group = _GROUP.search(tail)
        at = group.start() if group else tail.rindex("{")
        lines[index] = line[:close + 1] + tail[:at] + "alwaysinline " + tail[at:]
        marked += 1
    if marked:
        # A `noinline` function or call site would keep them; nothing but always-inline runs afterwards.
        for index, line in enumerate(lines):
            if line.startswith("attributes #") and "optnone" not in line:
                # (a group left empty would not parse: a string attribute means nothing to LLVM)
                lines[index] = line.replace(" noinline", "").replace("{ }", '{ "sbf-noinline-dropped" }')
    return marked


def lower(ir: str) -> Lowered:
    """Returns ``ir`` with the constructs the BPF backend refuses replaced (see the module docstring)."""
    out: list[str] = []
    counts: dict[str, int] = {}
    helpers: dict[str, str] = {}
    lines = ir.split("\n")
    wide = _inline_wide_functions(lines)
    if wide:
        counts["more than 5 parameters"] = wide
    for line in lines:
        if " sret(" in line:
            line, stripped = _strip_sret(line)
            counts["sret"] = counts.get("sret", 0) + stripped
        if line.startswith(("declare ", "define ")) or "@llvm." not in line and " sdiv " not in line \
                and " srem " not in line:
            out.append(line)
            continue
        match = _MEM.search(line)
        if match and " call " in f" {line}":
            kind = match.group(1)
            args, close = _split_args(line, match.end())
            length = _constant(args[2])
            if length is None or length > INLINE_LIMIT:
                line = f"{line[:match.start()]}@__sbf_{kind}({', '.join(args[:3])}{line[close:]}"
                counts[kind] = counts.get(kind, 0) + 1
                helpers.setdefault(kind, "\n" + _DECLARATIONS[kind] + "\n")
            out.append(line)
            continue
        match = _MULO.search(line)
        if match and " call " in f" {line}":
            sign = match.group(1)
            line = f"{line[:match.start()]}@__sbf_{sign}mulo_i64({line[match.end():]}"
            name = f"{sign}mul.with.overflow.i64"
            counts[name] = counts.get(name, 0) + 1
            helpers.setdefault(name, _UMULO if sign == "u" else _SMULO)
            out.append(line)
            continue
        match = _SDIV.match(line)
        if match and not _power_of_two(match.group("b")):
            op, ty = match.group("op"), match.group("ty")
            line = (f"{match.group('lhs')}call {ty} @__sbf_{op}_{ty}({ty} {match.group('a')}, "
                    f"{ty} {match.group('b')}){match.group('rest')}")
            counts[f"{op} {ty}"] = counts.get(f"{op} {ty}", 0) + 1
            helpers.setdefault(f"{op} {ty}", _signed_division(op, ty))
        out.append(line)
    text = "\n".join(out)
    if helpers:
        text = text.rstrip("\n") + "\n" + "".join(helpers[key] for key in sorted(helpers))
    needs_inlining = wide > 0 or any(not key.startswith("mem") for key in helpers)
    return Lowered(text, needs_inlining, counts)
