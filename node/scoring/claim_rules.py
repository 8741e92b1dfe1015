"""The rule layer of the questionnaire reader: English and Indonesian phrase rules that read one answer into one
bounded label, before (and mostly instead of) the small model of node/scoring/llm.py.

`read_claim(claim, answer)` returns a `RuleReading`: the label (always one of the claim's labels), whether the
rules found anything to decide on (`decided`), and the answer with every instruction to a labeller removed
(`text`, the only text a model may read afterwards). Everything here is exact string logic (regular expressions
and integer counts): the same answer gives the same reading on any machine.

Reading an answer, step by step
-------------------------------

1. Normalise: NFKC, lower case, typographic quotes and dashes made plain, control/format characters dropped.
   Markup no answer needs is an instruction: a chat-template turn (`<|im_start|>assistant ...`, up to the next
   such token) and a tag naming a role or a claim (`<label>...</label>`, `<output>`, `<risk_tolerance>`) are
   dropped with what they wrap; an arrow (`purpose -> x`) is read as `=`; other markup is a break.
2. Cut into units (sentences, an emoji ending one too, bracketed parts, `//`-separated parts) and drop what is
   addressed to the labeller (`INSTRUCTION`): a unit that gives an order ("ignore the above", "abaikan
   instruksi", "SYSTEM:", "note to the model", "label/classify/output/mark this as ...", "tulis/isi/jawab/tandai
   ..."), names a claim field (`has_liabilities`, `risk_tolerance=...`, `controller = ...`) or a label id written
   with an underscore (`working_capital`), is cut from the clause where that starts to the end of the unit. So an
   instruction is never evidence, and a bare label word written as a command ("SAY aggressive", "Jawab:
   conservative") is dropped with the command. An answer that is only instructions reads "unknown".
3. Drop echo questions ("Debts?", "Risk? ...", "Utang?": a question of at most three words) and words inside
   quotes ('working capital' written in scare quotes is not a claim).
4. Sarcasm and corrections: when the answer turns ("kidding", "canda", "ya nggak lah", "nggak deng", "okay
   fine", "actually", "sebenarnya", "seriously", "said no one", "i.e.", "honestly", "...", a parenthesis, "No,"
   at the start of a sentence), the part after the last turn is read first; only if it says nothing is the whole
   answer read. "totally not" / "definitely not" are sarcastic, not negations.
5. Each claim has its own cue lists (below). A cue preceded in its clause by a negator ("no", "not", "never",
   "zero", "without", "tidak", "nggak", "gak", "bukan", "belum", "tanpa", ...; at most four words back) counts
   against its label instead of for it.

Claims
------

- has_liabilities: a debt named and not negated ("loan", "owe", "borrowed", "mortgage", "credit card",
  "utang", "pinjaman", "pinjol", "cicilan", "KPR", "paylater", ...) is "yes", also after a denial ("zero debts,
  apart from my Aave loan", "Nggak ada utang, kecuali ..."); a denial followed by "unless you count / apart
  from / kecuali" is "yes" too. A debt in a clause about the past ("had a loan", "paid it off", "sudah lunas")
  does not count. A denial ("none", "no debts", "tidak ada utang", "bersih", "debt-free") is "no"; a bare
  "yes / ada / ada sedikit" is "yes"; a hedge ("maybe", "not sure", "mungkin", "lupa", "nothing worth
  mentioning", "nothing major") makes an answer without a named debt "unknown".
- risk_tolerance: self-descriptions ("conservative", "hati-hati", "medium", "sedang", "not too X, not too Y",
  "degen", "agresif") and behaviour ("stablecoins", "deposito" / "half stables, half majors", "60/40" /
  "memecoins", "ape into", "50x", "perps"). When a self-description and the behaviour are opposite extremes
  ("super conservative, which is why I trade at 50x"; "sangat agresif ... naruh semua di deposito"), the
  behaviour wins; otherwise the self-description, then the behaviour.
- controller: a multisig / N-of-M / Safe / "my wife and I" is "shared_treasury" (before a company or fund
  named with it); a company, fund, DAO, cooperative, foundation, PT, CV, yayasan is "organization"; "just me",
  "my own wallet", "saya sendiri", "sole owner", "single-sig" is "individual". "mostly me, sometimes others" is
  "unknown".
- purpose: each label counts its cues (repaying or refinancing a debt; leverage, margin, perps, longs/shorts,
  Nx; yield, farming, staking, LP, pools, APY; payroll, stock, suppliers, inventory, a shop or business;
  rent, tuition, medical bills, a car, a holiday, household); a negated cue counts minus one; the highest count
  wins, ties in the order refinancing, leverage_trading, yield_farming, working_capital, personal.

Nothing found (no cue, no hedge, no instruction) leaves `decided` False: the caller may ask the model.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

UNKNOWN = "unknown"
MAX_CHARS = 1_000

# -- text preparation --------------------------------------------------------------------------------------------

_DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})
_PLAIN = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": " - ",
                        "\u2014": " - ", "\u2026": "...", "\t": " "})
_MARKUP = re.compile(r"<\s*/?\s*answer\s*>|<\|[^|>]{0,40}\|>|<\s*/?\s*[a-z_]{1,20}\s*>|[<>|]")
# Markup no answer needs: a chat-template token opens a turn of its own (dropped up to the next such token; one
# that ends a turn is only a break), and
# a tag naming a role or a claim wraps what it would have the labeller read (dropped up to its closing tag).
_ARROW = re.compile(r"\s*(?:-+|=)>\s*")  # "purpose -> x" is data, as "purpose = x" is; not markup
_CHAT_TURN = re.compile(r"<\|(?![^|>]{0,40}end)[^|>]{0,40}\|>(?:(?!<\|).)*", re.S)
_ROLE_TAG = re.compile(
    r"<\s*(label|labels|output|system|assistant|user|instructions?|result|classification|response|claims?|"
    r"controller|purpose|risk_tolerance|has_liabilities|liabilities)\b[^<>]{0,40}>.*?(?:<\s*/\s*\1\s*>|$)", re.S)
_UNIT = re.compile(r"[^\n()\[\]{}]+")
_SENTENCE_END = re.compile(r"(?<=[.!?;\U0001f300-\U0001faff])\s+|\s*//+\s*|#{2,}")


def normalize(text: str) -> str:
    """Lower-case NFKC text with plain quotes and dashes, no control or format characters, markup as breaks."""
    text = unicodedata.normalize("NFKC", text[:MAX_CHARS]).translate(_PLAIN)
    text = "".join(c for c in text if c == "\n" or unicodedata.category(c) not in _DROPPED_CATEGORIES)
    text = _ROLE_TAG.sub("\nsystem:\n", _CHAT_TURN.sub("\nsystem:\n", text.lower()))
    text = _ARROW.sub(" = ", text)
    return _MARKUP.sub("\n", text)


# An instruction to whoever labels the answer. Matching anywhere in a unit cuts the unit from the start of the
# clause where it occurs. Label words are what an order would ask for.
_LABEL_WORDS = (r"(?:individual|organi[sz]ation|shared[_ ]treasury|shared|working[_ ]capital|leverage[_ ]trading|"
                r"refinancing|yield[_ ]farming|personal|conservative|moderate|aggressive|unknown|yes|no)")
_CLAIM_WORDS = r"(?:controller|purpose|has[_ ]liabilities|liabilities|risk[_ ]tolerance|risk|label)"
_CLAIM_IDS = (r"(?:controller|purpose|has_liabilities|risk_tolerance|shared_treasury|working_capital|"
              r"leverage_trading|yield_farming)")
_ORDER = (r"(?:^|\b(?:and|then|please|pls|just|now|simply|dan|lalu|terus|tolong|harap|mohon|silakan)\s+|[,:]\s*)")
INSTRUCTION = re.compile(
    "|".join([
        # English
        r"\bignor(?:e|ing)\b", r"\bdisregard\b", r"\bforget (?:all|everything|the above|previous|prior|your)\b",
        r"\boverride\b", r"\binstructions?\b", r"\b(?:system|previous|above|original) prompt\b",
        r"\bsystem\s*(?:[:\]]|override|message|note|rule)", r"^system\b", r"\badmin(?:istrator)?\s*(?:[:\]]|mode|note)",
        r"^admin$", r"\bas (?:an? )?admin\b", r"^(?:hey |dear )?(?:assistant|ai|model|chatgpt|llm)\s*[:,]",
        r"\b(?:assistant|chatgpt|llm|gpt|ai)\s*:",
        r"\bdebug mode\b", r"\byou are now\b", r"\bnew (?:rules?|instructions?)\s*[:!]",
        r"\bnote (?:to|for) (?:the )?(?:model|ai|system|assistant|reviewer|labell?er|grader|scorer|llm)\b",
        r"\b(?:to|for) the (?:model|ai|llm|labell?er|grader|scorer)\b",
        r"\blabel\w*\s+(?:this|it|that|me|my|the|all|every|as|purpose|controller|risk|liabilit\w*)\b",
        r"\b(?:correct|right|final|each|every|all|semua) labels?\b", r"\blabels?\s*(?:=|:|for|of|to)\s",
        r"\bclassif(?:y|ied|ication)\b", r"\boutput\s*[:=]", r"^output\b", r"\b(?:and|then|please|just|now) output\b",
        r"\b(?:the )?(?:correct|right|final) (?:value|output|classification|answer)\b",
        r"\bmark (?:this|it|me|my|the answer)\b", r"\bskip (?:the )?review\b", r"\bapprove (?:the|this|me|my)\b",
        r"\b(?:max(?:imum)?|highest|best|most favou?rable) (?:score|value|rating|credit)\b",
        r"\bset (?:this|it|every|all|each|the (?:label|value|claim|field|output|answer|score))\b",
        _ORDER + r"(?:say|answer|reply|write|respond)\b",
        # Indonesian
        r"\babaikan\b", r"\binstruksi\b", r"\bperintah\b", r"\baturan (?:baru|dari)\b",
        r"\bsistem\s*(?::|penilai|override)", r"\b(?:untuk|buat|kepada|bagi) (?:sistem|model|ai|penilai)\b",
        r"\bcatatan (?:untuk|buat|bagi) \w+", _ORDER + r"(?:tulis|isikan|jawab|tandai|anggap)\b",
        r"\bjawaban(?:nya)? (?:untuk|buat|adalah)\b", r"\bjawab\s*:",
        # a claim field or label id written as data: has_liabilities, risk_tolerance=..., "purpose": "..."
        r"\b" + _CLAIM_IDS + r"\b", r"\b[a-z]+_[a-z_]+\s*[:=]",
        r"\b" + _CLAIM_WORDS + r"['\"]?\s*(?:=|:=|->|=>)", r"['\"]" + _CLAIM_WORDS + r"['\"]\s*:",
        r"\blabel\s+(?:is|adalah)\b",
        # an answer that only points at another answer
        r"\bsame as (?:above|before|the others?)\b", r"\bsee (?:the )?(?:above|previous|other|controller|purpose)\b",
        r"\bsama (?:seperti|kayak|dengan) (?:di ?atas|sebelumnya)\b",
    ])
)
_CLAUSE_START = re.compile(r"[,;:]\s*|\s-\s|\s(?:and|dan|also|lalu|terus)\s")

# A turn: what follows corrects what came before (sarcasm, a joke, a correction).
TURN = re.compile(
    "|".join([
        r"\b(?:just )?kidding\b", r"\bjk\b", r"\b(?:be)?r?canda(?:nya)?\b", r"\bbecanda\b", r"\bbohong\b",
        r"\bya (?:nggak|enggak|ngga|gak|ga|kagak|ndak|engga) (?:lah|dong|deh|kok)\b",
        r"\b(?:nggak|enggak|ngga|gak|ga) (?:deng|kok)\b", r"\b(?:okay|ok|alright|all right),? fine\b",
        r"^fine\b", r"\bactually\b", r"\bsebenernya\b", r"\bsebenarnya\b", r"\baslinya\b", r"\bserius(?:ly)?\b",
        r"\breal answer\b", r"\bsaid no ?one\b", r"\bsaid nobody\b", r"\bi\.e\.?", r"\bhonestly\b",
        r"\bto be honest\b", r"\btbh\b", r"^no,", r"^nah,", r"\.\.\.+", r"\bjokes? aside\b", r"\bin reality\b",
    ])
)
# Sarcasm: the unit says the opposite of what is meant, so a turn comes after it (unless it turns inside).
SARCASM = re.compile(r"^oh\b|^yeah,|^sure\b|^wah\b|^ya (?:jelas|kali)\b|\bobviously\b|\bof course\b|"
                     r"\byeah right\b|\bdefinitely\b|\btotally\b|\bpastinya\b|\btentu(?:nya| saja)?\b|"
                     "\U0001f644|\U0001f643|\U0001f921")
_QUOTED = re.compile(r"(?<![a-z])'[^']{1,40}'(?![a-z])|\"[^\"]{1,40}\"")


@dataclass(frozen=True)
class Prepared:
    """An answer as the rules read it: kept units in order, where each one starts a turn, what was dropped."""

    units: tuple[str, ...]
    tail: tuple[str, ...]
    dropped_instruction: bool


def _cut_instruction(unit: str) -> tuple[str, bool]:
    match = INSTRUCTION.search(unit)
    if match is None:
        return unit, False
    start = 0
    for clause in _CLAUSE_START.finditer(unit, 0, match.start()):
        start = clause.start()
    return unit[:start], True


def prepare(answer: str) -> Prepared:
    """The answer cut into units with instructions, echo questions and quoted words removed, and its tail."""
    text = normalize(answer)
    units: list[str] = []
    turn_unit, turn_at = -1, 0
    dropped = False
    for block in _UNIT.finditer(text):
        bracketed = block.start() > 0 and text[block.start() - 1] in "([{"
        for k, piece in enumerate(_SENTENCE_END.split(block.group())):
            kept, cut = _cut_instruction(piece.strip())
            dropped |= cut
            kept = _QUOTED.sub(" ", kept).strip(" ,;:-")
            if not re.search(r"[a-z0-9]", kept):
                continue
            if kept.endswith("?") and len(kept.split()) <= 3:
                continue
            if bracketed and k == 0 and units:
                turn_unit, turn_at = len(units), 0
            sarcasm = SARCASM.search(kept)
            turns = list(TURN.finditer(kept))
            if turns and (sarcasm is None or turns[-1].start() > sarcasm.start()):
                turn_unit, turn_at = len(units), turns[-1].end()
            elif sarcasm is not None:
                turn_unit, turn_at = len(units), len(kept)
            units.append(kept)
    tail: tuple[str, ...] = ()
    if turn_unit >= 0:
        rest = units[turn_unit][turn_at:].strip(" ,;:-.")
        tail = tuple(([rest] if rest else []) + units[turn_unit + 1:])
    return Prepared(tuple(units), tail, dropped)


# -- matching ----------------------------------------------------------------------------------------------------

_WORD = re.compile(r"[a-z0-9']+")
_NEGATORS = frozenset({
    "no", "not", "never", "zero", "without", "none", "nothing", "nor", "neither", "cannot", "dont", "don't",
    "doesnt", "doesn't", "didnt", "didn't", "havent", "haven't", "hasnt", "hasn't", "isnt", "isn't", "arent",
    "aren't", "wont", "won't", "wasnt", "wasn't", "tidak", "tak", "nggak", "ngga", "gak", "ga", "enggak", "engga",
    "gk", "ndak", "kagak", "bukan", "belum", "tanpa", "nol", "bebas",
})
_SARCASTIC = frozenset({"totally", "definitely", "certainly", "absolutely", "obviously", "surely", "who", "siapa"})
_CLAUSE = re.compile(r"[,;:]|\s-\s|\b(?:but|tapi|namun|apart from|except|kecuali|unless|selain|although|though|"
                     r"if you don't count|if you dont count|which|makanya|jadi|so)\b")


_AFTER_NEGATORS = re.compile(r"^\W*(?:\w+\W+)?(?:nothing|none|zero|nol|free|kosong|nihil|(?:tidak|nggak|gak|ga|enggak|"
                             r"ngga|ndak) ada|no ?one|nobody|not a thing)\b")


def _negated(before: str, after: str = "") -> bool:
    """Whether a cue is negated in its clause: a negator among the four words before it ("no debts", "tidak ada
    utang"; "totally not" is sarcasm, not a negation), or a denial right after it ("owe nothing", "utang gak ada")."""
    clause = _CLAUSE.split(before)[-1]
    words = _WORD.findall(clause)[-5:]
    for i, word in enumerate(words):
        if i >= len(words) - 4 and word in _NEGATORS and not (i > 0 and words[i - 1] in _SARCASTIC):
            return True
    return bool(_AFTER_NEGATORS.match(_CLAUSE.split(after.lstrip(" :"))[0]))


@dataclass(frozen=True)
class Hit:
    unit: int
    at: int
    negated: bool


def _hits(pattern: re.Pattern[str], units: Sequence[str]) -> list[Hit]:
    return [Hit(i, m.start(), _negated(unit[: m.start()], unit[m.end():])) for i, unit in enumerate(units)
            for m in pattern.finditer(unit)]


def _rx(*alternatives: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{a})" for a in alternatives))


def _any(pattern: re.Pattern[str], units: Iterable[str]) -> bool:
    return any(pattern.search(u) for u in units)


def _positive(hits: list[Hit]) -> int:
    return sum(1 for h in hits if not h.negated) - sum(1 for h in hits if h.negated)


# -- has_liabilities ---------------------------------------------------------------------------------------------

DEBT = _rx(
    r"\bloans?\b", r"\bdebts?\b", r"\bowe[sd]?\b", r"\bowing\b", r"\bborrow(?:s|ed|ing)?\b", r"\bmortgages?\b",
    r"\bleas(?:e|es|ing)\b", r"\bcredit[- ]cards?\b", r"\bcredit (?:line|facility)\b", r"\bline of credit\b",
    r"\bpayday\b", r"\bcar payments?\b", r"\binstall?ments?\b", r"\bbnpl\b", r"\bbuy now,? pay later\b",
    r"\boverdraft\b", r"\bvaults?\b", r"\bdrawn\b", r"\bminted\b", r"\bliabilit(?:y|ies)\b", r"\bouts?tanding\b",
    r"\bh?utang\w*", r"\bpinjam\w*", r"\bpinjem\w*", r"\bminjem\w*", r"\bminjam\w*", r"\bmeminjam\w*",
    r"\bpinjol\b", r"\bcicilan\w*", r"\bnyicil\w*", r"\bkredit\b", r"\bkpr\b", r"\bkur\b", r"\bpaylater\b",
    r"\bgadai\w*", r"\bleasing\b", r"\btunggakan\b", r"\bng(?:h)?utang\w*", r"\bpaying (?:off|down|back)\b",
    r"\bstill paying\b", r"\bmasih (?:bayar|nyicil)\b", r"\btanggungan\b",
)
_PAST = _rx(r"\bpaid (?:\w+ )?off\b", r"\brepaid\b", r"\bpaid back\b", r"\bcleared\b", r"\bsettled\b",
            r"\bhad\b(?! to)", r"\bused to\b", r"(?<!belum )\blunas\b", r"\budah lunas\b", r"\bsudah lunas\b")
_EXCEPTION = _rx(r"\bapart from\b", r"\bexcept\b", r"\bunless you count\b", r"\bif you don'?t count\b",
                 r"\bbesides\b", r"\bkecuali\b", r"\bselain\b", r"\beh tapi ada\b", r"\btapi ada\b")
_DENIAL = _rx(
    r"\bnone\b", r"\bnothing\b", r"\bnope\b", r"\bnah\b", r"\bzero\b", r"\bnol\b", r"\bdebt[- ]free\b",
    r"\bfree of debt\b", r"\bbebas (?:h?utang|pinjaman)\b", r"\bbersih\b", r"\bnever\b", r"\bnihil\b",
    r"\ball (?:paid|cleared|settled)\b", r"\bsemua(?:nya)? (?:sudah |udah )?lunas\b", r"\blunas semua\b", r"\bkosong\b",
    r"\bclean\b", r"\bnada\b", r"\bzilch\b", r"\bpaid (?:everything|it all|all of it|them all) off\b",
    r"\bpaid off everything\b", r"\bsudah (?:dibayar|lunas)\b",
    r"^(?:no|tidak|nggak|gak|ga|enggak|ngga|ndak|kagak|belum)(?: (?:ada|punya))?(?: (?:sama sekali|apa-apa))?"
    r"[.!]?$",
    r"^(?:no|tidak ada|nggak ada|gak ada|ga ada|enggak ada|ngga ada|belum ada)\b",
)
_ADMIT = _rx(r"^(?:yes|yep|yeah|yup|ya|iya|iyah|ada|masih)\b", r"\bya ada\b", r"\bada (?:sedikit|dikit|lah|sih|kok)\b",
             r"\b(?:a few|a couple|some) (?:small )?(?:ones?|things)\b", r"\bthere'?s some\b")
_HEDGE = _rx(r"\bmaybe\b", r"\bperhaps\b", r"\bnot sure\b", r"\bunsure\b", r"\bidk\b", r"\bi don'?t know\b",
             r"\bi think\b", r"\bprobably\b", r"\bmungkin\b", r"\blupa\b", r"\bkayaknya\b", r"\bsepertinya\b",
             r"\bentah\b", r"\bgak tau\b", r"\bnggak tau\b", r"\bworth mentioning\b", r"\bnot really\b",
             r"\bnothing (?:big|major|much|serious|significant|important|huge)\b", r"\bnggak seberapa\b")


def _clauses(units: Sequence[str]) -> list[str]:
    out: list[str] = []
    for unit in units:
        start = 0
        for m in _CLAUSE.finditer(unit):
            out.append(unit[start:m.start()])
            start = m.start()
        out.append(unit[start:])
    return [c for c in out if c.strip()]


def read_liabilities(units: Sequence[str]) -> tuple[str, bool]:
    clauses = _clauses(units)
    named = 0
    for clause in clauses:
        if _PAST.search(clause):
            continue
        named += sum(1 for h in _hits(DEBT, [clause]) if not h.negated)
    denied = _any(_DENIAL, units) or any(h.negated for h in _hits(DEBT, clauses))
    hedged = _any(_HEDGE, units)
    if named:
        return "yes", True
    if denied and _any(_EXCEPTION, units):
        return "yes", True
    if hedged:
        return UNKNOWN, True
    if _any(_ADMIT, units):
        return "yes", True
    if denied or any(_PAST.search(c) and DEBT.search(c) for c in clauses):
        return "no", True
    return UNKNOWN, False


# -- risk_tolerance ----------------------------------------------------------------------------------------------

_SAY_CONSERVATIVE = _rx(
    r"\bconservative\b", r"\bkonservatif\w*", r"\bcautious\b", r"\bcareful\b", r"\bplay(?:ing)? (?:it )?safe\b",
    r"\bsafe\b", r"\bsafety first\b", r"\bmain aman\b", r"\baman\w*", r"\bhati[- ]hati\b", r"\brisk[- ]averse\b",
    r"\blow(?:[- ]risk)?\b", r"\bpenakut\b", r"\btakut\b", r"\bboring\b", r"\bnot much\b", r"\bminimal\b",
    r"\bvery little\b", r"\bgak berani\b", r"\brendah\b", r"\bcari aman\b",
    r"\b(?:don'?t|do not|never|rarely) (?:like|take|want|enjoy) (?:much |any )?risks?\b", r"\brisk averse\b",
    r"\b(?:nggak|gak|ga|tidak|enggak) suka (?:risiko|resiko|rugi|ambil risiko)\b",
)
_SAY_MODERATE = _rx(
    r"\bmoderate(?:ly)?\b", r"\bmoderat\b", r"\bmedium\b", r"\bmid\b", r"\bbalanced?\b", r"\bmiddle\b",
    r"\btengah\b", r"\bin between\b", r"\bseimbang\b", r"\bsome risk\b", r"\baverage\b", r"\breasonable\b",
    r"\bwajar\b",
    r"^sedang\b", r"\bsedang[- ]sedang\b", r"\bsedang (?:aja|saja|lah|kok|sih)\b", r"\brisi?ko sedang\b",
    r"\bnot (?:too|that|so) \w+", r"\b(?:nggak|gak|ga|tidak|enggak|ngga) (?:terlalu|begitu) \w+",
    r"\b(?:not|nggak|gak|ga|tidak) all[- ]in\b", r"\bso-so\b",
)
_SAY_AGGRESSIVE = _rx(
    r"\baggressive(?:ly)?\b", r"\bagresif\b", r"\bdegens?\b", r"\byolo\b", r"\bhigh(?:[- ]risk)?\b",
    r"\bnekat\b", r"\bberani\b", r"\bon the edge\b", r"\brisk[- ]on\b", r"\bfull send\b", r"\bwild\b",
    r"\bgas terus\b", r"\ball[- ]in\b", r"\bgambl\w*", r"\bwagmi\b", r"\brisky\b", r"\bjudi\b",
    r"\btinggi\b", r"\bgo big\b", r"\bfull port\w*", r"\bmax(?:imum)? risk\b", r"\blove risk\b",
)
_DO_CONSERVATIVE = _rx(r"\bstable\s?coins?\b", r"\bstables?\b", r"\busd[ct]\b", r"\bdeposito\b", r"\bsavings\b",
                       r"\btabungan\b", r"\bemas\b", r"\bgold\b")
_DO_MODERATE = _rx(r"\bhalf\b", r"\bseparuh\b", r"\bsetengah\b", r"\bsebagian\b.*\bsebagian\b", r"\b\d{2}/\d{2}\b",
                   r"\b\d+%.*\b\d+%", r"\bsome \w+,? (?:and )?some \w+", r"\bblue[- ]chips?\b", r"\bmajors?\b",
                   r"\bdiversified\b", r"\bmixed?\b", r"\bcampur\b",
                   r"\bbtc (?:and|dan|&|/) ?eth\b", r"\b(?:a )?bit of both\b")
_DO_AGGRESSIVE = _rx(r"\bmeme\s?coins?\b", r"\bmemes?\b", r"\bkoin meme\b", r"\bmicin\b", r"\bap(?:e|es|ed|ing)\b",
                     r"\b(?:[1-9]\d{1,3})x\b", r"\bperps?\b", r"\bfutures\b", r"\baltcoins?\b", r"\bpump\w*",
                     r"\bnew (?:coins?|tokens?|farms?|launch\w*)\b", r"\bkoin baru\b", r"\blaunched\b",
                     r"\bchasing\b", r"\btoken sendiri\b", r"\bleverag\w*", r"\bmargin\b", r"\btrader harian\b",
                     r"\bday[- ]?trad\w*", r"\blikuidasi\b", r"\bliquidat\w*")
_RISK_LEVEL = {"conservative": 0, "moderate": 1, "aggressive": 2}


def _strongest(groups: dict[str, re.Pattern[str]], units: Sequence[str]) -> str | None:
    """The label whose cues are counted most (not negated), ties to the one mentioned last; None if none."""
    best: tuple[int, int, int] | None = None
    label_out: str | None = None
    for label, pattern in groups.items():
        hits = [h for h in _hits(pattern, units) if not h.negated]
        if not hits:
            continue
        key = (len(hits), max(h.unit for h in hits), max(h.at for h in hits if h.unit == max(x.unit for x in hits)))
        if best is None or key > best:
            best, label_out = key, label
    return label_out


def read_risk(units: Sequence[str]) -> tuple[str, bool]:
    said = _strongest({"conservative": _SAY_CONSERVATIVE, "aggressive": _SAY_AGGRESSIVE}, units)
    if _any(_SAY_MODERATE, units):
        said = "moderate"
    done = _strongest({"conservative": _DO_CONSERVATIVE, "aggressive": _DO_AGGRESSIVE}, units)
    if _any(_DO_MODERATE, units) and done != "aggressive":
        done = "moderate"
    if said and done and abs(_RISK_LEVEL[said] - _RISK_LEVEL[done]) == 2:
        return done, True
    if said:
        return said, True
    if done:
        return done, True
    return UNKNOWN, False


# -- controller --------------------------------------------------------------------------------------------------

_PEOPLE = (r"(?:wife|husband|partners?|spouse|brother|sister|sibling|cofounders?|co-founders?|friends?|family|"
           r"dad|mum|mom|father|mother|son|daughter|istri|suami|kakak|adik|abang|teman|temen|sahabat|pacar|"
           r"keluarga|bapak|ibu|orang ?tua|rekan|mitra)")
_SAFE = (r"\bgnosis\b|\bsafe ?(?:multisig|wallet|\{wallet\})\b|\b\d\s*(?:-|/)?\s*(?:of|dari)?\s*-?\s*\d\s+safe\b|"
         r"\b(?:a|our|the|pakai|pake|via|lewat|through a|in a|on a) safe\b(?! deposit| place| spot| side| hands)")
SHARED = _rx(
    r"\bmulti[- ]?sig\w*", r"\b\d+\s*(?:-|/|\s)?\s*(?:of|dari|out of)\s*(?:-|\s)?\s*\d+\b", r"\b\d/\d\b",
    _SAFE,
    r"\bco-?signers?\b", r"\bsigners\b", r"\bjoint(?:ly)?\b", r"\bshared?\b", r"\bbersama\b", r"\bberdua\b",
    r"\bbertiga\b", r"\bberempat\b", r"\bboth of us\b", r"\b(?:all|both) (?:of us )?(?:have|hold) (?:the )?keys\b",
    r"\bdua-duanya\b", r"\b(?:my|our) " + _PEOPLE + r" and i\b", r"\b" + _PEOPLE + r" and i\b",
    r"\b(?:me|saya|aku|gue|gw) (?:and|dan|sama|&) (?:my |our )?" + _PEOPLE,
    r"\bbetween (?:me|us)\b.*\b" + _PEOPLE, r"\bantara saya\b", r"\bfamily (?:wallet|account)\b",
    r"\bdompet keluarga\b", r"\bbareng\w*", r"\barisan\b", r"\bbersama-sama\b",
    r"\b(?:\d+|two|three|four|five|dua|tiga|empat|lima) (?:signatures|tanda ?tangan|sign)\b",
    r"\bsignatures? (?:needed|required)\b",
)
# Words that are strong enough to win over a company named with them (a multisig of a fund is shared).
_SHARED_STRONG = _rx(r"\bmulti[- ]?sig\w*", r"\b\d+\s*(?:-|/|\s)?\s*(?:of|dari|out of)\s*(?:-|\s)?\s*\d+\b",
                     r"\b\d/\d\b", _SAFE, r"\bco-?signers?\b")
ORGANIZATION = _rx(
    r"\bcompany\b", r"\bcorporat\w*", r"\bllc\b", r"\bltd\b", r"\binc\b", r"\bgmbh\b", r"\bpte\b", r"\bpt\b",
    r"\bcv\b", r"\bdao\b", r"\bfund\b", r"\bco-?op(?:erative)?\b", r"\bkoperasi\b", r"\byayasan\b",
    r"\bfoundation\b", r"\bstartup\b", r"\bperusahaan\b", r"\bfirm\b", r"\bentity\b", r"\borgani[sz]ation\b",
    r"\borganisasi\b", r"\blembaga\b", r"\btoken ?holders?\b", r"\bgovernance\b", r"\bcfo\b", r"\bceo\b",
    r"\bfinance team\b", r"\btim (?:finance|keuangan|ops|operasional)\b", r"\bbendahara\b", r"\btreasurer\b",
    r"\bour (?:business|school|church|association|ngo|charity)\b", r"\bassociation\b", r"\bngo\b", r"\bcharity\b",
    r"\bour (?:small |family |own )?(?:business|bisnis|usaha|shop|store|toko)\b", r"\b(?:usaha|toko|bisnis) kami\b",
    r"\bregistered\b", r"\bon behalf of\b", r"\batas nama (?:usaha|perusahaan|pt|cv)\b", r"\bpengurus\b",
    r"\b(?<!shared )treasury\b", r"\bclub\b", r"\bguild\b", r"\bpartnership\b", r"\bemployer\b",
)
INDIVIDUAL = _rx(
    r"\b(?:just|only|simply) me\b", r"^me\b", r"\bme (?:only|alone|myself)\b", r"\bit'?s (?:just )?me\b",
    r"\bmyself\b", r"\bmy (?:own|personal)\b", r"\bmy (?:\w+ )?wallet\b", r"\bi (?:alone )?(?:control|own|hold)\b",
    r"\bindividual\b", r"\bsole (?:owner|signer|controller)\b", r"\bsingle[- ]?(?:sig|owner|signer)\b",
    r"\bsolo\b", r"\bonly one\b", r"\bnobody else\b", r"\bno one else\b", r"\ba guy\b", r"\bone guy\b",
    r"\bpersonal wallet\b", r"\bprivate wallet\b", r"\bit'?s mine\b", r"^mine\b", r"^i do\b",
    r"\bonly (?:signer|owner|person|keyholder)\b", r"\bself[- ]custod\w*", r"\b(?:saya|aku) pemilik\w*",
    r"\bsendirian\b", r"\bsolo\b",
    r"\b(?:saya|aku|gw|gue|gua|ane|sy) (?:sendiri|pribadi|doang|aja|saja|seorang)\b",
    r"\b(?:punya|milik|dompet|wallet) (?:saya|aku|gw|gue|gua|pribadi)\b", r"\bpemilik tunggal\b",
    r"\b(?:cuma|hanya|cuman) (?:saya|aku|gw|gue)\b", r"^(?:saya|aku|gw|gue)\b",
)
_CONTROLLER_HEDGE = _rx(r"\bsometimes (?:others|someone|other people)\b", r"\bkadang (?:orang lain|yang lain)\b",
                        r"\bdepends (?:on )?who\b", r"\bcomplicated\b", r"\btergantung\b")


def read_controller(units: Sequence[str]) -> tuple[str, bool]:
    if _any(_CONTROLLER_HEDGE, units):
        return UNKNOWN, True
    shared = _positive(_hits(SHARED, units)) > 0
    strong = _positive(_hits(_SHARED_STRONG, units)) > 0
    organization = _positive(_hits(ORGANIZATION, units)) > 0
    individual = _positive(_hits(INDIVIDUAL, units)) > 0
    if strong:
        return "shared_treasury", True
    if organization:
        return "organization", True
    if shared:
        return "shared_treasury", True
    if individual:
        return "individual", True
    return UNKNOWN, False


# -- purpose -----------------------------------------------------------------------------------------------------

_DEBT_NOUN = (r"(?:loans?|debts?|borrow\w*|credit[- ]card|mortgage|payday|balance|vault|heloc|h?utang\w*|"
              r"pinjaman\w*|pinjam\w*|pinjem\w*|pinjol|cicilan\w*|kredit|kpr|kur|paylater|tagihan kartu)")
_REPAY = (r"(?:pay(?:ing)?(?: (?:off|back|down))?|repay\w*|settle|clear(?:ing)?|roll(?:ing)?|consolidat\w*|lunas\w*|"
          r"melunasi|nutup|menutup|tutup|bayar|membayar|nyicil|cover(?:ing)?)")
PURPOSE: dict[str, re.Pattern[str]] = {
    "refinancing": _rx(
        r"\bre-?financ\w*", r"\brefi\b", r"\btutup lubang\b", r"\btake ?over (?:kredit|kpr|cicilan)\b",
        r"\brollover\b", r"\bdebt consolidation\b", r"\btake over\b.*\bloan\b",
        r"\b" + _REPAY + r"\b(?:\s+\S+){0,5}?\s+" + _DEBT_NOUN + r"\b",
        r"\b" + _DEBT_NOUN + r"\b(?:\s+\S+){0,3}?\s+(?:at|to|into|with) (?:a )?(?:lower|cheaper|better|fixed)",
    ),
    "leverage_trading": _rx(
        r"\bleverag\w*", r"\bmargin\w*", r"\bperps?\b", r"\bperpetuals?\b", r"\bfutures\b",
        r"\b\d+(?:\.\d+)?x\b", r"\b(?:nge-?)?(?:long|short)(?:s|ing|ed)?\b(?![- ]term| on cash| of| as)",
        r"\btrad(?:e|es|ing|er)\b", r"\bbasis\b", r"\bderivatives?\b", r"\boptions trading\b",
    ),
    "yield_farming": _rx(
        r"\byi?e[il]ds?\b", r"(?<!my )(?<!our )\bfarm(?:s|ing|ed)?\b", r"\bstak(?:e|es|ed|ing)\b",
        r"\brestak\w*", r"\blp(?:s|ing|'s)?\b", r"\bliquidity\b", r"\bpools?\b", r"\bapy\b", r"\bapr\b",
        r"\bvaults?\b", r"\brewards?\b", r"\bairdrops?\b", r"\blending (?:it )?out\b", r"\bearn (?:interest|yield)\b",
        r"\bdeposit(?:ing)? (?:it )?(?:in|into|on)\b", r"\blend(?:ing)? (?:it )?(?:on|in|out|to)\b",
        r"\bpassive income\b", r"\bsuppl(?:y|ying) (?:\S+ ){0,2}(?:to|on|into)\b", r"\bfor (?:the )?interest\b",
        r"\bdelegat\w*", r"\bvalidators?\b", r"\bliquid staking\b",
    ),
    "working_capital": _rx(
        r"\bworking capital\b", r"\bbridg(?:e|ing) (?:capital|financ\w*)\b", r"\bmodal\b", r"\bpayroll\b",
        r"\bsalar(?:y|ies)\b", r"\bwages?\b", r"\bgaji\b", r"\bemployees?\b", r"\bkaryawan\b", r"\bpegawai\b",
        r"\bstaff\b", r"\bworkers?\b", r"\binventory\b", r"\bre-?stock\w*", r"\bstock (?:up|for)\b", r"\bstok\b",
        r"\bsuppl(?:ies|iers?)\b", r"\bpemasok\b", r"\bvendors?\b", r"\bbahan(?: baku)?\b", r"\braw materials?\b",
        r"\bingredients?\b", r"\bpackaging\b", r"\bkemasan\b", r"\bequipment\b", r"\bmachine\w*", r"\bmesin\b",
        r"\boperat(?:ing|ional|ions) (?:costs?|expenses?)\b", r"\boperasional\b", r"\boverhead\b",
        r"\bservers?\b", r"\bcontractors?\b", r"\bcash ?flow\b", r"\bbiz\b", r"\bbusiness\b", r"\bbisnis\b",
        r"\busaha\b", r"\btoko\b", r"\bwarung\b", r"\bshop\b", r"\bstore\b", r"\bstall\b", r"\bkiosk\b",
        r"\bbakery\b", r"\brestaurant\b", r"\bcaf[eé]\b", r"\bsalon\b", r"\bjualan\b", r"\bdagang\w*",
        r"\bfertili[sz]er\b", r"\bpupuk\b", r"\bseeds?\b", r"\bbibit\b", r"\bharvest\b", r"\bpanen\b",
        r"\b(?:pay|paying|bayar) (?:the |our |my )?(?:\w+ )?(?:farmers|growers|producers|pengrajin|petani|tutors|"
        r"teachers|guru|drivers|barista|cooks?|team|tim|crew|staff|builders?|tukang)\b",
        r"\bmarketing\b", r"\biklan\b", r"\bads\b", r"\bhir(?:e|ing)\b", r"\bexpan(?:d|sion|ding)\b",
        r"\bekspansi\b", r"\bproduksi\b", r"\bproduction\b", r"\bbuka cabang\b", r"\bpurchase orders?\b",
        r"\bkulakan\b", r"\bbelanja (?:barang|stok|bahan)\b", r"\bgrosir\b", r"\bwholesale\b", r"\bpreorders?\b",
        r"\bsewa (?:ruko|kios|toko)\b",
    ),
    "personal": _rx(
        r"\brent\b", r"\bgroceries\b", r"\btuition\b", r"\bschool fees?\b", r"\buang (?:kuliah|sekolah|semester)\b",
        r"\bkuliah\b", r"\bspp\b", r"\bbiaya sekolah\b", r"\bmedical\b", r"\bhospital\b", r"\bsurgery\b",
        r"\bdoctor\b", r"\brumah sakit\b", r"\bberobat\b", r"\bpengobatan\b", r"\boperasi\b", r"\bpersalinan\b",
        r"\bbayi\b", r"\bbaby\b", r"\bwedding\b", r"\bnikah\w*", r"\bpernikahan\b", r"\bcar\b", r"\bmobil\b",
        r"\bmotor\b", r"\bholiday\b", r"\bvacation\b", r"\bliburan\b", r"\btravel\b", r"\btrip\b",
        r"\brumah tangga\b", r"\bhousehold\b", r"\bfamily\b", r"\bkeluarga\b", r"\bpribadi\b",
        r"\bpersonal\b", r"\bbills\b", r"\bkos(?:t|an)?\b", r"\blaptop\b", r"\bphone\b(?!-)", r"\bhouse\b",
        r"\bhome\b", r"\brenovat\w*", r"\brumah\b", r"\bliving (?:costs?|expenses)\b", r"\bkebutuhan\b",
        r"\bsehari-hari\b", r"\bbuku\b", r"\bbooks?\b", r"\bfurniture\b", r"\bgift\b", r"\bhadiah\b",
        r"\blebaran\b", r"\bmudik\b", r"\bdp\b", r"\bdown payment\b", r"\bsekolah\b", r"\bemergency\b", r"\blahiran\b",
        r"\bmelahirkan\b", r"\bbraces\b",
        r"\bdental\b", r"\b(?:daughter|son|wife|husband|mother|father|mom|mum|dad|parents)(?:'s)?\b", r"\bistri\b",
        r"\bsuami\b", r"\banak\b", r"\bortu\b", r"\borang ?tua\b",
        r"\bdarurat\b", r"\bfuneral\b", r"\bpemakaman\b", r"\bumr[oa]h\b", r"\bhaji\b", r"\bmotorbike\b", r"\bhp\b",
        r"\bgadget\b", r"\bdentist\b", r"\bdokter\b", r"\bvet\b", r"\bschool\b", r"\bcollege\b", r"\bkids?\b",
        r"\bmoving\b", r"\bpindahan\b", r"\bhonda\b|\btoyota\b",
    ),
}
_PURPOSE_ORDER = ("refinancing", "leverage_trading", "yield_farming", "working_capital", "personal")


def read_purpose(units: Sequence[str]) -> tuple[str, bool]:
    scores = {label: _positive(_hits(PURPOSE[label], units)) for label in _PURPOSE_ORDER}
    if any(_hits(PURPOSE[label], units) for label in _PURPOSE_ORDER):
        best = max(_PURPOSE_ORDER, key=lambda label: (scores[label], -_PURPOSE_ORDER.index(label)))
        if scores[best] > 0:
            return best, True
        return UNKNOWN, True
    return UNKNOWN, False


# -- reading an answer -------------------------------------------------------------------------------------------

READERS = {
    "controller": read_controller,
    "purpose": read_purpose,
    "has_liabilities": read_liabilities,
    "risk_tolerance": read_risk,
}


@dataclass(frozen=True)
class RuleReading:
    """What the rules read from one answer.

    `label` is one of the claim's labels. `decided` is True when the rules found something to go on (a cue, a
    hedge, or an answer that was only instructions); False means the kept text had no cue at all. `text` is the
    answer without what was dropped as instructions or echo questions, units joined by newlines (empty if
    nothing is left).
    """

    label: str
    decided: bool
    text: str


def read_claim(claim: str, answer: str | None) -> RuleReading:
    """Read one claim from its answer with the rules (module docstring)."""
    reader = READERS[claim]
    prepared = prepare(answer or "")
    text = "\n".join(prepared.units)
    if not prepared.units:
        return RuleReading(UNKNOWN, True, "")
    if prepared.tail:
        label, decided = reader(prepared.tail)
        if decided and label != UNKNOWN:
            return RuleReading(label, True, text)
    label, decided = reader(prepared.units)
    return RuleReading(label, decided, text)


__all__ = ["INSTRUCTION", "READERS", "TURN", "UNKNOWN", "Prepared", "RuleReading", "normalize", "prepare",
           "read_claim"]
