"""BagIt transfer packages (Library of Congress `bagit`): the scans and everything a run wrote,
with checksums and bag-info, for a preservation system to verify."""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import bagit

from cableocr import __version__
from cableocr.errors import BagError
from cableocr.files import sha256_of

CHECKSUMS = ["sha256", "sha512"]


def _output_files(out: Path) -> tuple[list[Path], list[Path]]:
    """What a run wrote: every regular file under OUT but the page store, caches and
    temporaries; and the links found there, which are never followed (a link may point at any
    file of the machine)."""
    files, links = [], []
    for folder, subfolders, names in os.walk(out):  # os.walk does not descend into linked folders
        here = Path(folder)
        subfolders[:] = sorted(d for d in subfolders if not d.startswith("."))
        links += [here / d for d in subfolders if (here / d).is_symlink()]
        for name in sorted(names):
            path = here / name
            if name.startswith("."):
                continue
            (links if path.is_symlink() else files).append(path)
    return [p for p in files if p.is_file()], links


@dataclass(frozen=True)
class ExportedBag:
    path: Path
    left_out: list[str]  # what was not copied, each with why (a link, a scan no longer there)


def export_bag(out: Path, bag_dir: Path) -> ExportedBag:
    """Copy the batch's scans (as the manifest lists them) and the run's outputs into a new bag.
    Only regular files of the batch and of OUT are copied; a link is left out and said, whatever
    it points at.

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
    left_out = []
    for entry in manifest["files"]:
        source = batch / entry["path"]
        if source.is_symlink():
            left_out.append(f"scan {entry['path']}: a link (to {os.readlink(source)}), not a file of the batch")
        elif not source.is_file():
            left_out.append(f"scan {entry['path']}: no longer in {batch}")
        else:
            _copy(source, bag_dir / "scans" / entry["path"])
    files, links = _output_files(out)
    left_out += [f"output {p.relative_to(out)}: a link (to {os.readlink(p)}), not a file the run wrote"
                 for p in links]
    for path in files:
        _copy(path, bag_dir / "output" / path.relative_to(out))
    bag_info = {
        "Source-Organization": "cableocr user",
        "External-Description": f"Scans of batch {batch.name} and the cableocr output for them",
        "External-Identifier": batch.name,
        "Bag-Software-Agent": f"cableocr {__version__} (bagit {bagit.VERSION})",
        "Source-Batch": str(batch),
        "Cables": str(len(manifest["cables"])),
    }
    bagit.make_bag(str(bag_dir), bag_info=bag_info, checksums=CHECKSUMS)
    return ExportedBag(bag_dir, left_out)


def _copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source, target, follow_symlinks=False)


def verify_bag(bag_dir: Path) -> int:
    """Validate every checksum and the bag's structure; return the number of payload files.

    Raises BagError naming what is wrong, file by file."""
    try:
        bag = bagit.Bag(str(bag_dir))
        bag.validate()
    except bagit.BagValidationError as exc:
        named = _files_that_differ(bag_dir) if "Payload-Oxum" in exc.message else []
        raise BagError(f"{bag_dir} is not a valid bag: {'; '.join(named) or exc}") from exc
    except bagit.BagError as exc:
        raise BagError(f"{bag_dir} is not a valid bag: {exc}") from exc
    return len(list(bag.payload_files()))


def _files_that_differ(bag_dir: Path) -> list[str]:
    """Which payload files are missing, added or changed (bagit's count-and-size check names
    only totals)."""
    bag = bagit.Bag(str(bag_dir))
    listed = {path: hashes.get("sha256") for path, hashes in bag.payload_entries().items()}
    present = set(bag.payload_files())
    said = [f"{path} is listed but missing" for path in sorted(set(listed) - present)]
    said += [f"{path} is not listed in the manifest" for path in sorted(present - set(listed))]
    for path in sorted(set(listed) & present):
        if listed[path] and sha256_of(bag_dir / path) != listed[path]:
            said.append(f"{path} has changed (its sha256 differs)")
    return said
