"""Is a prompt a substantial work request? A fast, deterministic, rule-based answer.

Wrongly planning a question costs the user a junk task in their list; missing a work request
only costs the automatic bookkeeping for it. So the rules lean towards "not work": a prompt is
work only when it reads as an instruction to build, change or fix something (an imperative
work verb, possibly after "please" or "can you"), with enough words to be more than a
one-liner, or when it is a list of such items. Questions, chit-chat, slash commands and short
follow-ups ("run the tests") are never planned. tests/hooks/data/prompts.jsonl holds the
labelled prompts the rules were written against; prompts_holdout.jsonl, written afterwards
and never tuned on, gives the honest estimate.
"""

from __future__ import annotations

MIN_WORDS = 6
MAX_SCAN_CHARS = 4_000  # a 10 MB paste is classified on its start; the decision is the same
TITLE_CHARS = 80


def _words(text: str) -> frozenset[str]:
    """A word list written as text: easier to read and extend than a list of strings."""
    return frozenset(text.split())


WORK_VERBS = _words(
    """
    add build create implement write fix refactor migrate update remove delete rename setup
    configure port convert replace rewrite optimize optimise improve extract split
    integrate upgrade deploy document test make design introduce support handle move clean
    wire generate scaffold bump change debug investigate translate restructure set
    reorganize reorganise enable disable install automate parallelize speed cut drop modify
    adapt extend finish complete patch harden secure validate encrypt containerize
    dockerize package publish release bootstrap prototype draft develop code
    """
)
# Words that open a question (or a request for information rather than for work).
QUESTION_WORDS = _words(
    """
    what why how when where who whom whose which is are was were am do does did can could
    would should will shall may might have has had isn't aren't doesn't don't didn't won't
    wouldn't shouldn't couldn't can't what's how's where's who's why's explain describe
    tell show summarize summarise list compare clarify
    """
)
# Openers that turn "can you add X?" into a request; stripped before looking for the verb.
POLITE = (
    "please",
    "pls",
    "kindly",
    "can you",
    "could you",
    "would you",
    "will you",
    "can we",
    "could we",
    "let's",
    "lets",
    "let us",
    "i need you to",
    "i want you to",
    "i'd like you to",
    "i would like you to",
    "we need to",
    "we should",
    "i need to",
    "i want to",
    "go ahead and",
    "help me",
    "now",
    "also",
    "then",
    "next",
)
FILLERS = _words(
    """
    ok okay yes yeah yep sure alright right great so and hey hi claude
    """
)
# Three scanners below stand in for the regular expressions they were written as (quoted in
# each): importing re, with the enum module it loads and the compiling of the patterns, costs
# a question's UserPromptSubmit about 3 ms of its 11, on every prompt a user sends
# (docs/ARCHITECTURE.md, "The hook path"). tests/hooks/test_hooks_classify_scan.py checks
# them against those expressions on generated text.
_WORD_START = "abcdefghijklmnopqrstuvwxyz0123456789"
_WORD_BYTES = bytes(b if chr(b) in _WORD_START + "'_-" else 32 for b in range(256))


def word_list(lowered: str) -> list[str]:
    """``re.findall(r"[a-z0-9][a-z0-9'_-]*", lowered)``: each run of word characters, from
    its first letter or digit on. Non-ASCII characters become "?" first, a separator."""
    runs = lowered.encode("ascii", "replace").translate(_WORD_BYTES).split()
    return [w.decode("ascii") for w in (r.lstrip(b"'_-") for r in runs) if w]


def count_list_items(text: str) -> int:
    r"""``len(re.findall(r"^\s*(?:[-*\u2022]|\d+[.)])\s+\S", text, re.MULTILINE))``: lines
    that open with a bullet or a number and then some text."""
    count, start, n = 0, 0, len(text)
    while start < n:
        j = start
        while j < n and text[j].isspace():  # like \s*, this may run over blank lines
            j += 1
        k = -1
        if j < n and text[j] in "-*\u2022":
            k = j + 1
        elif j < n and text[j].isdecimal():
            k = j + 1
            while k < n and text[k].isdecimal():
                k += 1
            k = k + 1 if k < n and text[k] in ".)" else -1
        if 0 < k < n and text[k].isspace():
            while k < n and text[k].isspace():
                k += 1
            if k < n:
                count += 1
                j = k + 1
        start = text.find("\n", j) + 1 if j < n else n
        if start == 0:
            break
    return count


