import { accessSync, constants } from 'node:fs';
import { CONFIG, type Config, DomainError } from '@nhi/platform';
import { inject, injectable } from 'tsyringe';

/** No browser to render PDFs with: said plainly, with the setting that fixes it. */
export class PdfRendererUnavailableError extends DomainError {
  readonly code = 'UNAVAILABLE';
  constructor(path: string) {
    super(
      `PDF reports need a Chromium browser: none was found at ${path}. Install chromium or set NHI_CHROMIUM_PATH to its executable.`,
    );
  }
}

const renderTimeoutMs = 30_000;

/**
 * Prints a report's HTML to PDF with headless Chromium. The page is given the document itself
 * (`setContent`), never a URL of the hub: the browser holds no session and can reach nothing of
 * the realm. Requests it would make anyway (there are none in a report) are refused.
 */
@injectable()
export class ReportPdfRenderer {
  constructor(@inject(CONFIG) private readonly config: Config) {}

  get executablePath(): string {
    return this.config.NHI_CHROMIUM_PATH;
  }

  /** Whether a browser is there to run; a mail goes out as HTML only otherwise. */
  available(): boolean {
    try {
      accessSync(this.executablePath, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  }

  async render(html: string): Promise<Buffer> {
    if (!this.available()) throw new PdfRendererUnavailableError(this.executablePath);
    // Loaded on the first render: most processes never print a report.
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({
      executablePath: this.executablePath,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--no-first-run',
      ],
      timeout: renderTimeoutMs,
    });
    try {
      const context = await browser.newContext({ javaScriptEnabled: false, offline: true });
      const page = await context.newPage();
      await page.route('**/*', (route) => route.abort());
      await page.setContent(html, { waitUntil: 'load', timeout: renderTimeoutMs });
      return await page.pdf({ format: 'A4', printBackground: true, preferCSSPageSize: true });
    } finally {
      await browser.close();
    }
  }
}
