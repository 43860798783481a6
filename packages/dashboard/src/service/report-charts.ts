/**
 * Small SVG charts drawn as strings on the server: the same picture in the page, the PDF and the
 * mail, with no script. Colours are presentation attributes, not style attributes, which the
 * page's Content-Security-Policy refuses. Every chart names its figures in <title>/<desc> for
 * screen readers; the report also prints them as text beside it.
 */

export interface Bar {
  label: string;
  value: number;
  colour: string;
}

export interface LinePoint {
  day: string;
  value: number;
}

/** Text for HTML and SVG: the five characters that could open markup or end an attribute. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const ink = '#1f2933';
const grid = '#d5dbe3';

function svgOpen(width: number, height: number, title: string, desc: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" class="report-chart" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img"><title>${escapeHtml(title)}</title><desc>${escapeHtml(desc)}</desc>`;
}

/** Horizontal bars, one per row, value at the end of each bar. */
export function barChart(title: string, bars: readonly Bar[]): string {
  const rowHeight = 22;
  const labelWidth = 150;
  const barSpace = 260;
  const width = labelWidth + barSpace + 50;
  const height = Math.max(1, bars.length) * rowHeight + 8;
  const max = Math.max(1, ...bars.map((bar) => bar.value));
  const desc = bars.map((bar) => `${bar.label}: ${bar.value}`).join('; ') || 'No data';
  const rows = bars.map((bar, index) => {
    const y = 4 + index * rowHeight;
    const length = Math.round((bar.value / max) * barSpace);
    return [
      `<text x="${labelWidth - 6}" y="${y + 15}" text-anchor="end" font-size="12" fill="${ink}">${escapeHtml(bar.label)}</text>`,
      `<rect x="${labelWidth}" y="${y + 3}" width="${Math.max(length, bar.value > 0 ? 2 : 0)}" height="${rowHeight - 6}" rx="2" fill="${bar.colour}"/>`,
      `<text x="${labelWidth + length + 6}" y="${y + 15}" font-size="12" fill="${ink}">${bar.value}</text>`,
    ].join('');
  });
  return `${svgOpen(width, height, title, desc)}${rows.join('')}</svg>`;
}

/** A daily series as a line with its first and last day and its highest value marked. */
export function lineChart(title: string, points: readonly LinePoint[], colour: string): string {
  const width = 460;
  const height = 150;
  const left = 40;
  const right = 10;
  const top = 10;
  const bottom = 24;
  const desc =
    points.length === 0 ? 'No data' : points.map((point) => `${point.day}: ${point.value}`).join('; ');
  const max = Math.max(1, ...points.map((point) => point.value));
  const plotWidth = width - left - right;
  const plotHeight = height - top - bottom;
  const x = (index: number) =>
    left + (points.length <= 1 ? plotWidth : (index / (points.length - 1)) * plotWidth);
  const y = (value: number) => top + plotHeight - (value / max) * plotHeight;
  const axes = [
    `<line x1="${left}" y1="${top + plotHeight}" x2="${width - right}" y2="${top + plotHeight}" stroke="${grid}"/>`,
    `<line x1="${left}" y1="${top}" x2="${width - right}" y2="${top}" stroke="${grid}" stroke-dasharray="3 3"/>`,
    `<text x="${left - 6}" y="${top + 4}" text-anchor="end" font-size="11" fill="${ink}">${max}</text>`,
    `<text x="${left - 6}" y="${top + plotHeight + 4}" text-anchor="end" font-size="11" fill="${ink}">0</text>`,
  ];
  const first = points[0];
  const last = points.at(-1);
  const labels =
    first && last
      ? [
          `<text x="${left}" y="${height - 6}" font-size="11" fill="${ink}">${escapeHtml(first.day)}</text>`,
          `<text x="${width - right}" y="${height - 6}" text-anchor="end" font-size="11" fill="${ink}">${escapeHtml(last.day)}</text>`,
        ]
      : [];
  const path = points.map((point, index) => `${x(index).toFixed(1)},${y(point.value).toFixed(1)}`).join(' ');
  const line =
    points.length > 1
      ? `<polyline points="${path}" fill="none" stroke="${colour}" stroke-width="2"/>`
      : points.length === 1 && first
        ? `<circle cx="${x(0)}" cy="${y(first.value)}" r="3" fill="${colour}"/>`
        : '';
  return `${svgOpen(width, height, title, desc)}${axes.join('')}${line}${labels.join('')}</svg>`;
}
