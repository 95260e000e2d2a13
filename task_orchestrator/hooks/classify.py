"""Is a prompt a substantial work request? A fast, deterministic, rule-based answer, in any
of English, German, French, Spanish, Portuguese, Italian, Russian, Chinese, Japanese and
Korean.

Wrongly planning a question costs the user a junk task in their list; missing a work request
only costs the automatic bookkeeping for it (and the mirror still gives the model's own list a
task of its own, hooks/state.py). So the rules lean towards "not work". The structure is the
same in every language; only the words differ, and they are data (data/prompt_words.json, read
on first use):

- too short to be work: fewer than six words, a run of kana, ideographs or Hangul counting one
  word per two characters ("继续", "はい", "yes, do it", "weiter");
- slash and shell commands, memory notes;
- a clause (sentences, and ``;``-separated parts) asks for work when it opens with a work verb
  after any polite opener ("please add", "bitte korrigieren", "peux-tu corriger"), when a
  polite or modal opener comes with a work verb later ("kannst du ... umbauen?"), when a
  second instruction follows "and" or a comma ("find the leak and fix it"), or when it states
  a need ("wir brauchen ...", "il faut ..."); in Chinese, Japanese and Korean, when it holds a
  work verb and is no question (Japanese and Korean also mark the request: して, 주세요);
- a question (a question mark, a question word first) or a request for an explanation is not
  work unless a modal opener makes it a request ("can you fix ...?"), and a description first
  with the instruction after is ("X is slow; add indexes").

tests/hooks/data/prompts_i18n_tuning.jsonl holds the labelled prompts the rules and words were
tuned on; prompts_i18n_heldout.jsonl, written before them and never tuned on, gives the honest
estimate (bench/bench_classify.py prints both). prompts.jsonl and prompts_holdout.jsonl are the
older English-only sets.
"""

from __future__ import annotations

MIN_WORDS = 6  # a work request says what to change and where; fewer words is a follow-up
MAX_SCAN_CHARS = 4_000  # a 10 MB paste is classified on its start; the decision is the same
TITLE_CHARS = 80
WORDS_FILE = "prompt_words.json"  # in task_orchestrator/data: the words, by language

# Not typing.TYPE_CHECKING: docs/ARCHITECTURE.md, "The hook path".
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence


# Two scanners below stand in for the regular expressions they were written as (quoted in
# each): importing re, with the enum module it loads and the compiling of the patterns, costs
# a question's UserPromptSubmit about 3 ms of its 11, on every prompt a user sends
# (docs/ARCHITECTURE.md, "The hook path"). tests/hooks/test_hooks_classify_scan.py checks
# them against those expressions on generated text.
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
    return [piece for piece, _ in _sentences_with_marks(text)]


def _is_cjk(ch: str) -> bool:
    """Kana, CJK ideographs, Hangul: scripts whose words the classifier matches as parts of
    the text (Chinese and Japanese put no spaces between words; Korean glues endings on)."""
    return "\u3040" <= ch <= "\u30ff" or "\u3400" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af"


_TRIM = ",.;:!?¿¡\"'()[]{}<>«»“”„‘’…*`~-—–،、，：；！？（）「」『』"
_CLAUSE_ENDS = ";；。！？!?"


def clauses(text: str) -> list[tuple[str, bool]]:
    """The text's sentences and ``;``-separated clauses, each with whether it ends with a
    question mark. Like :func:`split_sentences`, a dot ends a sentence only when space or
    the end follows it; the full-width marks of Chinese and Japanese end one anywhere."""
    out: list[tuple[str, bool]] = []
    for sentence in _sentences_with_marks(text):
        body, question = sentence
        start = 0
        for i, ch in enumerate(body):
            if ch in _CLAUSE_ENDS:
                if body[start:i].strip():
                    out.append((body[start:i], ch in "?？"))
                start = i + 1
        if body[start:].strip():
            out.append((body[start:], question))
    return out


def _sentences_with_marks(text: str) -> list[tuple[str, bool]]:
    """:func:`split_sentences`, with whether each piece ended in a run holding a "?"."""
    pieces: list[tuple[str, bool]] = []
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
            question = "?" in text[i:j]
            end = j
            while end < n and text[end].isspace():
                end += 1
        elif ch == "\n":
            question = False
            end = i + 1
            while end < n and text[end] == "\n":
                end += 1
        else:
            i += 1
            continue
        pieces.append((text[start:i], question))
        start = i = end
    pieces.append((text[start:], False))
    return pieces


