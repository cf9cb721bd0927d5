"""Claims a vendor's page makes about checklist capabilities: text → sentences (with character
offsets) → claims. Pure: no I/O, no HTML (integrations/pages turns a page into the text).

A claim is one sentence that names a capability through its checklist `signals`: its stance is
`supports`, `denies` or `conditional` (with the condition's words), and its quote is exactly
`text[start:end]`. Precision comes first — a wrong `supports` is worse than a missed one — so
a hit is dropped, not guessed, when the sentence is:

- a question ("Does the vendor sign a BAA?"), or the answer to a general question that does
  not speak for the vendor ("What does HIPAA require? End-to-end encryption…");
- advice, law or a disclaimer ("HIPAA requires…", "look for…", "where this page and the BAA
  conflict, the BAA controls");
- about another subject: a named product or company ("WhatsApp offers…", "Google Cloud, which
  is HIPAA-eligible"), other providers or subprocessors, or a table row;
- a heading or a table cell (a heading sets the section's condition instead: "Enterprise
  features").

Otherwise, within the hit's clause (at most `WINDOW_BEFORE` words before it and
`WINDOW_AFTER` after it, stopping at "but", "however", ";" and the like):

- a checklist negation phrase, or a negation word ("not", "no", "never", "n't", "without",
  "declines", "coming soon", "not yet"…) → `denies`; "except", "unless", "other than" after a
  negation turn it into `conditional` ("We do not sign BAAs except on the Enterprise plan");
- "X is not covered by the BAA" about a part of the service → `conditional` (a carve-out,
  the condition names what is excluded);
- a plan, tier, add-on or "where included" condition, or a section heading naming a tier →
  `conditional`;
- else `supports`. A negation wins over a condition (denies before conditional).

A short answer to a question put to the vendor ("Do you sign a BAA? Yes, on the Team plan.")
is a claim about what the question names, quoted from the question to the answer. The rules
in words, with their reasons, are in docs/rules.md ("Claims on vendor pages").
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

WINDOW_BEFORE = 14  # words before the hit, within its clause
WINDOW_AFTER = 8  # words after the hit, within its clause
HEADING_MAX_WORDS = 8  # a line this short without an end mark is a heading
ANSWER_SPAN = 3  # sentences after a general question read as its answer


class Stance(StrEnum):
    SUPPORTS = "supports"
    DENIES = "denies"
    CONDITIONAL = "conditional"


@dataclass(frozen=True)
class Signal:
    """One capability's signals, as the extractor needs them."""

    key: str
    phrases: tuple[str, ...]
    negations: tuple[str, ...] = ()


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    text: str
    kind: str = "sentence"  # sentence | heading | row | item


@dataclass(frozen=True)
class Claim:
    capability: str
    stance: Stance
    quote: str
    start: int
    end: int
    condition: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "capability": self.capability,
            "stance": str(self.stance),
            "condition": self.condition,
            "quote": self.quote,
            "start": self.start,
            "end": self.end,
        }


# --- normalising without moving offsets ---------------------------------------------------

_FOLD = str.maketrans(
    {
        "\u2019": "'",
        "\u2018": "'",
        "\u02bc": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u00a0": " ",
        "\u2009": " ",
        "\u202f": " ",
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
    }
)


def fold(text: str) -> str:
    """Lower case with typographic quotes, dashes and spaces made plain, the same length as
    `text` (a character whose lower case is longer stays as it is), so offsets still hold."""
    folded = text.translate(_FOLD)
    out = folded.lower()
    if len(out) == len(folded):
        return out
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in folded)


# --- sentences ------------------------------------------------------------------------------

_ABBREVIATIONS = {
    "e.g",
    "i.e",
    "etc",
    "inc",
    "ltd",
    "corp",
    "co",
    "vs",
    "mr",
    "ms",
    "dr",
    "st",
    "no",
    "approx",
    "incl",
    "cf",
    "u.s",
    "fig",
}
_END = re.compile(r"[.!?…]+[\"')\]]*(?=\s+|$)")
_LIST_MARK = re.compile(r"^\s*(?:[-*•·◦▪]|\d{1,2}[.)])\s+")
_WORD = re.compile(r"[\w'’-]+")


