"""One text sanitiser for everything read from outside: documents, titles, sources, ids.

Text that reaches divergence from files, stdin or Python may hold what no later stage
can handle: lone UTF-16 surrogates (a JSON ``"\\ud800"`` escape) cannot be encoded to UTF-8,
so printing, hashing or storing them crashes; NULs and other control characters break
terminals, CSV and SQLite; and the Unicode line separators split text in some tools and not
in others. :func:`clean_text` makes every such string safe once, where documents are made.
"""

from __future__ import annotations

import re

__all__ = ["clean_text", "is_blank"]

#: Characters ``str.splitlines`` breaks on besides ``\n``; each becomes one ``\n`` so that
#: sentence splitting, JSONL writing and every other tool see the same lines.
_LINE_BREAKS = {
    "\r": "\n",  # old Mac line ends (``\r\n`` is folded first)
    "\x0b": "\n",  # vertical tab
    "\x0c": "\n",  # form feed: a page break
    "\x1c": "\n",  # file, group and record separators
    "\x1d": "\n",
    "\x1e": "\n",
    "\x85": "\n",  # NEL, next line
    "\u2028": "\n",  # line separator
    "\u2029": "\n\n",  # paragraph separator: a paragraph break, as in plain text
}
#: Control characters that are not whitespace are dropped (NUL, escape, backspace, C1 ...);
#: the unit separator is whitespace to Python but means nothing in prose, so it becomes a space.
_TABLE: dict[int, str | None] = {
    **{c: None for c in range(0x20) if chr(c) not in "\t\n"},
    0x1F: " ",
    0x7F: None,
    **{c: None for c in range(0x80, 0xA0)},
    **{ord(k): v for k, v in _LINE_BREAKS.items()},
}
_SURROGATE = re.compile("[\ud800-\udfff]")
_SUSPECT = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
#: Characters that print nothing: whitespace, the control characters clean_text drops, and
#: format characters (zero-width space and joiners, word joiner, byte order mark, soft
#: hyphen, bidirectional marks, Hangul fillers).
_VISIBLE = re.compile(
    r"[^\s\x00-\x1f\x7f-\x9f\u00ad\u034f\u061c\u115f\u1160\u180e\u200b-\u200f"
    r"\u202a-\u202e\u2060-\u206f\u3164\ufeff\uffa0]"
)


def clean_text(text: str) -> str:
    """``text`` safe to print, encode, hash and store; unchanged when it already is.

    Lone surrogates become U+FFFD (a valid surrogate pair left as two code points is
    joined into its character), ``\\r\\n`` and the other line separators become ``\\n``,
    and control characters other than tab and newline are removed.

    >>> clean_text("talks\\x00 stalled\\r\\nin Cairo\\u2028today \\ud800")
    'talks stalled\\nin Cairo\\ntoday \\ufffd'
    """
    if not _SUSPECT.search(text):  # the common case: nothing to do, no copy
        return text
    if _SURROGATE.search(text):
        # Round-tripping through UTF-16 pairs up what can be paired and replaces the rest.
        text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return text.replace("\r\n", "\n").translate(_TABLE)


def is_blank(text: str) -> bool:
    """Whether ``text`` shows nothing, before or after :func:`clean_text`: only whitespace,
    control characters and zero-width or format characters.

    >>> is_blank(" \\u200b\\ufeff\\n"), is_blank("\\u200bx")
    (True, False)
    """
    return _VISIBLE.search(text) is None
