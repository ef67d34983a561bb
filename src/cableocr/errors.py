"""One error hierarchy, and the one table of exit codes: every error cableocr expects is a class
here with its exit code; the command line turns it into one line and that code (cli.py), and
the README's table is this table (a test compares them)."""

from __future__ import annotations

# exit code -> (what it means, what to do); 0 and 1 are not errors of this hierarchy
EXIT_CODES: dict[int, tuple[str, str]] = {
    0: ("done: every file read, every output written", "-"),
    1: ("an unexpected error (a fault of cableocr): a traceback is printed",
        "report it with the traceback; outputs written before are whole"),
    2: ("input: a file or page of the batch could not be read (the rest of the batch was done), the "
        "batch folder is missing or holds no file, or the output folder is the batch or holds it",
        "the message and the manifest name the file or folder and why; mend or remove it and run again"),
    3: ("a tool is missing: Tesseract, its Japanese models, poppler or rapidocr",
        "`make deps` installs them; the message names the package"),
    4: ("an OCR engine failed outside the reading of any page (a page the engines fail on is that "
        "page's error, exit 2)", "run again; if it persists, report it with the message"),
    5: ("a bag cannot be made or is not valid", "the message names the file or checksum"),
    6: ("the output folder cannot be written: the disk is full or the folder is read-only",
        "free space or give write access, then run again: the run resumes where it stopped"),
    7: ("fields still wait for review (`cableocr finalise`)", "`cableocr review OUT`, then finalise again"),
    8: ("another cableocr process is writing into the same output folder",
        "wait for it to end, or choose another folder with --out"),
}


class CableOcrError(Exception):
    """An outcome cableocr expects; its message says what happened and what to do."""

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


class EmptyBatch(CableOcrError):
    exit_code = 2
    remedy = "Put the scans (PDF, TIFF, PNG or JPEG) directly in the folder; sub-folders are not read"


class OutputOverBatch(CableOcrError):
    """OUT is the batch folder or holds it: a second run would read the first one's outputs."""

    exit_code = 2


class MissingTool(CableOcrError):
    exit_code = 3


class EngineError(CableOcrError):
    """The OCR engine failed or timed out on one page."""

    exit_code = 4


class BagError(CableOcrError):
    exit_code = 5


class OutputError(CableOcrError):
    """OUT cannot be written: the disk is full, or the folder is read-only."""

    exit_code = 6


class ReviewPending(CableOcrError):
    exit_code = 7


class OutputLocked(CableOcrError):
    """Another cableocr process is writing into the same OUT."""

    exit_code = 8