def tokens(text: str) -> list[str]:
    """Lowercased words split at white space, with punctuation trimmed from their ends."""
    return [t for t in (w.strip(_TRIM) for w in text.lower().split()) if t]


def size(text: str) -> float:
    """How many words, in any script: a run of kana, ideographs or Hangul counts one word
    per two characters (about their average word length), anything else per white space."""
    total = 0.0
    for word in text.split():
        cjk = sum(1 for ch in word if _is_cjk(ch))
        total += cjk / 2 if cjk else 1
    return total


class _Lexicon:
    """The words of prompt_words.json, all languages merged: a prompt's language is never
    guessed, since a work verb of one language is rarely a common word of another."""

    def __init__(self, data: dict[str, dict[str, list[str]]]) -> None:
        def merged(key: str, *, spaced: bool = True) -> list[str]:
            langs = [v for k, v in data.items() if (k != "cjk") == spaced and isinstance(v, dict)]
            return [w for lang in langs for w in lang.get(key, [])]

        self.work = frozenset(merged("work"))
        self.info = frozenset(merged("info"))
        self.join = frozenset(merged("and"))
        self.fillers = frozenset(merged("fillers"))
        self.ask = _phrases(merged("ask"))
        self.polite = _phrases(merged("polite"))
        self.modal = _phrases(merged("modal"))
        self.need = _phrases(merged("need"))
        self.cjk_work = tuple(merged("work", spaced=False))
        self.cjk_info = tuple(merged("info", spaced=False))
        self.cjk_ask = tuple(merged("ask", spaced=False))
        self.cjk_request = tuple(merged("request", spaced=False))
        self.cjk_modal = tuple(merged("modal", spaced=False))
        self.cjk_need = tuple(merged("need", spaced=False))


def _phrases(items: Sequence[str]) -> tuple[tuple[str, ...], ...]:
    """Phrases as word tuples, longest first, so that "kannst du bitte" wins over "kannst du"."""
    return tuple(sorted({tuple(tokens(p)) for p in items if tokens(p)}, key=len, reverse=True))


_lexicon: _Lexicon | None = None


def lexicon() -> _Lexicon:
    """The words, read on first use: a slash command or a short follow-up never reads them."""
    global _lexicon
    if _lexicon is None:
        import os

        from ..core import fastjson

        path = os.path.join(os.path.dirname(os.path.dirname(__file__)), "data", WORDS_FILE)
        with open(path, "rb") as fh:
            _lexicon = _Lexicon(fastjson.loads(fh.read()))
    return _lexicon


def _starts_with(words: list[str], phrases: tuple[tuple[str, ...], ...]) -> int:
    """How many words of a phrase in ``phrases`` open ``words`` (0: none does)."""
    for phrase in phrases:
        if tuple(words[: len(phrase)]) == phrase:
            return len(phrase)
    return 0


def _strip_openers(words: list[str], lex: _Lexicon) -> tuple[list[str], bool, bool]:
    """Drop fillers ("ok, now ...") and polite openers; say whether a polite one was seen,
    and whether one of them was a modal ("can you", "kannst du"), which makes a question a
    request."""
    polite = modal = False
    while words:
        if words[0] in lex.fillers:
            words = words[1:]
            continue
        n = _starts_with(words, lex.polite)
        if not n:
            break
        modal = modal or bool(_starts_with(words, lex.modal))
        words, polite = words[n:], True
    return words, polite, modal


class Verdict:
    __slots__ = ("is_work", "reason")

    def __init__(self, is_work: bool, reason: str) -> None:
        self.is_work = is_work
        self.reason = reason

    def __repr__(self) -> str:
        return f"Verdict({self.is_work}, {self.reason!r})"


