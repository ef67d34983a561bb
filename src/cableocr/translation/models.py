"""What a published translation gives: header values, the catalogue title, paragraphs, notes."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from cableocr.models import Frozen


class TranslationKind(StrEnum):
    CABLE = "cable"
    DRAFT = "draft"  # an outgoing draft: Draft Telegram, Drafted: …
    NOT_A_CABLE = "not_a_cable"  # a record of a meeting, a memorandum: listed, never matched


class SourceFormat(StrEnum):
    TEXT = "text"
    MARKDOWN = "markdown"
    HTML = "html"
    PDF = "pdf"


class TranslatorNote(Frozen):
    text: str
    kind: str = Field(description="blacked_out, insertion ([Japanese]) or note")
    paragraph: int | None = None


class EnglishParagraph(Frozen):
    index: int
    text: str = Field(description="as published, notes kept in place")
    speaker: str | None = None


class TitleLine(Frozen):
    """The catalogue's title, `Cable No. 5516, Ambassador Hatano to the Foreign Minister, 'Subject'`:
    a second source of the number, the sender and the subject."""

    text: str
    number: str | None = None
    sender: str | None = None
    addressee: str | None = None
    subject: str | None = None


class HeaderDisagreement(Frozen):
    """The catalogue title and the translated form say different things; neither is chosen."""

    field: str = Field(description="number, from or title (the subject)")
    title: str = Field(description="what the catalogue title says")
    body: str = Field(description="what the translated form says")

    def describe(self) -> str:
        return f"the title says {self.field} {self.title!r}, the translation's form {self.body!r}"


class ParsedTranslation(Frozen):
    source: str
    source_format: SourceFormat = SourceFormat.TEXT
    kind: TranslationKind = TranslationKind.CABLE
    header: dict[str, str | None] = Field(description="number, serial, primary, sent, received, to, from, "
                                          "title, classification, precedence, caveats, reference, drafted, "
                                          "transmission_code (space-separated: QQQQQ Q55ID); dates ISO")
    sent_post: str | None = None
    received_office: str | None = None
    paragraphs: list[EnglishParagraph]
    notes: list[TranslatorNote]
    catalogue_title: str | None = None
    title_line: TitleLine | None = None
    from_title: list[str] = Field(default=[], description="header values the form lacked, taken from the title")
    disagreements: list[HeaderDisagreement] = []
    divided: bool = Field(default=False, description="a divided telegram (sent in parts)")

    @property
    def draft(self) -> bool:
        return self.kind is TranslationKind.DRAFT

    @property
    def matchable(self) -> bool:
        return self.kind is not TranslationKind.NOT_A_CABLE

    def numbers(self) -> set[str]:
        """Every number the translation is known by (the form's, and the title's where they differ)."""
        found = {self.header.get("number")} | {d.title for d in self.disagreements if d.field == "number"}
        return {n for n in found if n}
