import { extractText, getDocumentProxy } from 'unpdf';

/** The text of a PDF, pages joined, whitespace runs as one space: what a reader can search. */
export async function pdfText(pdf: Uint8Array): Promise<string> {
  const document = await getDocumentProxy(new Uint8Array(pdf));
  const { text } = await extractText(document, { mergePages: true });
  return text.replace(/\s+/g, ' ');
}

/** The text a page shows of an HTML fragment: tags and SVG drawings dropped, entities read. */
export function htmlText(html: string): string {
  return html
    .replace(/<svg[\s\S]*?<\/svg>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/\s+/g, ' ');
}

/** The base64 body of the MIME part of `contentType` in a raw mail, decoded. */
export function mimePart(raw: string, contentType: string): Buffer | null {
  const at = raw.indexOf(`Content-Type: ${contentType}`);
  if (at < 0) return null;
  const start = raw.indexOf('\r\n\r\n', at);
  const end = raw.indexOf('\r\n--', start);
  return Buffer.from(raw.slice(start + 4, end).replace(/\s+/g, ''), 'base64');
}

/** Quoted-printable text as the bytes it stands for, read as UTF-8 (soft line breaks joined). */
function quotedPrintable(body: string): string {
  const text = body.replace(/=\r\n/g, '');
  const bytes: number[] = [];
  for (let at = 0; at < text.length; at += 1) {
    const hex = text.slice(at + 1, at + 3);
    if (text[at] === '=' && /^[0-9A-F]{2}$/i.test(hex)) {
      bytes.push(Number.parseInt(hex, 16));
      at += 2;
    } else bytes.push(text.charCodeAt(at));
  }
  return Buffer.from(bytes).toString('utf8');
}

/** The HTML part of a raw mail, decoded as its sender encoded it, with line ends as written. */
export function mailHtml(raw: string): string | null {
  const at = raw.indexOf('Content-Type: text/html');
  if (at < 0) return null;
  const start = raw.indexOf('\r\n\r\n', at);
  const headers = raw.slice(at, start);
  const body = raw.slice(start + 4, raw.indexOf('\r\n--', start));
  const decoded = /Content-Transfer-Encoding: base64/i.test(headers)
    ? Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8')
    : /Content-Transfer-Encoding: quoted-printable/i.test(headers)
      ? quotedPrintable(body)
      : body;
  return decoded.replace(/\r\n/g, '\n');
}
