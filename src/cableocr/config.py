"""Settings, one sub-config per stage; unknown keys are refused."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from cableocr.policy import ReviewPolicy, default_policy


class StageConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class IngestConfig(StageConfig):
    dpi: int = 300
    pdf_timeout_s: int = 120


class CleanupConfig(StageConfig):
    # The working scale. Every size below, in cleanup and layout, is in px at this scale: a page
    # whose characters measure working_char_px (imaging.character_size; 35-40 px on the 300-dpi
    # pages all these sizes were measured on) is read as it is, and any other is resampled to it
    # first, so that a size here is a fixed share of a character whatever the resolution (the
    # speck size, 24 px, is 0.65 of a character). Within working_scale_tolerance of it (a ratio)
    # a page is not resampled.
    working_char_px: float = 37.0
    working_scale_tolerance: float = 1.15
    # Detect pages lying sideways or upside down (Tesseract OSD, about 0.5 s a page): where the
    # page read as it lies has more than this share of characters under the re-read confidence.
    fix_orientation: bool = True
    upright_max_weak_share: float = 0.25
    max_skew_deg: float = 5.0
    skew_step_deg: float = 0.25
    # Downscale factor for the skew search: angles are found on a small image, applied to the full one.
    skew_search_scale: float = 0.25
    # Specks: ink blobs this small with no other ink this close are scanner dirt, not text.
    # Measured at 300 dpi on 10.5 pt Mincho: 、 33 px, ・ and ． 32 px, 。 46 px; stay below.
    speck_max_area: int = 24
    speck_clearance: int = 12
    # But on a page of columns (ink-profile ratio at most this, see layout), a speck with a
    # character centred over and under it within this many px is a mark set in its own cell:
    # the half-width full stop, 23 px, set upright after a digit (1.) in a vertical column.
    columns_max_ratio: float = 0.8
    column_mark_reach_px: int = 60
    # Divide the page by its paper (a photocopy's grey, its gradients and dark edges) so that the
    # paper is white everywhere and the engine's global threshold fits the whole page.
    flatten_background: bool = True
    # Binarisation suited to the page. A page strewn with specks (a poor photocopy: more than
    # binarise_above_specks_per_mpx isolated blobs of up to noisy_speck_max_area px per megapixel)
    # is binarised by Sauvola's local threshold and cleared of specks of up to that size; the
    # engine then reads black on white. Other pages stay grey for the engine's own Otsu: a
    # local threshold was measured to break the thin strokes of Mincho on clean pages (horizontal
    # clean 0.35% -> 2.1% CER), while on poor pages it took CER from 16% to 5% (bench/versus_plain.py).
    # Measured on the 30 generated seed pages, per megapixel: clean 0.5-2.2, medium 8.7-16.8,
    # poor 82-154.
    binarise_above_specks_per_mpx: float = 20.0
    # Binarising can hurt a page it was not tuned on (faint strokes broken, a real mark taken for
    # a speck): a binarised page is read as it was before too, and the reading the engines agree
    # on better is kept (pipeline.read_page_checked), the choice recorded in a cleanup_checked step.
    compare_unbinarised: bool = True
    # ...but only where the binarised reading is doubtful (scored under compare_below), and the
    # page as it was wins only scoring compare_margin (a share of the other's score) higher. On 37 binarised generated pages (eval
    # seeds 8 and 11, and faded seed pages) the binarised reading had the lower CER on every one,
    # and comparing on every page chose the worse reading on 4 (scores under 4% apart) at twice
    # the reading time; with these, 6 pages are compared and none chosen wrongly.
    compare_below: float = 0.9
    compare_margin: float = 0.03
    # ...and, whatever its score, a page binarised with fewer specks than this many times
    # binarise_above_specks_per_mpx: the threshold lies in the gap between the generator's medium
    # and poor levels it was fitted on, and near it either reading may be the better. (Seed 37's
    # eval-0148, a medium page with faded blotches, had 31.6 specks and its binarised reading
    # scored 0.91: 13.5% CER binarised, 0.44% as it was.)
    compare_always_under_specks: float = 2.0
    noisy_speck_max_area: int = 80
    noisy_speck_clearance: int = 20
    # ...but for the marks set in the text (imaging.marks_in_columns, marks_in_rows): on a noisy
    # page a 、 alone in its cell (デトロイト）、) is as large as a speck and as far from other ink.
    keep_marks_on_noisy_pages: bool = True
    sauvola_window: int = 51
    sauvola_k: float = 0.2
    # Ink blobs touching the image's border, and long thin ones within this share of the page's
    # short side from it, are scanner or copy edges and are removed.
    edge_band_share: float = 0.03
    # Drum streaks: thin straight lines a copier or scanner draws from edge to edge, across the
    # characters, which both engines were seen to drop (a 3 crossed by one: 昭和53年 read 昭和5年).
    # A straight run of ink (or of a thin line darker than the paper either side of it by
    # streak_min_darkness: a light streak beside dense text) at least streak_min_run_chars
    # character heights long, no wider than streak_max_width_chars, covering streak_min_cover of
    # the page's extent along it and reaching into both of its ends (the outer streak_end_share,
    # covered by half): a form's rules stop at its frame. Measured on generated pages: streaks
    # covered 0.75-1.0, the forms' rules at most 0.71, and none of 50 pages without streaks had
    # one found. Painted out before deskew, while a streak is still straight with the page
    # (about 0.1 s a 300-dpi page).
    remove_streaks: bool = True
    streak_min_run_chars: float = 5.0
    streak_min_darkness: int = 25
    streak_min_cover: float = 0.7
    streak_end_share: float = 0.1
    streak_max_width_chars: float = 0.25
    # Round receipt stamps (a 受付 date stamp over the header: round_stamps): rings of a radius
    # within round_stamp_radius_chars character heights with ink along at least
    # round_stamp_min_coverage of them have their ring and bars erased before binarising. On
    # the generated pages a stamp's ring measured 2.4-3.0 characters in radius and its coverage
    # 1.0; text under a circle found elsewhere covered at most 0.6 of it.
    erase_round_stamps: bool = True
    round_stamp_radius_chars: tuple[float, float] = (1.2, 8.0)
    round_stamp_min_coverage: float = 0.85
    round_stamp_max_candidates: int = 10


class OcrConfig(StageConfig):
    engine: str = "tesseract"
    # A second engine reads every page too, and its reading is combined with the first's
    # (ocr.read_with_second_engine); None reads with the first alone.
    second_engine: str | None = "rapidocr"
    # Combining two engines: a character only one of them read is kept at this confidence or
    # more (but for those the other is known to miss); a line only the second read is added
    # when read at second_only_min_confidence or more.
    engines_lone_min_confidence: float = 0.98
    # What the second engine reads: "page", the page, finding its lines itself; or "regions",
    # the lines the first engine found, each with the recogniser alone (for PP-OCR, without its
    # detection pass, which costs about as much as its reading). Measured on 15 pages of held-out
    # text (7 typefaces, 150-300 dpi, medium; bench/versus_plain.py --conditions), mean CER:
    # page 0.69%, regions 1.72% (a boxed stamp's frame and specks read as characters, 極秘 as
    # .図連) in 74% of the time: PP-OCR's own detection is kept.
    second_engine_reads: Literal["page", "regions"] = "page"
    # Whether the first engine also re-reads its weak lines alone (each way it reads a line) and
    # reads the lines that file a cable a second time, where a second engine reads the page too.
    # On the same 15 pages: 0.70% with them, 0.69% without, in 2.2 times the time (23.7 s a page
    # against 11.0 s): the second engine's reading is the second reading.
    rereads_with_second_engine: bool = False
    second_only_min_confidence: float = 0.9
    timeout_s: int = 120
    # A page whose row/column ink-profile ratio falls between these is ambiguous: both
    # directions are read and the better-scored reading kept.
    direction_ratio_low: float = 0.8
    direction_ratio_high: float = 1.25
    # Lines with a character below this confidence are read again on their own (see ocr.py).
    reread_below: float = 0.9
    reread_max_lines: int = 60
    reread_padding_px: int = 12
    # A region another reader found, read by an engine (recognize_regions): padded on every side
    # by this share of its size across (about one character).
    region_padding: float = 0.3
    # Lines holding what files a cable (its number, a date, the serial) are read twice, always, so
    # that extraction can compare the two readings: by the second engine, or, reading with one
    # engine (or with rereads_with_second_engine), alone on their crop.
    # (A dated line is matched by its 年…月 or by the 発/着 it ends in: its 日 may be misread.)
    read_twice_pattern: str = r"第.{0,10}[号弓]|年.{0,6}月|[発着]\W{0,3}$|総番号"
    # A run of characters this many times longer one way than the other, laid across the page's
    # direction, is a block of its own and read with the other model (see layout.py).
    cross_block_min_aspect: float = 1.6
    # A run of characters the page reading passed over is kept when read alone this surely.
    missed_line_min_confidence: float = 0.75
    # Combine the engine's readings by its other models (vertical: Japanese_vert with jpn_vert),
    # character by character (see ocr.combine_readings). A character only one model read is
    # kept at this confidence or more.
    combine_models: bool = True
    combine_lone_min_confidence: float = 0.98
    # Read each stamp (the declassification stamp) on its own, set level.
    read_stamps: bool = True


class FieldsConfig(StageConfig):
    # The review policy: per-field thresholds and what they were fitted on (cableocr.policy).
    # The package's own (data/policy.json) unless a run is given another (--policy FILE).
    policy: ReviewPolicy = Field(default_factory=default_policy)


class Settings(StageConfig):
    ingest: IngestConfig = IngestConfig()
    cleanup: CleanupConfig = CleanupConfig()
    ocr: OcrConfig = OcrConfig()
    fields: FieldsConfig = FieldsConfig()
