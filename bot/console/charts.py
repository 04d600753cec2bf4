"""Server-rendered inline SVG charts: no chart library, nothing fetched by the browser."""

from __future__ import annotations

from markupsafe import Markup, escape

COLORS = ("#047857", "#b45309", "#b91c1c", "#1d4ed8", "#6b7280")


def horizontal_bars(rows: list[tuple[str, float]], unit: str = "", width: int = 560) -> Markup:
    """One labelled bar per row, longest value = full width."""
    if not rows:
        return Markup('<p class="muted">暂无数据。</p>')
    label_width, bar_height, gap = 200, 18, 8
    top = max(value for _, value in rows) or 1
    height = len(rows) * (bar_height + gap)
    parts = [f'<svg class="chart" role="img" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">']
    for n, (label, value) in enumerate(rows):
        y = n * (bar_height + gap)
        length = (width - label_width - 70) * value / top
        shown = escape(label if len(label) <= 16 else label[:15] + "…")
        parts.append(
            f'<text x="{label_width - 6}" y="{y + 13}" text-anchor="end" font-size="12">{shown}</text>'
            f'<rect x="{label_width}" y="{y}" width="{length:.1f}" height="{bar_height}" fill="{COLORS[3]}">'
            f'<title>{escape(label)}：{value:g}{unit}</title></rect>'
            f'<text x="{label_width + length + 4:.1f}" y="{y + 13}" font-size="12">{value:g}{unit}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def stacked_columns(days: list[str], series: dict[str, list[int]], width: int = 720,
                    height: int = 220) -> Markup:
    """One column per day, stacked by series (e.g. answered / clarified / handed off)."""
    if not days:
        return Markup('<p class="muted">暂无数据。</p>')
    bottom, left = 34, 34
    totals = [sum(values[n] for values in series.values()) for n in range(len(days))]
    top = max(totals) or 1
    step = (width - left) / len(days)
    plot = height - bottom - 8
    parts = [f'<svg class="chart" role="img" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">',
             f'<text x="0" y="14" font-size="11">{top}</text>',
             f'<line x1="{left}" y1="{height - bottom}" x2="{width}" y2="{height - bottom}" stroke="#999"/>']
    for n, day in enumerate(days):
        x, y = left + n * step, float(height - bottom)
        for color, (name, values) in zip(COLORS, series.items(), strict=False):
            h = plot * values[n] / top
            y -= h
            if values[n]:
                parts.append(f'<rect x="{x + 1:.1f}" y="{y:.1f}" width="{max(step - 2, 1):.1f}" '
                             f'height="{h:.1f}" fill="{color}"><title>{day} {escape(name)}：'
                             f'{values[n]}</title></rect>')
        if n % max(1, len(days) // 8) == 0:
            parts.append(f'<text x="{x:.1f}" y="{height - bottom + 16}" font-size="11">{day[5:]}</text>')
    legend_x = left
    for color, name in zip(COLORS, series, strict=False):
        parts.append(f'<rect x="{legend_x}" y="{height - 12}" width="10" height="10" fill="{color}"/>'
                     f'<text x="{legend_x + 14}" y="{height - 3}" font-size="11">{escape(name)}</text>')
        legend_x += 90
    parts.append("</svg>")
    return Markup("".join(parts))
