"""The scan generator: seed cable -> page images (PNG, TIFF, JPEG or one PDF) + ground-truth JSON."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Literal

import numpy as np
from PIL import Image
from pydantic import BaseModel

from cableocr.synth.conditions import Conditions, apply_effects, check, deliver
from cableocr.synth.degrade import LEVELS, Level, degradation_for, degrade
from cableocr.synth.render import DECLASSIFICATION, DrawnPage, render_cable, set_in
from cableocr.synth.seed import CableSpec, parse_seed

__all__ = ["LEVELS", "SAMPLE_BATCH", "Conditions", "Truth", "generate", "load_truth", "parse_seed", "seed_files", "write_sample"]

_REPO = Path(__file__).resolve().parents[3]


def seed_files() -> list[Path]:
    """The seed cables: $CABLEOCR_SEEDS, else ../shared/seeds beside the repository, else the
    copy under tests/resources/seeds."""
    import os

    for folder in (os.environ.get("CABLEOCR_SEEDS"), _REPO.parent / "shared" / "seeds",
                   _REPO / "tests" / "resources" / "seeds"):
        if folder and (files := sorted(Path(folder).glob("*.txt"))):
            return files
    raise FileNotFoundError("no seed cables found; set CABLEOCR_SEEDS to a folder of seed files")

Layout = Literal["horizontal", "vertical"]
ImageFormat = Literal["png", "tiff", "jpeg", "pdf"]


class TruthLine(BaseModel):
    text: str
    role: str
    box: tuple[int, int, int, int]
    writing_mode: Literal["horizontal", "vertical"] | None = None  # None: the page's layout


class TruthPage(BaseModel):
    file: str
    index: int  # page index inside that file
    text: str  # every line drawn on the page, in reading order
    body_text: str
    lines: list[TruthLine]
    redactions: list[tuple[int, int, int, int]]
    redaction_hides: list[str] = []  # what each redaction covers: serial_number, time_sent, body…
    skew_deg: float


class Truth(BaseModel):
    """What the generator drew. Boxes are in the unskewed render's pixels, at the page's dpi."""

    cable_number: str
    seed_name: str
    layout: Layout
    level: Level
    random_seed: int
    pages: list[TruthPage]
    body_text: str
    # Every field as the generator wrote it, in the form cableocr.evaluate compares: strings,
    # lists of items, "redacted", or null where the cable has no such field.
    fields: dict[str, str | list[str] | None]
    era_date: str
    variant: str = "seed"  # seed, or the variant's features (western-year, serial-prefix, …)
    form: str = "copy"  # the telegram form it is drawn on (render.FORMS)
    conditions: Conditions = Conditions()  # typeface, resolution, effects


def _fields(spec: CableSpec, pages: list[DrawnPage]) -> dict[str, str | list[str] | None]:
    def time(value: str | None) -> str | None:
        return "redacted" if spec.time_redacted else value

    separate = re.search(r"別電(\d+)", spec.subject)
    draft = spec.is_draft
    return {
        "cable_number": spec.number or None,
        "date_sent": spec.date_iso,
        "sending_post": "本省" if draft else spec.sending_post,
        "addressee": spec.addressee,
        "sender": spec.sender,
        "classification": spec.classification or None,
        "precedence": spec.precedence or None,
        "subject": spec.subject,
        "serial_number": "redacted" if spec.serial_redacted else spec.serial,
        "primary_bureau": spec.primary_bureau,
        "receiving_office": None if draft else spec.receiving_office,
        "date_received": None if draft else spec.date_received_iso,
        "time_sent": None if draft else time(spec.time_sent),
        "time_received": None if draft else time(spec.time_received),
        "handling": spec.caveat,
        "references": spec.references() or None,
        "separate_telegram": separate.group(1) if separate else None,
        "forwarding": spec.forwarding,  # None for the seeds: their truth is written by hand in tests
        "end_mark": "了" if "（了）" in spec.body_text() else None,
        "declassification": " ".join(DECLASSIFICATION),  # stamped on every page
        "redactions": sorted(f"{i}:{h}" for i, page in enumerate(pages) for h in page.redaction_hides) or None,
        "speakers": spec.speakers() or None,
    }


def _write_images(images: list[Image.Image], out: Path, stem: str, fmt: ImageFormat,
                  dpi: int = 300) -> list[tuple[str, int]]:
    """The pages in fmt. A PDF holds greyscale JPEG pages (as a scanner's PDF does); a 1-bit
    page goes into a TIFF as CCITT group 4."""
    if fmt == "pdf":
        path = out / f"{stem}.pdf"
        images[0].save(path, save_all=True, append_images=images[1:], resolution=float(dpi), quality=75)
        return [(path.name, i) for i in range(len(images))]
    if fmt == "tiff":
        path = out / f"{stem}.tif"
        compression = "group4" if images[0].mode == "1" else "tiff_adobe_deflate"
        images[0].save(path, save_all=True, append_images=images[1:], dpi=(dpi, dpi), compression=compression)
        return [(path.name, i) for i in range(len(images))]
    names = []
    for i, image in enumerate(images):
        path = out / f"{stem}-p{i + 1}.{'jpg' if fmt == 'jpeg' else 'png'}"
        # Quick lossless compression: optimize=True took 30 s a page on a noisy 400-dpi page.
        options = {"quality": 75} if fmt == "jpeg" else {"compress_level": 3}
        (image.convert("L") if fmt == "jpeg" else image).save(path, dpi=(dpi, dpi), **options)
        names.append((path.name, 0))
    return names


def generate(
    seed_file: Path | CableSpec,
    out: Path,
    layout: Layout = "horizontal",
    level: Level = "clean",
    fmt: ImageFormat = "png",
    random_seed: int = 0,
    stem: str | None = None,
    truth_dir: Path | None = None,
    variant: str = "seed",
    conditions: Conditions | None = None,
) -> Path:
    """Render one cable (a seed file, or a spec such as a variant of one) into out/ under the
    given conditions (typeface, resolution, effects; default: IPA Mincho at 300 dpi); write its
    truth JSON into truth_dir (default out/truth).

    The truth goes to a sub-folder because a batch folder's own files are all read as scans.
    """
    conditions = conditions or Conditions()
    check(conditions)
    spec = seed_file if isinstance(seed_file, CableSpec) else parse_seed(seed_file)
    stem = stem or f"{spec.number}-{layout}-{level}"
    rng = np.random.default_rng(random_seed)
    with set_in(conditions.typeface):
        drawn = render_cable(spec, vertical=layout == "vertical")
    degradations = [degradation_for(level, rng) for _ in drawn]
    delivered = [
        deliver(apply_effects(degrade(np.asarray(page.image), d, rng), conditions.effects, rng), conditions)
        for page, d in zip(drawn, degradations, strict=True)
    ]
    images = [Image.fromarray(image).convert("1") if conditions.bilevel else Image.fromarray(image)
              for image, _ in delivered]
    out.mkdir(parents=True, exist_ok=True)
    names = _write_images(images, out, stem, fmt, conditions.dpi)
    scale = delivered[0][1]
    pages = [
        _truth_page(page, name, index, d.skew_deg, scale)
        for page, (name, index), d in zip(drawn, names, degradations, strict=True)
    ]
    truth = Truth(
        cable_number=spec.number,
        seed_name=spec.seed_name,
        layout=layout,
        level=level,
        random_seed=random_seed,
        pages=pages,
        body_text=spec.body_text(),
        fields=_fields(spec, drawn),
        era_date=spec.era_date,
        variant=variant,
        form=spec.form,
        conditions=conditions,
    )
    truth_dir = truth_dir or out / "truth"
    truth_dir.mkdir(parents=True, exist_ok=True)
    path = truth_dir / f"{stem}.truth.json"
    path.write_text(truth.model_dump_json(indent=2), encoding="utf-8")
    return path


def drawn_truth(spec: CableSpec, layout: Layout = "horizontal", variant: str = "seed") -> Truth:
    """The truth of a cable as drawn, without degrading or writing its pages: what the rules are
    tested on apart from OCR (evaluate.pages_as_drawn)."""
    drawn = render_cable(spec, vertical=layout == "vertical")
    stem = spec.number or "unnumbered"
    return Truth(cable_number=spec.number, seed_name=spec.seed_name, layout=layout, level="clean", random_seed=0,
                 pages=[_truth_page(page, f"{stem}-p{i + 1}.png", 0, 0.0) for i, page in enumerate(drawn)],
                 body_text=spec.body_text(), fields=_fields(spec, drawn), era_date=spec.era_date, variant=variant,
                 form=spec.form)


def _scaled(box: tuple[int, int, int, int], scale: float) -> tuple[int, int, int, int]:
    x0, y0, x1, y1 = box
    return (round(x0 * scale), round(y0 * scale), round(x1 * scale), round(y1 * scale))


def _truth_page(page: DrawnPage, name: str, index: int, skew: float, scale: float = 1.0) -> TruthPage:
    lines = [TruthLine(text=ln.text, role=ln.role, box=_scaled(ln.box, scale), writing_mode=ln.writing_mode)
             for ln in page.lines]
    return TruthPage(
        file=name,
        index=index,
        text="\n".join(ln.text for ln in lines),
        body_text="\n".join(ln.text for ln in lines if ln.role == "body"),
        lines=lines,
        redactions=[_scaled(box, scale) for box in page.redactions],
        redaction_hides=page.redaction_hides,
        skew_deg=skew,
    )


def load_truth(path: Path) -> Truth:
    return Truth.model_validate(json.loads(path.read_text(encoding="utf-8")))


# The committed sample batch (scans/): both seed cables, one as a PDF and one as page images,
# plus a vertical rendering. (seed file prefix, layout, level, format, random seed, file stem)
SAMPLE_BATCH = [
    ("000", "horizontal", "medium", "pdf", 11, "cable-5515-scan"),
    ("004", "horizontal", "medium", "jpeg", 12, "cable-5517-scan"),
    ("004", "vertical", "medium", "jpeg", 13, "cable-5517-vertical"),
]


def write_sample(out: Path) -> list[Path]:
    """Write the sample batch into out (truth into out/truth); return the truth files."""
    seeds = {p.name[:3]: p for p in seed_files()}
    return [
        generate(seeds[prefix], out, layout, level, fmt, seed, stem=stem, truth_dir=out / "truth")
        for prefix, layout, level, fmt, seed, stem in SAMPLE_BATCH
    ]


def write_eval_batch(out: Path, count: int, random_seed: int = 0) -> list[Path]:
    """count cables for evaluation into out (truth into out/truth): first both seeds as they are
    in every layout and degradation level, then variants of them (cableocr.synth.vary).
    Deterministic for (count, random_seed); a cable already written is not written again."""
    from cableocr.synth.vary import vary

    specs = [parse_seed(p) for p in seed_files()]
    combos = [(layout, level) for level in LEVELS for layout in ("horizontal", "vertical")]
    paths = []
    for i in range(count):
        stem = f"eval-{i:04d}"
        truth_path = out / "truth" / f"{stem}.truth.json"
        if not truth_path.exists():
            layout, level = combos[(i // len(specs)) % len(combos)]
            spec, variant = specs[i % len(specs)], "seed"
            conditions = Conditions()
            if i >= len(specs) * len(combos):
                rng = np.random.default_rng([random_seed, i])
                spec, variant = vary(spec, rng)
                conditions = eval_conditions(rng)
            generate(spec, out, layout, level, "png", random_seed * 100_000 + i, stem=stem,
                     truth_dir=out / "truth", variant=variant, conditions=conditions)
        paths.append(truth_path)
    return paths


# The typeface and effect no fit may see (bench/versus_plain.py holds out the same two): eval
# reports the cables made with them apart.
HELD_OUT_TYPEFACE = "ipaex-gothic"
HELD_OUT_EFFECT = "show_through"


def eval_conditions(rng: np.random.Generator) -> Conditions:
    """How an evaluation variant is made: any typeface, 200 to 400 dpi, and one in four with a
    photocopy effect or a mark."""
    from cableocr.synth.render import TYPEFACES

    typeface = str(rng.choice(list(TYPEFACES)))
    dpi = int(rng.choice([200, 300, 300, 400]))
    effects = (str(rng.choice(["faded", "streaks", "show_through", "date_stamp", "margin_marks"])),) \
        if rng.random() < 0.25 else ()
    return Conditions(typeface=typeface, dpi=dpi, effects=effects)


def held_out_conditions(truth: Truth) -> bool:
    """Whether a cable was made with the typeface or effect held out of fitting."""
    return truth.conditions.typeface == HELD_OUT_TYPEFACE or HELD_OUT_EFFECT in truth.conditions.effects
