"""BagIt transfer packages (Library of Congress `bagit`): the scans and everything a run wrote,
with checksums and bag-info, for a preservation system to verify."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import bagit

from cableocr import __version__
from cableocr.errors import CableOcrError

CHECKSUMS = ["sha256", "sha512"]


class BagError(CableOcrError):
    exit_code = 5


def _output_files(out: Path) -> list[Path]:
    """What a run wrote: everything under OUT but the page store and temporary files."""
    return sorted(
        p for p in out.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(out).parts)
    )


def export_bag(out: Path, bag_dir: Path) -> Path:
    """Copy the batch's scans (as the manifest lists them) and the run's outputs into a new bag.

    Raises BagError when OUT holds no run or the bag folder is not empty.
    """
    manifest_path = out / "manifest.json"
    if not manifest_path.is_file():
        raise BagError(f"{out} holds no manifest.json. Run `cableocr run BATCH --out {out}` first")
    if bag_dir.exists() and any(bag_dir.iterdir()):
        raise BagError(f"{bag_dir} is not empty. Choose a new folder for the bag")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    batch = Path(manifest["batch"])
    bag_dir.mkdir(parents=True, exist_ok=True)
    for entry in manifest["files"]:
        source = batch / entry["path"]
        if source.is_file():
            target = bag_dir / "scans" / entry["path"]
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    for path in _output_files(out):
        target = bag_dir / "output" / path.relative_to(out)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
    bag_info = {
        "Source-Organization": "cableocr user",
        "External-Description": f"Scans of batch {batch.name} and the cableocr output for them",
        "External-Identifier": batch.name,
        "Bag-Software-Agent": f"cableocr {__version__} (bagit {bagit.VERSION})",
        "Source-Batch": str(batch),
        "Cables": str(len(manifest["cables"])),
    }
    bagit.make_bag(str(bag_dir), bag_info=bag_info, checksums=CHECKSUMS)
    return bag_dir


def verify_bag(bag_dir: Path) -> int:
    """Validate every checksum and the bag's structure; return the number of payload files.

    Raises BagError naming what is wrong.
    """
    try:
        bag = bagit.Bag(str(bag_dir))
        bag.validate()
    except bagit.BagError as exc:
        raise BagError(f"{bag_dir} is not a valid bag: {exc}") from exc
    return len(list(bag.payload_files()))