def sentences(text: str) -> list[Sentence]:
    """Split `text` into sentences with offsets: lines first (a block of the page is a line),
    then at end marks followed by space (not after "e.g.", "Inc." or inside "1.2"). A short
    line without an end mark is a heading, a line with " | " a table row, a line starting
    with a list mark an item."""
    out: list[Sentence] = []
    pos = 0
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        _split_line(body, pos, out)
        pos += len(line)
    return out


def _split_line(line: str, base: int, out: list[Sentence]) -> None:
    stripped = line.strip()
    if not stripped:
        return
    lead = len(line) - len(line.lstrip())
    if " | " in stripped or stripped.startswith("| "):
        out.append(Sentence(base + lead, base + lead + len(stripped), stripped, "row"))
        return
    item = _LIST_MARK.match(line) is not None
    words = _WORD.findall(stripped)
    if not item and len(words) <= HEADING_MAX_WORDS and not re.search(r"[.!?:]\W*$", stripped):
        out.append(Sentence(base + lead, base + lead + len(stripped), stripped, "heading"))
        return
    start = lead
    for m in _END.finditer(line):
        end = m.end()
        before = line[start : m.start()]
        last = before.rsplit(None, 1)[-1].lower().rstrip(".") if before.split() else ""
        if m.group().startswith(".") and (
            last in _ABBREVIATIONS or (len(last) == 1 and last.isalpha())
        ):
            continue
        _add(line, base, start, end, out, "item" if item else "sentence")
        start = end
        item = False
    _add(line, base, start, len(line), out, "item" if item else "sentence")


def _add(line: str, base: int, start: int, end: int, out: list[Sentence], kind: str) -> None:
    piece = line[start:end]
    left = len(piece) - len(piece.lstrip())
    right = len(piece.rstrip())
    if right <= left:
        return
    s, e = base + start + left, base + start + right
    out.append(Sentence(s, e, line[start + left : start + right], kind))


# --- phrases --------------------------------------------------------------------------------

_ARTICLES = {"a", "an", "the"}


@lru_cache(maxsize=4096)
def phrase_pattern(phrase: str) -> re.Pattern[str]:
    """A phrase as a pattern over folded text: words apart by spaces or hyphens, an optional
    article ("sign a baa" matches "sign BAAs", "sign the BAA"), a plural or -ed ending on
    each word, and no match running into a longer word (see `_starts_word` for its start)."""
    words = re.findall(r"[a-z0-9]+(?:[.'][a-z0-9]+)*|[^\sa-z0-9-]", fold(phrase))
    parts: list[str] = []
    for i, w in enumerate(words):
        if w in _ARTICLES and 0 < i < len(words) - 1:
            parts.append(r"(?:(?:a|an|the|our|your)[\s-]+)?")
            continue
        piece = re.escape(w)
        if w[-1].isalpha() and len(w) > 2:
            piece += r"(?:s|es|ed|d)?"
        sep = r"[\s-]*" if i < len(words) - 1 else ""
        parts.append(piece + sep)
    body = "".join(parts)
    # No look-behind at the start: a pattern starting with a literal is searched far faster;
    # the caller checks that a hit starts a word (`_starts_word`).
    return re.compile(body + r"(?![a-z0-9])")


_WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")


def _starts_word(folded: str, at: int) -> bool:
    return at == 0 or folded[at - 1] not in _WORD_CHARS


# --- cues -----------------------------------------------------------------------------------

