"""Published English translations, in whatever form a historian got them, parsed into header
values, the catalogue title, paragraphs and translator's notes."""

from cableocr.translation.models import (
    EnglishParagraph,
    HeaderDisagreement,
    ParsedTranslation,
    SourceFormat,
    TitleLine,
    TranslationKind,
    TranslatorNote,
)
from cableocr.translation.parse import english_date, parse_translation, parse_translation_text
from cableocr.translation.sources import SUFFIXES, read_text_file

__all__ = ["SUFFIXES", "EnglishParagraph", "HeaderDisagreement", "ParsedTranslation", "SourceFormat", "TitleLine",
           "TranslationKind", "TranslatorNote", "english_date", "parse_translation", "parse_translation_text",
           "read_text_file"]
