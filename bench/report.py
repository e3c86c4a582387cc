"""Renders benchmark results into docs/benchmarks.md (Markdown tables) and an SVG plot.

`make bench` rewrites only the generated blocks of docs/benchmarks.md, each
between `<!-- bench:NAME -->` and `<!-- /bench:NAME -->`; the prose around
them is written by people and kept. A block that does not exist yet is added
at the end. The plot is plain SVG written here (no plotting dependency): wall
time of the nightly run against clients on log-log axes, with the fitted
power law and the 10-minute target.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

TARGET_WALL_S = 600.0
TARGET_PEAK_MIB = 2048.0
TARGET_EXPONENT = 1.1
TARGET_RERUN_SHARE = 0.25
STAGE_ORDER = ("plaid", "documents", "app db", "events", "dbt", "checks", "other")


def replace_block(document: str, name: str, body: str) -> str:
    """`document` with the block `name` replaced by `body` (appended if absent)."""
    start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    block = f"{start}\n{body.strip()}\n{end}"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
    if pattern.search(document):
        return pattern.sub(lambda _match: block, document, count=1)
    return document.rstrip("\n") + f"\n\n{block}\n"


def _fmt_s(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    return f"{seconds / 60:.1f} min" if seconds >= 120 else f"{seconds:.1f} s"


def _mark(ok: bool) -> str:
    return "meets target" if ok else "**misses target**"


def nightly_markdown(
    measurements: Sequence[dict], exponent: float | None, plot_name: str | None
) -> str:
    rows = sorted(measurements, key=lambda m: m["clients"])
    lines = [
        "| clients | steps at once | world build | full run | peak memory (run tree + Postgres) "
        "| no-change rerun | rerun / full | load average (1/5/15 min) before → after |",
        "|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for m in rows:
        full, rerun = m["full"], m.get("rerun")
        share = f"{rerun['wall_s'] / full['wall_s']:.0%}" if rerun else "-"
        peak = full["peak_rss_mib"] + full["postgres_peak_pss_mib"]
        failed = "" if full["succeeded"] else " (FAILED)"
        lines.append(
            f"| {m['clients']:,} | {m.get('processes', 1)} | {_fmt_s(m['build_s'])} "
            f"| {_fmt_s(full['wall_s'])}{failed} "
            f"| {peak:,.0f} MiB ({full['peak_rss_mib']:,.0f} + "
            f"{full['postgres_peak_pss_mib']:,.0f}) "
            f"| {_fmt_s(rerun['wall_s']) if rerun else 'not measured'} | {share} "
            f"| {m['load_before']} → {m['load_after']} |"
        )
    lines += [
        "",
        "Seconds per stage (sum of the Dagster steps of each stage, full run / rerun):",
        "",
    ]
    lines.append("| clients | " + " | ".join(STAGE_ORDER) + " |")
    lines.append("|---:|" + "---:|" * len(STAGE_ORDER))
    for m in rows:
        rerun_stages = (m.get("rerun") or {}).get("stage_s")
        cells = [
            f"{m['full']['stage_s'].get(stage, 0):.0f} / "
            + (f"{rerun_stages.get(stage, 0):.0f}" if rerun_stages else "-")
            for stage in STAGE_ORDER
        ]
        lines.append(f"| {m['clients']:,} | " + " | ".join(cells) + " |")
    lines += ["", "Against the targets (2-core machine):", ""]
    biggest = rows[-1] if rows else None
    if biggest:
        wall = biggest["full"]["wall_s"]
        peak = biggest["full"]["peak_rss_mib"] + biggest["full"]["postgres_peak_pss_mib"]
        rerun = biggest.get("rerun")
        size = f"{biggest['clients']:,} clients"
        lines.append(
            f"- nightly run < 10 min at 10,000 clients: {_fmt_s(wall)} at {size} "
            + (
                f"— {_mark(wall < TARGET_WALL_S)}"
                if biggest["clients"] >= 10_000
                else (
                    f"(10,000 not measured in this run; extrapolated "
                    f"{_fmt_s(wall * (10_000 / biggest['clients']) ** (exponent or 1.0))})"
                )
            )
        )
        lines.append(
            f"- peak memory < 2 GiB: {peak:,.0f} MiB at {size} — {_mark(peak < TARGET_PEAK_MIB)}"
        )
        if rerun:
            share = rerun["wall_s"] / wall
            lines.append(
                f"- no-change rerun ≤ 25% of a full run: {share:.0%} at {size} "
                f"— {_mark(share <= TARGET_RERUN_SHARE)}"
            )
        else:
            lines.append(f"- no-change rerun: not measured at {size}")
    if exponent is not None:
        lines.append(
            f"- scaling exponent ≤ 1.1 (log-log fit of full-run wall time on clients): "
            f"{exponent:.2f} — {_mark(exponent <= TARGET_EXPONENT)}"
        )
    else:
        lines.append("- scaling exponent: needs at least two sizes")
    first = rows[0] if rows else None
    if first and first.get("dbt_parse_s") is not None:
        lines += [
            "",
            f"`dbt parse` (no partial parse): {first['dbt_parse_s']:.1f} s; code location load "
            f"(import + asset graph + jobs, manifest present): "
            f"{first['code_location_load_s']:.1f} s.",
        ]
    if plot_name:
        lines += ["", f"![nightly run wall time against clients, log-log]({plot_name})"]
    notes = [note for m in rows for note in m.get("notes", [])]
    if notes:
        lines += ["", *[f"- note: {note}" for note in notes]]
    return "\n".join(lines)


def steps_markdown(measurement: dict) -> str:
    """The slowest steps of one full run (where the time goes)."""
    steps = sorted(measurement["full"]["step_s"].items(), key=lambda item: -item[1])[:12]
    lines = [
        f"Slowest steps of the full run at {measurement['clients']:,} clients:",
        "",
        "| step | seconds |",
        "|---|---:|",
    ]
    lines += [f"| `{step}` | {seconds:.1f} |" for step, seconds in steps]
    full = measurement["full"]
    if full.get("peak_processes_mib"):
        running = ", ".join(f"`{step}`" for step in full.get("peak_steps") or []) or "none"
        lines += [
            "",
            f"At the run tree's peak ({full['peak_rss_mib']:,.0f} MiB PSS) these steps ran: "
            f"{running}. Its largest processes then:",
            "",
            "| process | MiB (PSS) |",
            "|---|---:|",
        ]
        lines += [f"| `{label}` | {mib:,.0f} |" for label, mib in full["peak_processes_mib"]]
    return "\n".join(lines)


def nightly_svg(measurements: Sequence[dict], exponent: float | None) -> str:
    """A log-log plot of full-run and rerun wall time against clients."""
    points_full = sorted((m["clients"], m["full"]["wall_s"]) for m in measurements)
    points_rerun = sorted(
        (m["clients"], m["rerun"]["wall_s"]) for m in measurements if m.get("rerun")
    )
    width, height, left, right, top, bottom = 640, 400, 70, 20, 30, 50
    xs = [c for c, _ in points_full] + [10_000]
    ys = [s for _, s in points_full + points_rerun] + [TARGET_WALL_S]
    x_lo, x_hi = math.log10(min(xs) / 1.5), math.log10(max(xs) * 1.5)
    y_lo, y_hi = math.log10(min(ys) / 1.5), math.log10(max(ys) * 1.5)

    def px(clients: float) -> float:
        return left + (math.log10(clients) - x_lo) / (x_hi - x_lo) * (width - left - right)

    def py(seconds: float) -> float:
        return top + (y_hi - math.log10(seconds)) / (y_hi - y_lo) * (height - top - bottom)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{width / 2}" y="18" text-anchor="middle" font-size="14">'
        "Nightly run: wall time vs clients (log-log)</text>",
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - right}" y2="{height - bottom}" '
        'stroke="black"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{height - bottom}" stroke="black"/>',
    ]
    for decade in range(math.floor(x_lo), math.ceil(x_hi) + 1):
        for factor in (1, 2, 5):
            value = factor * 10**decade
            if x_lo <= math.log10(value) <= x_hi:
                parts.append(
                    f'<text x="{px(value):.1f}" y="{height - bottom + 16}" '
                    f'text-anchor="middle">{value:,}</text>'
                )
    for seconds in (10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200):
        if y_lo <= math.log10(seconds) <= y_hi:
            label = f"{seconds // 60} min" if seconds >= 60 else f"{seconds} s"
            parts.append(
                f'<text x="{left - 6}" y="{py(seconds) + 4:.1f}" text-anchor="end">{label}</text>'
            )
    parts.append(
        f'<line x1="{left}" y1="{py(TARGET_WALL_S):.1f}" x2="{width - right}" '
        f'y2="{py(TARGET_WALL_S):.1f}" stroke="#c00" stroke-dasharray="6 4"/>'
        f'<text x="{width - right - 4}" y="{py(TARGET_WALL_S) - 5:.1f}" text-anchor="end" '
        'fill="#c00">target: 10 min at 10,000 clients</text>'
    )
    for points, colour, label in (
        (points_full, "#1f77b4", "full run"),
        (points_rerun, "#2ca02c", "no-change rerun"),
    ):
        if not points:
            continue
        path = " ".join(f"{px(c):.1f},{py(s):.1f}" for c, s in points)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        parts += [
            f'<circle cx="{px(c):.1f}" cy="{py(s):.1f}" r="4" fill="{colour}"/>' for c, s in points
        ]
        last_c, last_s = points[-1]
        parts.append(
            f'<text x="{px(last_c) + 8:.1f}" y="{py(last_s) + 4:.1f}" '
            f'fill="{colour}">{label}</text>'
        )
    if exponent is not None and len(points_full) >= 2:
        c0, s0 = points_full[0]
        c1 = 10_000
        s1 = s0 * (c1 / c0) ** exponent
        parts.append(
            f'<line x1="{px(c0):.1f}" y1="{py(s0):.1f}" x2="{px(c1):.1f}" y2="{py(s1):.1f}" '
            'stroke="#1f77b4" stroke-dasharray="3 3"/>'
            f'<text x="{left + 8}" y="{top + 16}" fill="#1f77b4">fit: time ∝ clients^{exponent:.2f}'
            "</text>"
        )
    parts.append(
        f'<text x="{width / 2}" y="{height - 12}" text-anchor="middle">clients</text></svg>'
    )
    return "\n".join(parts) + "\n"
