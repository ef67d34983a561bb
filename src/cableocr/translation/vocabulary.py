"""The words and patterns of a published translation: the form's field labels, the number line,
the catalogue title, transmission codes, the marks of classification and precedence, and the
archive's catalogue headings."""

from __future__ import annotations

import re

# The form's "Number:" renders 総番号, the serial; the cable number is the "No. NNNN" line.
FIELD_LABELS = {
    "number": "serial", "serial": "serial", "primary": "primary", "sent": "sent",
    "received": "received", "to": "to", "from": "from", "drafted": "drafted",
}
FIELD_LINE = re.compile(r"^(Number|Serial|Primary|Sent|Received|To|From|Drafted)\s*:\s*(.*)$", re.I)
EN_DATE = re.compile(r"([A-Z][a-z]+)\.?\s*(\d{1,2}),?\s*(\d{4})")
# The number line: the number and its marks only (No. 5515 Secret Top Urgent), never a sentence
# that a wrapped line happens to open with "No. 2014-00539. Translated by …".
NUMBER_LINE = re.compile(r"^No\.?\s*(\d+)(?![\d-])\s*([^.,;:]{0,80})$")
TITLE = re.compile(r"^(?:Cable|Telegram)\s+No\.?\s*(\d+)\b", re.I)
TITLE_PARTS = re.compile(r"^(?:Cable|Telegram)\s+No\.?\s*(?P<number>\d+)\s*,\s*(?P<sender>.+?)\s+to\s+"
                          r"(?P<addressee>.+?)\s*,\s*['‘\"“](?P<subject>.+)['’\"”]\s*$", re.I)
DRAFT_MARK = re.compile(r"^draft\s+telegram\b", re.I)
DIVIDED = re.compile(r"^\(?divided\s+telegram\b.*\)?$", re.I)
# Transmission codes: QQQQQ, Q55ID, YYYYY (one letter five times, or Q and four letters or digits).
CODE = re.compile(r"\b(Q[0-9A-Z]{4}|([A-Z])\2{4})\b")
NOTE = re.compile(r"\[(TN:\s*)?([^\[\]]+)\]")
SPEAKER = re.compile(r"^\(([^()]{1,60})\)\s*(?=\S)")
REFERENCE = re.compile(
    r"^(Outgoing|Incoming|Your|Our)\s+(?:Cable|Telegram)\s+No\.\s*(\d+)(?:\s+Separate\s+Telegram\s+(\d+))?", re.I
)
CLASSIFICATIONS_EN = ("Top Secret", "Secret", "Confidential", "Limited Official Use", "Restricted")
PRECEDENCES_EN = ("Top Urgent", "Urgent (Priority Processing)", "Urgent", "Priority", "Routine")
# The archive's catalogue around the document: headings and what follows them are not the cable.
CATALOGUE_HEADINGS = {
    "citation", "summary", "original language", "contents", "credits", "associated people & organizations",
    "associated people and organizations", "associated places", "associated topics", "associated documents",
    "related documents", "subjects discussed", "rights", "source", "original archive", "original classification",
    "record id", "donors", "funders", "keywords", "share", "download", "print", "document information",
    "source information", "language", "type", "record type", "collection", "collections",
}
TRANSLATION_HEADING = "translation - english"
SENTENCE_END = re.compile(r"[.?!)\]\"”:]$")
# A speaker's turn, a parenthesised remark, or the forwarding line.
STARTS_PARAGRAPH = re.compile(r"^(\((?!End\))[A-Z]|Passed to\b)")


def is_heading(unit: str) -> bool:
    """A catalogue heading (Citation, Associated Places, Rights …) standing alone."""
    return unit.rstrip(":").strip().lower() in CATALOGUE_HEADINGS
