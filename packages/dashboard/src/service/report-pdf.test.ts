import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describeEachDatabase } from '@nhi/platform/testing';
import { expect, it, onTestFinished } from 'vitest';
import { setupDashboard } from '../testing/dashboard-test-setup.ts';
import { htmlText, pdfText } from '../testing/report-test-setup.ts';
import { PostureReportService } from './posture-report.ts';
import { reportBodyHtml, reportDocumentHtml } from './report-html.ts';
import { PdfRendererUnavailableError, ReportPdfRenderer } from './report-pdf.ts';

describeEachDatabase('posture report PDF', (_kind, newDatabase) => {
  async function setup() {
    const t = await setupDashboard(newDatabase);
    const report = await (await t.scopeOf()).resolve(PostureReportService).preview();
    return { ...t, report };
  }

  it('renders with headless Chromium, and its text holds the figures the page shows', async () => {
    const { root, report } = await setup();
    const pdf = await root.resolve(ReportPdfRenderer).render(reportDocumentHtml(report));

    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const text = await pdfText(pdf);
    const page = htmlText(reportBodyHtml(report));
    const h = report.figures.headline;
    const open = h.openAlerts.critical + h.openAlerts.high + h.openAlerts.medium + h.openAlerts.low;
    const shown = [
      'Posture report: Hub',
      `Open alerts ${open}`,
      `NHIs ${h.nhiTotal}`,
      `Risk score ${h.riskScore}`,
      `Critical: ${h.openAlerts.critical}`,
      `High: ${h.openAlerts.high}`,
      `Medium: ${h.openAlerts.medium}`,
      `Low: ${h.openAlerts.low}`,
      `No owner team: ${open}`,
      'NHI2 Secret Leakage Not evaluated',
      'NHI5 Overprivileged NHI Evaluated',
    ];
    for (const figure of shown) {
      expect(page, figure).toContain(figure);
      expect(text, figure).toContain(figure);
    }
  });

  it('says plainly which setting is missing when no Chromium is there', async () => {
    const { config, report } = await setup();
    const renderer = new ReportPdfRenderer({ ...config, NHI_CHROMIUM_PATH: '/nonexistent/chromium' });

    expect(renderer.available()).toBe(false);
    const failure = renderer.render(reportDocumentHtml(report));
    await expect(failure).rejects.toBeInstanceOf(PdfRendererUnavailableError);
    await expect(failure).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message: expect.stringContaining('NHI_CHROMIUM_PATH'),
    });
  });

  it('never lets the page reach the network: what a document asks for is not fetched', async () => {
    const { root } = await setup();
    let requests = 0;
    const server = createServer((_req, res) => {
      requests += 1;
      res.end('x');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const { port } = server.address() as AddressInfo;
    const html = `<!doctype html><html><body><p>offline figure 42</p><img src="http://127.0.0.1:${port}/steal.png" alt=""><link rel="stylesheet" href="http://127.0.0.1:${port}/x.css"></body></html>`;

    const text = await pdfText(await root.resolve(ReportPdfRenderer).render(html));

    expect(text).toContain('offline figure 42');
    expect(requests).toBe(0);
  });
});