_NEGATION = re.compile(
    r"(?:n't|(?<![a-z])(?:not|no|never|none|nor|neither|cannot|without|unable|"
    r"declines?|declined|refuses?|refused|unavailable|unsupported|lacks?|"
    r"excluded|excludes|no longer|not yet|coming soon|in progress|on our roadmap|"
    r"planned for|later this year))(?![a-z])"
)
# Words with "no"/"not"/"without" that do not negate what follows.
_NOT_NEGATION = re.compile(
    r"(?<![a-z])(?:no later than|not later than|no more than|no less than|not only|"
    r"no matter|no (?:additional|extra) (?:cost|charge|fee)s?|at no (?:additional |extra )?"
    r"(?:cost|charge)|no exceptions?|without (?:unreasonable|undue) delay|"
    r"without exception|no-cost|not limited to|whether or not)(?![a-z])"
)
_EXCEPTION = re.compile(
    r"(?<![a-z])(?:except(?: for| on| with| in)?|unless|other than|apart from|"
    r"outside of|only (?:on|for|with|in|under))(?![a-z])[^,;]*"
)
_TIER_WORDS = (
    r"(?:enterprise|business|premium|professional|pro|plus|paid|team|teams|"
    r"healthcare|hipaa|advanced|ultimate|scale|corporate|higher)"
)
_CONDITION = re.compile(
    r"(?<![a-z])(?:"
    rf"(?:on|with|for|in|under|to)\s+(?:the\s+|our\s+|a\s+|an\s+|all\s+)?"
    rf"{_TIER_WORDS}[\s-]+(?:plans?|tiers?|editions?|subscriptions?|licen[cs]es?|"
    r"packages?|customers?|accounts?|contracts?|agreements? only|versions?|and above|"
    r"and higher|or higher|or above)(?:\s+(?:and above|and higher|or higher|or above|only))?"
    rf"|{_TIER_WORDS}[\s-]+(?:plans?|tiers?|editions?)(?:\s+(?:and above|and higher|or higher|"
    r"or above|only))?"
    r"|(?:on|with|for|in)\s+(?:select(?:ed)?|eligible|qualifying|certain)\s+[a-z-]+(?:\s+[a-z-]+)?"
    r"|(?:where|if|when|as) (?:included|applicable|available|enabled|purchased|contracted|"
    r"required by (?:your|the) (?:contract|agreement))"
    r"|(?:upon|on|by) (?:request|written request|signing|approval)"
    r"|(?:for|at) an? (?:additional|extra) (?:fee|cost|charge)"
    r"|as an? (?:paid )?add-?on|add-?on"
    r"|contact (?:our )?sales|subject to|provided that|if you (?:purchase|upgrade|buy|sign|"
    r"subscribe|enable|opt)[a-z]*"
    r"|can be (?:enabled|purchased|added)|opt-in|optional(?:ly)?"
    r"|(?:in|on) (?:request|demand)"
    r")(?![a-z])"
)
_HEADING_TIER = re.compile(
    rf"(?<![a-z]){_TIER_WORDS}[\s-]+(?:plans?|tiers?|editions?|features?|only|customers?|"
    r"accounts?|subscriptions?|and above|and higher|add-?ons?)(?![a-z])"
    r"|^\s*(?:enterprise|premium|pro|business|team|paid)\s*(?:plan)?\s*$"
)
_COVERAGE = re.compile(
    r"(?<![a-z])(?:covered by|included in|in (?:the )?scope of|subject to|apply to|"
    r"applies to|part of|eligible for)(?:\s+(?:the|our|a|this))?\s*$"
)
_ADVICE = re.compile(
    r"(?<![a-z])(?:(?:hipaa|the law|the (?:hipaa )?(?:security|privacy|breach notification|"
    r"omnibus|proposed|final) rule|regulations?|hhs|ocr|covered entities)\s+(?:also\s+)?"
    r"(?:requires?|mandates?|says|demands?|expects?|will require|would require|must)|"
    r"hipaa['\u2019]s|(?:rules?|regulations?|laws?|standards?|guidance)\s+(?:ask|asks|call|calls|"
    r"require|requires|demand|demands|say|says)|"
    r"required by (?:law|hipaa|the)|is required|are required|should|look for|"
    r"ask (?:the|your|a|every|each) (?:vendor|provider|app)|make sure|best practices?|"
    r"what to look for|checklist|according to|recommended|you (?:need|must|should)|"
    r"proposed (?:rule|regulation|change)s?|"
    r"(?:conflict|inconsisten)\w*\b.{0,80}(?:controls|governs|prevails|takes precedence|"
    r"supersedes))(?![a-z])"
)
_FIRST_PERSON = re.compile(r"(?<![a-z'])(?:we|we're|we've|we'll|our|ours|us)(?![a-z'])")
_THIRD_PARTY = re.compile(
    r"(?<![a-z])(?:(?:other|many|most|some|several|few|consumer|competing|free|popular|"
    r"typical|generic)\s+(?:apps?|services?|providers?|vendors?|companies|platforms|"
    r"products|tools|messengers?|messaging apps?)|competitors?|third[- ]part(?:y|ies)|"
    r"sub-?processors?|sub-?contractors?|providers?|vendors?|hosting partners?|partners?|"
    r"carriers?|clouds? providers?)(?![a-z])"
)
_QUESTION_START = re.compile(
    r"^(?:does|do|did|will|would|can|could|is|are|was|should|what|how|why|which|who)\b", re.I
)
_TO_VENDOR = re.compile(r"(?<![a-z])(?:you|your|yours)(?![a-z])")
_SUBJECT_VERB = re.compile(
    r"^[\s,]*(?:(?:which|that|who)\s+)?(?:also\s+|only\s+|now\s+)?(?:is|are|was|has|have|"
    r"offers?|provides?|supports?|signs?|uses?|declines?|encrypts?|stores?|hosts?|does|"
    r"doesn't|claims?|says|markets?|advertises?|gives?|lets|will|won't|can|can't|"
    r"processes|handles|holds|sees)(?![a-z])"
)
_CLAUSE_BREAK = re.compile(
    r";|:|\s[-–—]\s|(?<![a-z])(?:but|however|whereas|while|although|though|yet)(?![a-z])|"
    r",\s*(?:and|or|which|so)(?![a-z])|(?<![a-z])and (?:we|our|us|they|it)(?![a-z])"
)
_COMMON_STARTERS = {
    "all", "every", "each", "any", "data", "your", "our", "the", "this", "that", "these",
    "those", "it", "its", "files", "photos", "images", "messages", "backups", "access",
    "sessions", "accounts", "users", "customers", "admins", "administrators", "encryption",
    "keys", "traffic", "connections", "content", "information", "records", "logs", "audit",
    "everything", "storage", "communications", "chats", "calls", "attachments", "devices",
    "passwords", "credentials", "tokens", "servers", "databases", "beta", "new", "existing",
    "both", "patient", "patients", "clinicians", "staff", "teams", "support", "yes", "no",
    "here", "there", "today", "now", "also", "in", "on", "for", "with", "at", "by", "from",
    "as", "if", "when", "where", "once", "after", "before", "since", "because", "to",
    "hipaa", "baa", "baas", "phi", "sso", "mfa", "tls", "e2ee", "single", "multi", "two",
    "role", "automatic", "end", "business", "security", "privacy", "signing", "signed",
}  # fmt: skip
# Capitalised words of the domain, never another subject ("HIPAA requires" is advice, handled
# apart; "AWS signs" is another company).
_DOMAIN_TERMS = {
    "hipaa", "baa", "phi", "ephi", "sso", "mfa", "2fa", "tls", "ssl", "aes", "aes-256", "saml",
    "oidc", "scim", "hsm", "kms", "byok", "rbac", "mdm", "mam", "api", "http", "e2ee", "us",
    "eu", "uk", "soc", "iso", "hitrust", "gdpr", "fips", "it", "id", "faq", "pdf", "sms", "otp",
    "fido2", "business", "associate", "agreement", "single", "sign-on", "multi-factor",
    "authentication", "end-to-end", "encryption", "i",
}  # fmt: skip
_PLAIN_SUBJECTS = {
    "we", "our service", "our services", "our app", "our apps", "our product", "our products",
    "our platform", "the service", "the app", "this service", "this app", "it", "the platform",
}  # fmt: skip