def _clause_verdict(clause: str, question: bool, lex: _Lexicon) -> str:
    """Why one clause asks for work, or "" when it does not."""
    if any(_is_cjk(ch) for ch in clause):
        found = _cjk_verdict(clause, question, lex)
        if found:
            return found
    raw = tokens(clause)
    need = _starts_with(raw, lex.need)
    words, polite, modal = _strip_openers(raw, lex)
    if not words or words[0] in lex.info:
        return ""
    first = words[0]
    asks = bool(_starts_with(words, lex.ask)) and first not in lex.work
    if first in lex.work and (polite or not question):
        return "imperative work request"
    if need and not question and len(raw) > need + 2:
        return "a stated need"
    if asks or (question and not modal):
        return ""
    if not question:  # "X drops rows with newlines, make it parse them"
        for part in clause.replace("，", ",").split(",")[1:]:
            rest, _, _ = _strip_openers(tokens(part), lex)
            if len(rest) >= 3 and rest[0] in lex.work:
                return "instruction after a comma"
    # The verb later on: "bitte ... korrigieren", "kannst du ... umbauen?" (with a polite
    # opener), or a second instruction after "and" ("find the leak and fix it").
    if any(word in lex.info for word in words):  # "... and tell me what is outdated"
        return ""
    for i, word in enumerate(words[1:], 1):
        if word in lex.work and (polite or words[i - 1] in lex.join):
            return "work request" if polite else "second instruction"
    return ""


def _cjk_verdict(clause: str, question: bool, lex: _Lexicon) -> str:
    """Chinese, Japanese and Korean: a work verb anywhere, no question; Japanese and Korean
    also mark the request itself (して, ください, 해 주세요), Chinese need not."""
    work_at = min((i for i in (clause.find(w) for w in lex.cjk_work) if i >= 0), default=-1)
    if work_at < 0:
        return ""
    info_at = min((i for i in (clause.find(w) for w in lex.cjk_info) if i >= 0), default=-1)
    if 0 <= info_at <= work_at:
        return ""
    modal = any(w in clause for w in lex.cjk_modal)
    if (question or any(w in clause for w in lex.cjk_ask)) and not modal:
        return ""
    marked = modal or any(w in clause for w in lex.cjk_request + lex.cjk_need)
    chinese = not any("\u3040" <= ch <= "\u30ff" or "\uac00" <= ch <= "\ud7af" for ch in clause)
    return "work request" if marked or chinese else ""


def classify(prompt: str) -> Verdict:
    text = prompt.strip()[:MAX_SCAN_CHARS]
    if not text:
        return Verdict(False, "empty")
    if text[0] in "/!":
        return Verdict(False, "slash command" if text[0] == "/" else "shell command")
    if text[0] == "#" and "\n" not in text:
        return Verdict(False, "memory note")
    if size(text) < MIN_WORDS:
        return Verdict(False, f"fewer than {MIN_WORDS} words")
    lex = lexicon()
    parts = clauses(text)
    reason = _clause_verdict(*parts[0], lex)
    if reason:
        return Verdict(True, reason)
    if count_list_items(text) >= 2:
        return Verdict(True, "a list of things to do")
    # A description first, the instruction after: "X crashes when Y. Please fix it."
    for clause, question in parts[1:]:
        if _clause_verdict(clause, question, lex):
            return Verdict(True, "work request after a description")
    if parts[0][1] or text.endswith(("?", "？")):
        return Verdict(False, "question")
    return Verdict(False, "no work verb")


def title_from(prompt: str) -> str:
    """A task title from the prompt's first line: openers dropped, cut at a word boundary."""
    line = next((ln.strip() for ln in prompt.strip().splitlines() if ln.strip()), "")
    parts = _sentences_with_marks(line)[0][0].strip() or line
    for mark in "。！？":  # these end a sentence with no space after them
        parts = parts.split(mark)[0] or parts
    words = parts.split()
    stripped, _, _ = _strip_openers(tokens(parts), lexicon()) if words else ([], False, False)
    # The openers are whole words at the start: drop as many of the original words.
    dropped = len(tokens(parts)) - len(stripped)
    words = words[dropped:] if stripped and dropped < len(words) else words
    title = " ".join(words).strip(" ,;:.?!，。！？")
    for opener in lexicon().cjk_request:  # "请把 ..." -> "把 ..."
        if title.startswith(opener) and len(title) > len(opener):
            title = title[len(opener) :]
    title = title or "Work request"
    if len(title) > TITLE_CHARS:
        cut = title[: TITLE_CHARS - 3]
        title = (cut.rsplit(" ", 1)[0] if " " in cut else cut).rstrip(" ,;:") + "..."
    return title[0].upper() + title[1:]
