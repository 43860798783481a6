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
