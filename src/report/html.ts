/**
 * The HTML around a report's charts: one self-contained page (inline styles,
 * inline SVG, no scripts, no links to fetch), escaped text, simple tables.
 */

/** Text made safe to place in HTML. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A table: a header row and rows of cells (text, escaped). */
export function table(header: readonly string[], rows: readonly (readonly (string | number)[])[], attributes = ''): string {
  const cells = (row: readonly (string | number)[], tag: 'th' | 'td') => row.map((cell) => `<${tag}>${escapeHtml(String(cell))}</${tag}>`).join('');
  return `<table${attributes ? ` ${attributes}` : ''}><thead><tr>${cells(header, 'th')}</tr></thead><tbody>${rows.map((row) => `<tr>${cells(row, 'td')}</tr>`).join('')}</tbody></table>`;
}

/** A section with a heading. */
export function section(title: string, body: string, id?: string): string {
  return `<section${id ? ` id="${escapeHtml(id)}"` : ''}><h2>${escapeHtml(title)}</h2>${body}</section>`;
}

/** A chart's SVG in a figure tests and readers can find by name. */
export function figure(name: string, svg: string, caption?: string): string {
  return `<figure data-chart="${escapeHtml(name)}">${svg}${caption ? `<figcaption>${escapeHtml(caption)}</figcaption>` : ''}</figure>`;
}

/** A whole page. */
export function page(title: string, subtitle: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1>${escapeHtml(title)}</h1><p>${escapeHtml(subtitle)}</p></header>
<main>${body}</main>
</body>
</html>
`;
}

/** A metric value with four significant decimals, or a dash. */
export function metric(value: number | undefined): string {
  return value === undefined ? '—' : value.toFixed(4);
}

const STYLE = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #222; margin: 0; background: #fafafa; }
header { background: #1f2937; color: #f9fafb; padding: 16px 28px; }
header h1 { margin: 0 0 4px; font-size: 20px; }
header p { margin: 0; color: #d1d5db; }
main { padding: 8px 28px 40px; max-width: 1400px; }
section { background: white; border: 1px solid #e5e7eb; border-radius: 6px; margin: 16px 0; padding: 8px 18px 14px; }
h2 { font-size: 16px; margin: 8px 0 10px; }
.charts { display: flex; flex-wrap: wrap; gap: 12px; }
figure { margin: 0; }
figcaption { font-size: 12px; color: #6b7280; }
table { border-collapse: collapse; margin: 6px 0; }
th, td { border-bottom: 1px solid #e5e7eb; padding: 3px 10px; text-align: left; font-variant-numeric: tabular-nums; }
th { background: #f3f4f6; font-weight: 600; }
code { font-size: 12px; word-break: break-all; }
.note { color: #6b7280; }
`;
