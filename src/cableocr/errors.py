"""One error hierarchy; each class carries an exit code and a remedy the user can act on."""

from __future__ import annotations


class CableOcrError(Exception):
    exit_code = 1
    remedy = ""

    def __str__(self) -> str:
        message = super().__str__()
        return f"{message}. {self.remedy}" if self.remedy else message


class InputError(CableOcrError):
    """A file of the batch cannot be read as a scan; the rest of the batch goes on."""

    exit_code = 2


class BatchNotFound(CableOcrError):
    exit_code = 2
    remedy = "Check the path; a batch is a folder of PDF, TIFF, PNG or JPEG files"


class MissingTool(CableOcrError):
    exit_code = 3


class EngineError(CableOcrError):
    """The OCR engine failed or timed out on one page."""

    exit_code = 4
