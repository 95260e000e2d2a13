"""The classifier's scanners give what the regular expressions they replace give (they stand
in for them because importing re, with enum and the compiling of the patterns, costs a
question's UserPromptSubmit hook about 3 ms)."""

from __future__ import annotations

import re

from hypothesis import example, given, settings
from hypothesis import strategies as st

from task_orchestrator.hooks.classify import count_list_items, split_sentences

LIST_ITEM = re.compile(r"^\s*(?:[-*\u2022]|\d+[.)])\s+\S", re.MULTILINE)
SENTENCE_END = re.compile(r"[.!?]+(?:\s+|$)|\n+")

# The characters the expressions care about, often, and anything else now and then.
prompt_text = st.text(
    alphabet=st.one_of(
        st.sampled_from(list("ab zZ09.!?-*\u2022)'_\n\t\r\u2003\u0663\u00e9\u0130")),
        st.characters(),
    ),
    max_size=60,
)


@settings(max_examples=3000, deadline=None)
@given(prompt_text)
@example("Fix the bug in client.py. Then bump 3.10... and test it!\n\n- one\n2) two")
@example("\n\n-  item\n  * other\n3.x\n4. four")
@example("-\nfoo")
@example("İstanbul it's a_b-c --x 'quoted'")
def test_scanners_match_the_expressions(text: str) -> None:
    assert count_list_items(text) == len(LIST_ITEM.findall(text))
    assert split_sentences(text) == SENTENCE_END.split(text)