@dataclass(frozen=True)
class _Context:
    section_condition: str | None  # a heading naming a tier
    advice: bool  # under a heading or question that is not the vendor speaking


def find_claims(
    text: str, signals: Sequence[Signal], vendor_names: Iterable[str] = ()
) -> list[Claim]:
    """Every claim `text` makes about the capabilities in `signals`, in text order: at most
    one per (sentence, capability). `vendor_names` are the vendor's and its apps' names (the
    page speaking of itself, not another subject)."""
    names = [fold(n).strip() for n in vendor_names if n and len(n.strip()) >= 3]
    folded = fold(text)
    found = sentences(text)
    hits = _hits(folded, found, signals)
    claims: list[Claim] = []
    section: str | None = None
    section_advice = False
    answer_left = 0  # sentences left in a general question's answer
    asked: int | None = None  # the question just put to the vendor (index), if any
    for i, sent in enumerate(found):
        low = folded[sent.start : sent.end]
        is_question = sent.text.rstrip().endswith("?") or (
            sent.kind == "heading" and _QUESTION_START.match(sent.text.strip()) is not None
        )
        if sent.kind == "heading" and not is_question:
            tier = _HEADING_TIER.search(low)
            section = sent.text.strip() if tier else None
            section_advice = (
                _ADVICE.search(low) is not None
                or _QUESTION_START.match(sent.text.strip()) is not None
            )
            answer_left = 0
            asked = None
            continue
        if is_question:
            general = not (_TO_VENDOR.search(low) or _FIRST_PERSON.search(low)) and not _named(
                low, names
            )
            answer_left = ANSWER_SPAN if general else 0
            if sent.kind == "heading":
                section, section_advice = None, general
            asked = None if general else i
            continue
        in_general_answer = answer_left > 0
        answer_left = max(0, answer_left - 1)
        question, asked = asked, None
        if sent.kind == "row":
            continue
        ctx = _Context(section, section_advice or in_general_answer)
        answered: set[str] = set()
        for key, spans in hits.get(i, {}).items():
            claim = _claim(sent, low, key, spans, names, ctx)
            if claim is not None:
                claims.append(claim)
                answered.add(key)
        if question is not None and question in hits:
            claims.extend(
                _answers(
                    text, found[question], folded, hits[question], sent, low, names, ctx, answered
                )
            )
    return claims


