"""Tables that `cableocr eval` prints."""

from __future__ import annotations

from collections.abc import Callable
from statistics import mean

from rich.console import Console
from rich.table import Table

from cableocr.eval_run import EvalResult
from cableocr.evaluate import FieldOutcome, PageOutcome, reliability_table

LAYOUTS = ("horizontal", "vertical")
LEVELS = ("clean", "medium", "poor")
PRECISION_TARGET = 0.995


def _share(right: int, total: int) -> str:
    return f"{right / total:.1%} ({right}/{total})" if total else "-"


def _accuracy(outcomes: list[FieldOutcome], keep: Callable[[FieldOutcome], bool]) -> str:
    chosen = [o for o in outcomes if keep(o)]
    return _share(sum(o.correct for o in chosen), len(chosen))


def page_table(pages: list[PageOutcome]) -> Table:
    table = Table(title="CER of every page (text read off the page, and its body)")
    for column in ("page", "layout", "level", "CER", "body CER", "lines in the right direction", "redactions found"):
        table.add_column(column)
    for p in pages:
        table.add_row(f"{p.file}#{p.index + 1}", p.layout, p.level, f"{p.cer:.2%}", f"{p.body_cer:.2%}",
                      _share(p.right_direction, p.lines), f"{p.redactions_found}/{p.redactions}")
    return table


def page_summary(pages: list[PageOutcome]) -> Table:
    table = Table(title="Pages by layout and degradation level (mean CER)")
    for column in ("layout", "level", "pages", "CER", "body CER", "worst page CER",
                   "lines in the right direction", "redactions found", "stamp text in the body"):
        table.add_column(column)
    for layout in LAYOUTS:
        for level in LEVELS:
            group = [p for p in pages if p.layout == layout and p.level == level]
            if not group:
                continue
            table.add_row(layout, level, str(len(group)), f"{mean(p.cer for p in group):.2%}",
                          f"{mean(p.body_cer for p in group):.2%}", f"{max(p.cer for p in group):.2%}",
                          _share(sum(p.right_direction for p in group), sum(p.lines for p in group)),
                          _share(sum(p.redactions_found for p in group), sum(p.redactions for p in group)),
                          str(sum(p.stamp_leaks for p in group)))
    return table


def field_table(outcomes: list[FieldOutcome]) -> Table:
    table = Table(title="Field accuracy (right / all), by layout and degradation level; "
                        "precision of the fields not flagged for review")
    for column in ("field", "all", *LAYOUTS, *LEVELS, "not flagged", "precision when not flagged"):
        table.add_column(column)
    for name in dict.fromkeys(o.field for o in outcomes):
        mine = [o for o in outcomes if o.field == name]
        auto = [o for o in mine if o.auto]
        table.add_row(name, _accuracy(mine, lambda o: True),
                      *(_accuracy(mine, lambda o, v=v: o.layout == v) for v in LAYOUTS),
                      *(_accuracy(mine, lambda o, v=v: o.level == v) for v in LEVELS),
                      f"{len(auto) / len(mine):.0%}", _share(sum(o.correct for o in auto), len(auto)))
    return table


def calibration_table(outcomes: list[FieldOutcome]) -> Table:
    table = Table(title="Reliability: how often a field at a given confidence is right")
    for column in ("confidence", "fields", "right"):
        table.add_column(column)
    for low, high, count, accuracy in reliability_table(outcomes):
        table.add_row(f"{low:.2f}–{high:.2f}", str(count), "-" if accuracy is None else f"{accuracy:.1%}")
    return table


def _flagged_per_cable(outcomes: list[FieldOutcome]) -> tuple[float, int]:
    """Mean and most fields flagged per cable."""
    per: dict[str, int] = {}
    for o in outcomes:
        per[o.cable] = per.get(o.cable, 0) + (not o.auto)
    return (mean(per.values()), max(per.values())) if per else (0.0, 0)


def group_table(outcomes: list[FieldOutcome]) -> Table:
    """Accuracy, flagged share and precision of unflagged fields for each form, layout, level
    and typeface, and for what no fit saw (held-out arrangement, typeface or effect)."""
    table = Table(title="Fields by form, layout, level and typeface (targets: accuracy ≥ 97% overall, ≥ 95% in "
                        "every form; precision of unflagged ≥ 99.5%; flagged ≤ 15%, ≤ 2 per cable on medium scans)")
    for column in ("group", "cables", "accuracy", "flagged", "flagged per cable (mean, most)", "precision when not flagged"):
        table.add_column(column)
    groups: list[tuple[str, Callable[[FieldOutcome], bool]]] = [("all", lambda o: True)]
    groups += [(f"form {v}", lambda o, v=v: o.form == v) for v in sorted({o.form for o in outcomes})]
    groups += [(f"layout {v}", lambda o, v=v: o.layout == v) for v in LAYOUTS]
    groups += [(f"level {v}", lambda o, v=v: o.level == v) for v in LEVELS]
    groups += [(f"typeface {v}", lambda o, v=v: o.typeface == v) for v in sorted({o.typeface for o in outcomes})]
    groups += [("held out of fitting", lambda o: o.held_out), ("fitted-on conditions", lambda o: not o.held_out)]
    for label, keep in groups:
        mine = [o for o in outcomes if keep(o)]
        if not mine:
            continue
        auto = [o for o in mine if o.auto]
        average, most = _flagged_per_cable(mine)
        table.add_row(label, str(len({o.cable for o in mine})), _accuracy(mine, lambda o: True),
                      _share(len(mine) - len(auto), len(mine)), f"{average:.2f}, {most}",
                      _share(sum(o.correct for o in auto), len(auto)))
    return table


def _precision_line(console: Console, label: str, outcomes: list[FieldOutcome]) -> None:
    auto = [o for o in outcomes if o.auto]
    right = sum(o.correct for o in auto)
    met = "[green]met[/green]" if auto and right / len(auto) >= PRECISION_TARGET else "[red]not met[/red]"
    console.print(f"{label}: precision of fields not flagged for review {_share(right, len(auto))} "
                  f"(target ≥ {PRECISION_TARGET:.1%}: {met}); flagged for review "
                  f"{_share(len(outcomes) - len(auto), len(outcomes))}; accuracy of all fields "
                  f"{_share(sum(o.correct for o in outcomes), len(outcomes))}")


def print_eval(console: Console, result: EvalResult, every_page: bool = True, label: str = "") -> None:
    if every_page:
        console.print(page_table(result.pages))
    console.print(page_summary(result.pages))
    console.print(field_table(result.fields))
    console.print(group_table(result.fields))
    console.print(calibration_table(result.fields))
    console.print(f"cables found: {result.cables_found} of {result.cables_expected}")
    _precision_line(console, f"all cables, {label}" if label else "all cables", result.fields)
    _precision_line(console, "held out of fitting (arrangement, typeface or effect)",
                    [o for o in result.fields if o.held_out])
    if result.cross_validated is not None:
        _precision_line(console, "cross-validated (each half judged by a policy fitted on the other)",
                        result.cross_validated)
    for label, outcomes in (("wrong, not flagged", result.fields),
                            ("wrong, not flagged when cross-validated", result.cross_validated or [])):
        for o in [o for o in outcomes if o.auto and not o.correct][:30]:
            console.print(f"[red]{label}:[/red] {o.cable} {o.field}: ours {o.ours!r}, truth {o.truth!r} "
                          f"(confidence {o.confidence:.3f}, {o.layout}, {o.level}, {o.variant}, {o.form}, "
                          f"{o.typeface})")