def split_sentences(text: str) -> list[str]:
    r"""``re.split(r"[.!?]+(?:\s+|$)|\n+", text)``: a run of . ! ? ends a sentence only when
    space or the end follows (a dot inside "client.py" or "3.10" ends none), and so does a
    run of newlines."""
    pieces: list[str] = []
    start = i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch in ".!?":
            j = i + 1
            while j < n and text[j] in ".!?":
                j += 1
            if j < n and not text[j].isspace():
                i = j
                continue
            end = j
            while end < n and text[end].isspace():
                end += 1
        elif ch == "\n":
            end = i + 1
            while end < n and text[end] == "\n":
                end += 1
        else:
            i += 1
            continue
        pieces.append(text[start:i])
        start = i = end
    pieces.append(text[start:])
    return pieces


class Verdict:
    __slots__ = ("is_work", "reason")

    def __init__(self, is_work: bool, reason: str) -> None:
        self.is_work = is_work
        self.reason = reason

    def __repr__(self) -> str:
        return f"Verdict({self.is_work}, {self.reason!r})"


def _strip_openers(words: list[str]) -> tuple[list[str], bool]:
    """Drop fillers ("ok, now ...") and polite openers; say whether a polite one was seen."""
    polite = False
    changed = True
    while words and changed:
        changed = False
        if words[0] in FILLERS:
            words = words[1:]
            changed = True
            continue
        for opener in POLITE:
            parts = opener.split()
            if words[: len(parts)] == parts:
                words = words[len(parts) :]
                polite = changed = True
                break
    return words, polite


def _imperative(sentence: str) -> tuple[bool, bool]:
    """(starts with a work verb, had a polite opener) for one sentence."""
    words, polite = _strip_openers(word_list(sentence.lower()))
    first = words[0] if words else ""
    # "set up", "clean up", "speed up", "hook up": the verb carries the meaning.
    return first in WORK_VERBS or first == "hook", polite


def classify(prompt: str) -> Verdict:
    text = prompt.strip()[:MAX_SCAN_CHARS]
    if not text:
        return Verdict(False, "empty")
    if text[0] in "/!":
        return Verdict(False, "slash command" if text[0] == "/" else "shell command")
    if text[0] == "#" and "\n" not in text:
        return Verdict(False, "memory note")
    words = word_list(text.lower())
    if len(words) < MIN_WORDS:
        return Verdict(False, f"fewer than {MIN_WORDS} words")
    sentences = [s for s in split_sentences(text) if s.strip()]
    first_is_work, polite = _imperative(sentences[0])
    raw_first = words[0]
    is_question = text.rstrip().endswith("?") or raw_first in QUESTION_WORDS
    if first_is_work and (polite or not is_question):
        return Verdict(True, "imperative work request")
    if count_list_items(text) >= 2:
        return Verdict(True, "a list of things to do")
    # A description first, the instruction after: "X crashes when Y. Please fix it."
    for sentence in sentences[1:]:
        later_is_work, _ = _imperative(sentence)
        if later_is_work and not sentence.rstrip().endswith("?"):
            return Verdict(True, "work request after a description")
    if is_question:
        return Verdict(False, "question")
    return Verdict(False, "no work verb")


def title_from(prompt: str) -> str:
    """A task title from the prompt's first line: openers dropped, cut at a word boundary."""
    line = next((ln.strip() for ln in prompt.strip().splitlines() if ln.strip()), "")
    first = split_sentences(line)[0].strip() or line
    words = first.split()
    lowered = [w.lower().strip(",;:") for w in words]
    stripped, _ = _strip_openers(lowered)
    words = words[len(words) - len(stripped) :] if stripped else words
    title = " ".join(words).strip(" ,;:.?!") or "Work request"
    if len(title) > TITLE_CHARS:
        title = title[: TITLE_CHARS - 3].rsplit(" ", 1)[0].rstrip(" ,;:") + "..."
    return title[0].upper() + title[1:]