# A short answer: "Yes", "Of course", or an elliptical "We do." / "It is, for every chat."
# ("We are working on it" is no yes.)
_YES = re.compile(
    r"^(?:(?:yes|yep|absolutely|certainly|of course|correct|indeed)(?![a-z'])|"
    r"(?:it is|it does|it will|they are|they do|we do|we will)(?=\s*(?:[,.;:!]|$)))"
)
_NO = re.compile(
    r"^(?:no|nope|not (?:yet|currently|at (?:this|the moment))|it is not|it isn't|it does not|"
    r"it doesn't|it will not|it won't|it cannot|it can't|they are not|they aren't|we do not|"
    r"we don't|we will not|we won't|we cannot|we can't|we are not|we aren't)(?![a-z'])"
)


def _answers(
    text: str,
    question: Sentence,
    folded: str,
    asked: dict[str, list[_Span]],
    answer: Sentence,
    low: str,
    names: list[str],
    ctx: _Context,
    answered: set[str],
) -> list[Claim]:
    """The claims of a short answer to a question put to the vendor ("Do you sign a BAA?
    Yes, on the Enterprise plan."): each capability the question names, read as a statement,
    that the answer does not name itself; "yes" keeps its stance (with the answer's
    condition), "no" denies. The quote runs from the question to the end of the answer."""
    start = answer.text.lstrip(" \"'(")
    yes, no = _YES.match(fold(start)), _NO.match(fold(start))
    if not (yes or no):
        return []
    q_low = folded[question.start : question.end]
    out: list[Claim] = []
    for key, spans in asked.items():
        if key in answered:
            continue
        as_statement = _claim(question, q_low, key, spans, names, _Context(None, False))
        if as_statement is None or as_statement.stance == Stance.DENIES:
            continue  # another subject, advice, or a negated question: no clear claim
        if ctx.advice and not _speaks(low, names):
            continue
        condition = _condition(low, answer.text, ctx) or as_statement.condition
        if no:
            stance = Stance.DENIES
        elif _negated(_first_words(low[yes.end() :] if yes else low, WINDOW_AFTER)):
            continue  # "Yes, but not yet": no clear answer
        else:
            stance = Stance.CONDITIONAL if condition else Stance.SUPPORTS
        quote = text[question.start : answer.end]
        out.append(Claim(key, stance, quote, question.start, answer.end, condition))
    return out


_Span = tuple[int, int, bool]  # start, end (in the sentence), a negation phrase's


def _hits(
    folded: str, found: Sequence[Sentence], signals: Sequence[Signal]
) -> dict[int, dict[str, list[_Span]]]:
    """Each phrase searched once over the whole text, its hits filed by sentence (index) and
    capability, in capability order: one pass per phrase, not per phrase and sentence."""
    starts = [s.start for s in found]
    out: dict[int, dict[str, list[_Span]]] = {}
    for sig in signals:
        for words, is_negation in [(n, True) for n in sig.negations] + [
            (p, False) for p in sig.phrases
        ]:
            if not words.strip():
                continue
            for m in phrase_pattern(words).finditer(folded):
                if not _starts_word(folded, m.start()):
                    continue
                i = bisect_right(starts, m.start()) - 1
                if i < 0 or m.end() > found[i].end:
                    continue
                base = found[i].start
                spans = out.setdefault(i, {}).setdefault(sig.key, [])
                spans.append((m.start() - base, m.end() - base, is_negation))
    return out


