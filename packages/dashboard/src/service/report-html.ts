import { type RiskLevel, riskLevels, severities } from '../api/dashboard-view.ts';
import {
  alertAgeBuckets,
  type PostureReport,
  type ReportChanges,
  type ReportSourceType,
  sourceTypeLabels,
} from '../api/report-view.ts';
import { barChart, escapeHtml as e, lineChart } from './report-charts.ts';

/**
 * The posture report as HTML: one renderer for the page, the PDF and the mail, so all three say
 * the same. Text is escaped here; charts are inline SVG (report-charts.ts); styles below work on
 * screen and in print.
 */

const levelColours: Record<RiskLevel, string> = {
  critical: '#b42318',
  high: '#d9480f',
  medium: '#b7791f',
  low: '#2b6cb0',
  none: '#718096',
};
const teamColour = '#5a67d8';
const ageColour = '#2f855a';

const capitalised = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
const sourceList = (types: readonly ReportSourceType[]) =>
  types.length === 0 ? 'none' : types.map((type) => sourceTypeLabels[type]).join(', ');
const signed = (n: number) => (n > 0 ? `+${n}` : String(n));

/** A chart and its figures as text: a list a screen reader and a text extractor both read. */
function figure(id: string, title: string, svg: string, facts: readonly string[]): string {
  return `<figure class="report-figure" data-testid="report-${id}"><figcaption>${e(title)}</figcaption>${svg}<ul class="report-facts">${facts.map((fact) => `<li>${e(fact)}</li>`).join('')}</ul></figure>`;
}

function headline(report: PostureReport): string {
  const h = report.figures.headline;
  const open = severities.reduce((sum, key) => sum + h.openAlerts[key], 0);
  const items: [string, string | number][] = [
    ['NHIs', h.nhiTotal],
    ['Active NHIs', h.nhiActive],
    ['Open alerts', open],
    ['Risk score', h.riskScore],
    ['Unowned active NHIs', h.unowned],
    ['Credentials older than 90 days', h.credentialsOlderThan90],
    ['Expiring within 30 days', h.expiringWithin30],
    ['Leaked secrets', h.leaks],
  ];
  const cells = items
    .map(([label, value]) => `<div class="report-kpi"><dt>${e(label)}</dt><dd>${e(String(value))}</dd></div>`)
    .join('');
  return `<section class="report-section" aria-labelledby="report-headline"><h2 id="report-headline">Headline</h2><dl class="report-kpis" data-testid="report-headline">${cells}</dl></section>`;
}

function changes(changes: ReportChanges | null): string {
  const body = !changes
    ? '<p>This is the first report of the realm: the next one will say what changed since.</p>'
    : `<p>Since the report of ${e(changes.since.slice(0, 16).replace('T', ' '))} UTC:</p><ul class="report-facts">${[
        `New alerts: ${changes.newAlerts}`,
        `Closed alerts: ${changes.closedAlerts}`,
        `Open alerts: ${changes.openAlerts.before} → ${changes.openAlerts.after} (${signed(changes.openAlerts.after - changes.openAlerts.before)})`,
        `Identities added: ${changes.identitiesAdded}`,
        `Identities removed: ${changes.identitiesRemoved}`,
        `Risk score: ${changes.riskScore.before} → ${changes.riskScore.after}`,
        ...changes.riskLevels
          .filter((level) => level.before !== level.after)
          .map(
            (level) =>
              `${capitalised(level.level)} risk NHIs: ${level.before} → ${level.after} (${signed(level.after - level.before)})`,
          ),
      ]
        .map((line) => `<li>${e(line)}</li>`)
        .join('')}</ul>`;
  return `<section class="report-section" aria-labelledby="report-changes" data-testid="report-changes"><h2 id="report-changes">Changes since the last report</h2>${body}</section>`;
}

