// The public face of @nhi/dashboard: the realm's overview. Zod shapes: '@nhi/dashboard/schema';
// views and links for the page (no zod): '@nhi/dashboard/view', '@nhi/dashboard/links'.
import 'reflect-metadata';
import './api/dashboard.permissions.ts';

export { dashboardDomain } from './dashboard.domain.ts';
export { DashboardService, DashboardSnapshots } from './service/dashboard.service.ts';
export type { CombinedOverview } from './service/dashboard-combine.ts';
export type { ServedCombinedOverview, UnavailableRealm } from './service/dashboard-combined-overview.ts';
export { DashboardOverviewCache } from './service/dashboard-overview-cache.ts';
export { PostureReportService, PostureReports, ReportsAreRealmWideError } from './service/posture-report.ts';
export { ReportMailer } from './service/report-mailer.ts';
export { PdfRendererUnavailableError, ReportPdfRenderer } from './service/report-pdf.ts';