def _claim(
    sent: Sentence,
    low: str,
    key: str,
    hits: list[_Span],
    names: list[str],
    ctx: _Context,
) -> Claim | None:
    """The sentence's claim about one capability: each hit (of a negation phrase or a
    phrase) judged on its own; any denial wins, then a condition, then support."""
    # Negation words inside the capability's own phrases ("never saved to the camera roll")
    # negate nothing around them: the windows read the sentence with those phrases blanked.
    masked = low
    for start, end, is_negation in hits:
        if not is_negation:
            masked = masked[:start] + " " * (end - start) + masked[end:]
    judged: list[tuple[Stance, str | None]] = []
    for hit in sorted(hits):
        verdict = _judge(sent, low, masked, hit, names, ctx)
        if verdict is not None:
            judged.append(verdict)
    for stance in (Stance.DENIES, Stance.CONDITIONAL, Stance.SUPPORTS):
        for got, cond in judged:
            if got == stance:
                return Claim(key, stance, sent.text, sent.start, sent.end, cond)
    return None


def _judge(
    sent: Sentence,
    low: str,
    masked: str,
    hit: _Span,
    names: list[str],
    ctx: _Context,
) -> tuple[Stance, str | None] | None:
    start, end, is_negation = hit
    before = low[:start]
    if _ADVICE.search(_strip_safe(low)) and not _speaks(before, names):
        return None
    if (ctx.advice and not _speaks(low, names)) or _other_subject(sent.text, before, names):
        return None
    clause_before, clause_after = _clause(masked, start, end)
    if is_negation:
        # "never stored unencrypted": a negation phrase negated again says nothing clear
        right_before = re.split(r"[,;:.!?()]", clause_before)[-1].split()[-2:]
        if _negated(" ".join(right_before)):
            return None
        negated = True
    else:
        window_before = _last_words(clause_before, WINDOW_BEFORE)
        window_after = _first_words(clause_after, WINDOW_AFTER)
        negated = _negated(window_before) or _negated(window_after)
    condition = _condition(low, sent.text, ctx)
    if negated:
        if _COVERAGE.search(_last_words(clause_before, WINDOW_BEFORE)):
            subject = _carved_subject(sent.text, start)
            if subject:
                return Stance.CONDITIONAL, f"excludes {subject}"
        exception = _EXCEPTION.search(low, start - len(clause_before))
        if exception and exception.start() >= _negation_start(low, clause_before, start):
            return Stance.CONDITIONAL, _words_of(sent.text, exception)
        return Stance.DENIES, condition
    if condition:
        return Stance.CONDITIONAL, condition
    return Stance.SUPPORTS, None


def _strip_safe(low: str) -> str:
    return _NOT_NEGATION.sub(lambda m: " " * len(m.group()), low)


def _negated(window: str) -> bool:
    return _NEGATION.search(_strip_safe(window)) is not None


def _negation_start(low: str, clause_before: str, hit_start: int) -> int:
    base = hit_start - len(clause_before)
    m = _NEGATION.search(_strip_safe(clause_before))
    return base + m.start() if m else hit_start


def _speaks(low: str, names: list[str]) -> bool:
    """The vendor speaking: "we", "our", "us" or its own name."""
    return _FIRST_PERSON.search(low) is not None or _named(low, names)


def _named(low: str, names: list[str]) -> bool:
    """One of the vendor's names, as whole words ("Web" is not in "website")."""
    return any(re.search(rf"(?<![a-z0-9]){re.escape(n)}(?![a-z0-9])", low) for n in names)


def _clause(low: str, start: int, end: int) -> tuple[str, str]:
    """The text of the hit's clause before and after the hit."""
    before = low[:start]
    cut = 0
    for m in _CLAUSE_BREAK.finditer(before):
        cut = m.end()
    after = low[end:]
    m2 = _CLAUSE_BREAK.search(after)
    return before[cut:], after[: m2.start()] if m2 else after


def _last_words(text: str, n: int) -> str:
    words = text.split()
    return " ".join(words[-n:])