function alertsSection(report: PostureReport): string {
  const f = report.figures;
  const bySeverity = severities.map((key) => ({
    label: capitalised(key),
    value: f.openBySeverity[key],
    colour: levelColours[key],
  }));
  const byTeam = f.openByTeam.slice(0, 10).map((team) => ({
    label: team.team,
    value: team.openAlerts,
    colour: teamColour,
  }));
  const ageing = alertAgeBuckets.map((bucket) => ({
    label: bucket,
    value: f.ageing[bucket],
    colour: ageColour,
  }));
  const levels = riskLevels.map((level) => ({
    label: capitalised(level),
    value: f.riskLevels[level] ?? 0,
    colour: levelColours[level],
  }));
  const facts = (bars: { label: string; value: number }[]) => bars.map((bar) => `${bar.label}: ${bar.value}`);
  return `<section class="report-section" aria-labelledby="report-alerts"><h2 id="report-alerts">Open alerts and risk</h2><div class="report-grid">${[
    figure(
      'severity',
      'Open alerts by severity',
      barChart('Open alerts by severity', bySeverity),
      facts(bySeverity),
    ),
    figure(
      'teams',
      'Open alerts by owner team',
      barChart('Open alerts by owner team', byTeam),
      byTeam.length ? facts(byTeam) : ['No open alerts'],
    ),
    figure('ageing', 'Open alerts by age', barChart('Open alerts by age', ageing), facts(ageing)),
    figure(
      'risk-levels',
      'Active NHIs by risk level',
      barChart('Active NHIs by risk level', levels),
      facts(levels),
    ),
  ].join('')}</div></section>`;
}

function trendsSection(report: PostureReport): string {
  const f = report.figures;
  const series = (days: 30 | 90) => {
    const points = days === 30 ? f.trend30 : f.trend90;
    const alerts = points.map((point) => ({ day: point.day, value: point.openAlerts }));
    const first = alerts[0];
    const last = alerts.at(-1);
    const summary =
      first && last
        ? [first, last]
            .filter((point, index) => index === 0 || point.day !== first.day)
            .map((point) => `${point.day}: ${point.value} open alerts`)
        : ['No data'];
    return figure(
      `trend-${days}`,
      `Open alerts, last ${days} days`,
      lineChart(`Open alerts, last ${days} days`, alerts, '#c05621'),
      summary,
    );
  };
  return `<section class="report-section" aria-labelledby="report-trends"><h2 id="report-trends">Trends</h2><div class="report-grid">${series(30)}${series(90)}</div></section>`;
}

function ownersSection(report: PostureReport): string {
  const owners = report.figures.topOwners;
  const rows = owners.length
    ? owners
        .map(
          (owner) =>
            `<tr><td>${e(owner.email)}</td><td class="num">${owner.critical}</td><td class="num">${owner.high}</td></tr>`,
        )
        .join('')
    : '<tr><td colspan="3">No owner has open critical or high alerts.</td></tr>';
  return `<section class="report-section" aria-labelledby="report-owners" data-testid="report-owners"><h2 id="report-owners">Owners with most critical and high alerts</h2><table class="report-table"><thead><tr><th scope="col">Owner</th><th scope="col" class="num">Critical</th><th scope="col" class="num">High</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}

function owaspSection(report: PostureReport): string {
  const f = report.figures;
  const rows = f.owasp
    .map((risk) => {
      const mark =
        risk.evaluatedBy.length > 0
          ? `<svg class="report-mark" viewBox="0 0 12 12" width="12" height="12" aria-hidden="true"><circle cx="6" cy="6" r="5" fill="#2f855a"/></svg> Evaluated`
          : risk.fromInventory
            ? `<svg class="report-mark" viewBox="0 0 12 12" width="12" height="12" aria-hidden="true"><path d="M6 1a5 5 0 0 1 0 10z" fill="#b7791f"/><circle cx="6" cy="6" r="4.5" fill="none" stroke="#b7791f" stroke-width="1.5"/></svg> Inventory only`
            : `<svg class="report-mark" viewBox="0 0 12 12" width="12" height="12" aria-hidden="true"><circle cx="6" cy="6" r="4.5" fill="none" stroke="#b42318" stroke-width="1.5"/></svg> Not evaluated`;
      return `<tr data-testid="owasp-${e(risk.id)}"><th scope="row">${e(risk.id)} ${e(risk.name)}</th><td>${mark}</td><td>${e(sourceList(risk.evaluatedBy))}</td><td>${e(sourceList(risk.notEvaluatedBy))}</td><td>${e(sourceList(risk.wouldBeEvaluatedBy))}</td><td class="num">${risk.openAlerts}</td></tr>`;
    })
    .join('');
  const evaluatedCount = f.owasp.filter((risk) => risk.evaluatedBy.length > 0).length;
  const inventoryOnly = f.owasp.filter((risk) => risk.evaluatedBy.length === 0 && risk.fromInventory).length;
  return `<section class="report-section" aria-labelledby="report-owasp" data-testid="report-owasp"><h2 id="report-owasp">OWASP NHI Top 10 coverage</h2><p>Connected source types: ${e(sourceList(f.connectedSourceTypes))}. ${evaluatedCount} of ${f.owasp.length} risks can be evaluated with them${inventoryOnly ? `; ${inventoryOnly} more only from identities entered by hand or imported` : ''}.</p><table class="report-table"><thead><tr><th scope="col">Risk</th><th scope="col">Status</th><th scope="col">Evaluated by</th><th scope="col">Connected, cannot evaluate</th><th scope="col">Would be evaluated by</th><th scope="col" class="num">Open alerts</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}

/** The report's content, for the hub page (which adds its own frame and the styles below). */
export function reportBodyHtml(report: PostureReport, options: { note?: string } = {}): string {
  const f = report.figures;
  const note = options.note ? `<p class="report-note">${e(options.note)}</p>` : '';
  return `<article class="posture-report" data-testid="posture-report"><header class="report-header"><h1>Posture report: ${e(f.realm.name)}</h1><p>Realm ${e(f.realm.slug)}, figures as of ${e(f.asOf.slice(0, 16).replace('T', ' '))} UTC.</p>${note}</header>${[
    headline(report),
    changes(report.changes),
    alertsSection(report),
    trendsSection(report),
    ownersSection(report),
    owaspSection(report),
  ].join('')}</article>`;
}

/** A whole document with its styles inline: for the PDF renderer and the mail body. */
export function reportDocumentHtml(report: PostureReport, options: { note?: string } = {}): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Posture report: ${e(report.figures.realm.name)}</title><style>${reportStyles}</style></head><body>${reportBodyHtml(report, options)}</body></html>`;
}

/** Screen and print styles of the report; the hub page adds them to its head with its nonce. */
export const reportStyles = `
.posture-report { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f2933; max-width: 1000px; margin: 0 auto; line-height: 1.4; }
.posture-report h1 { font-size: 1.5rem; margin: 0 0 .25rem; }
.posture-report h2 { font-size: 1.1rem; margin: 0 0 .5rem; border-bottom: 1px solid #d5dbe3; padding-bottom: .25rem; }
.posture-report .report-section { margin: 1.25rem 0; break-inside: avoid-page; }
.posture-report .report-kpis { display: grid; grid-template-columns: repeat(4, minmax(0, 1fr)); gap: .5rem; margin: 0; }
.posture-report .report-kpi { border: 1px solid #d5dbe3; border-radius: 6px; padding: .5rem .75rem; }
.posture-report .report-kpi dt { font-size: .8rem; color: #52606d; }
.posture-report .report-kpi dd { margin: 0; font-size: 1.4rem; font-weight: 600; }
.posture-report .report-grid { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 1rem; }
.posture-report .report-figure { margin: 0; break-inside: avoid; }
.posture-report .report-figure figcaption { font-weight: 600; margin-bottom: .25rem; }
.posture-report .report-chart { max-width: 100%; height: auto; }
.posture-report .report-facts { font-size: .8rem; color: #52606d; margin: .25rem 0 0; padding-left: 1rem; }
.posture-report .report-table { border-collapse: collapse; width: 100%; font-size: .85rem; }
.posture-report .report-table th, .posture-report .report-table td { border-bottom: 1px solid #e4e7eb; padding: .3rem .4rem; text-align: left; vertical-align: top; }
.posture-report .report-table .num { text-align: right; }
.posture-report .report-note { border-left: 3px solid #b7791f; padding-left: .5rem; }
.posture-report .report-mark { vertical-align: -1px; }
@media print {
  @page { size: A4; margin: 14mm; }
  .posture-report { max-width: none; font-size: 10pt; }
  .posture-report, .posture-report * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  .posture-report .report-grid { grid-template-columns: repeat(2, minmax(0, 1fr)); }
  .report-no-print { display: none !important; }
}
`;