def _first_words(text: str, n: int) -> str:
    return " ".join(text.split()[:n])


def _condition(low: str, original: str, ctx: _Context) -> str | None:
    m = _CONDITION.search(low)
    if m:
        return _words_of(original, m)
    return ctx.section_condition


def _words_of(original: str, m: re.Match[str]) -> str:
    return original[m.start() : m.end()].strip(" ,;.")


def _carved_subject(original: str, hit_start: int) -> str | None:
    """The thing a carve-out excludes: the words before "are not covered…", if not "we"."""
    m = re.match(
        r"\s*(.{3,80}?)\s+(?:is|are|will not be|won't be|isn't|aren't)\b", original[:hit_start]
    )
    if not m:
        return None
    subject = m.group(1).strip()
    return None if fold(subject) in _PLAIN_SUBJECTS else subject


_WE = re.compile(r"(?<![a-z'])(?:we|we're|we've|we'll|we'd)(?![a-z'])")
_CLAUSE_START = r"(?:^|[;:,(]\s*|(?<![a-z])(?:and|but|while|whereas|so|that|unlike \S+,?)\s+)\s*"


def _self_subjects(before_low: str, names: list[str]) -> list[int]:
    """Where the vendor is the subject: "we" anywhere; "our …" or its own name starting a
    clause, or its name followed by a verb ("Tessera signs"). Not "us", nor "our" as an
    object's owner ("hosts our servers")."""
    found = [m.start() for m in _WE.finditer(before_low)]
    owners = ["our", *(re.escape(n) for n in names)]
    for owner in owners:
        pattern = rf"{_CLAUSE_START}({owner})(?![a-z])"
        found.extend(m.start(1) for m in re.finditer(pattern, before_low))
    for n in names:
        for m in re.finditer(rf"(?<![a-z]){re.escape(n)}(?:['\u2019]s)?(?![a-z])", before_low):
            if _SUBJECT_VERB.match(before_low[m.end() :]) or before_low[m.end() :].startswith(
                ("'s", "\u2019s")
            ):
                found.append(m.start())
    return found


def _other_subject(original: str, before_low: str, names: list[str]) -> bool:
    """Is the nearest subject before the hit someone else (a named product or company,
    providers, subprocessors) rather than the vendor ("we", "our …", its own name)?"""
    nearest_self = max(_self_subjects(before_low, names), default=-1)
    nearest_other = -1
    for m in _THIRD_PARTY.finditer(before_low):
        nearest_other = max(nearest_other, m.start())
    for at in _named_subjects(original[: len(before_low)], names):
        nearest_other = max(nearest_other, at)
    return nearest_other > nearest_self


_NAME_WORD = r"(?:[A-Z][\w'\u2019-]*|[a-z]+[A-Z][\w'\u2019-]*)"
_NAME = re.compile(rf"(?<![\w'\u2019-])({_NAME_WORD}(?:\s+{_NAME_WORD}){{0,3}})")


def _bare(word: str) -> str:
    """A word without a possessive or plural ending, lower case ("BAAs" → "baa")."""
    w = re.sub(r"['\u2019]s$", "", word.lower())
    return w[:-1] if w.endswith("s") and w[:-1] in _DOMAIN_TERMS else w


def _named_subjects(before: str, names: list[str]) -> list[int]:
    """Where a capitalised name acting as a subject starts ("WhatsApp offers", "Google Cloud,
    which is"): a capitalised word (not an acronym like HIPAA, not sentence-initial common
    words, not the vendor's own name) followed by a verb."""
    found: list[int] = []
    for m in _NAME.finditer(before):
        words = m.group(1).split()
        if all(_bare(w) in _DOMAIN_TERMS for w in words):
            continue
        if _named(fold(m.group(1)), names):
            continue
        initial = before[: m.start()].strip() == ""
        internal_cap = any(any(c.isupper() for c in w[1:]) for w in words)
        if initial and len(words) == 1 and not internal_cap:
            if words[0].lower() in _COMMON_STARTERS:
                continue
        elif initial and words[0].lower() in _COMMON_STARTERS and not internal_cap:
            continue
        possessive = re.search(r"['\u2019]s$", words[-1]) is not None
        if possessive or _SUBJECT_VERB.match(before[m.end() :]):
            found.append(m.start())
    return found
