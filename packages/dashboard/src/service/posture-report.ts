import {
  allCoverage,
  CLOCK,
  type Clock,
  DomainError,
  PLATFORM_DATABASE,
  type PlatformDatabase,
  REQUEST_CONTEXT,
  REQUEST_PERMISSIONS,
  RealmDb,
  type RealmQuery,
  type RealmTx,
  type RequestContext,
  type RequestPermissions,
} from '@nhi/platform';
import { inject, injectable } from 'tsyringe';
import { type RiskLevel, riskLevels, type Severity, severities } from '../api/dashboard-view.ts';
import type { PostureFigures, PostureReport, ReportChanges } from '../api/report-view.ts';
import { alertFigures } from '../sql/dashboard-figures.sql.ts';
import { dayOf, daysBefore, openAlertsOf, trendBefore } from '../sql/dashboard-snapshots.sql.ts';
import {
  changesSince,
  connectedSourceTypes,
  openAlertAgeing,
  openAlertsByTeam,
  topOwnersByRisk,
} from '../sql/report-figures.sql.ts';
import { figuresIn } from './dashboard.service.ts';
import { riskLevelsOf } from './dashboard-assemble.ts';
import { owaspCoverageOf } from './owasp-coverage.ts';

/** Figures of 100k identities take a few hundred ms on a busy machine: more than a request default. */
const reportTimeoutMs = 30_000;

export type ReportTrigger = 'manual' | 'schedule';

/** A scoped member asked for a report: reports count the whole realm, so none is made for part of it. */
export class ReportsAreRealmWideError extends DomainError {
  readonly code = 'FORBIDDEN';
  constructor() {
    super(
      'Posture reports are realm-wide: they count every identity and alert of the realm, and your access covers only your teams. Ask an administrator for a realm-wide role.',
    );
  }
}

async function figuresOfRealm(
  query: RealmQuery,
  realm: { id: string; slug: string; name: string },
  now: Date,
): Promise<PostureFigures> {
  const { identities, figures } = await figuresIn(query, realm.id, {}, now);
  const alerts = await alertFigures(query, realm.id, {}, allCoverage);
  const today = dayOf(now);
  const todayPoint = {
    day: today,
    openAlerts: openAlertsOf(figures),
    riskScore: figures.riskScore,
    nhiTotal: figures.nhiTotal,
  };
  const trend90 = [...(await trendBefore(query, realm.id, today, {}, 90)), todayPoint];
  const from30 = daysBefore(today, 30);
  const connected = await connectedSourceTypes(query, realm.id);
  return {
    asOf: now.toISOString(),
    realm: { slug: realm.slug, name: realm.name },
    headline: figures,
    openBySeverity: figures.openAlerts,
    openByTeam: await openAlertsByTeam(query, realm.id),
    ageing: await openAlertAgeing(query, realm.id, now),
    riskLevels: Object.fromEntries(riskLevelsOf(identities).map((item) => [item.key, item.count])) as Record<
      RiskLevel,
      number
    >,
    trend30: trend90.filter((point) => point.day >= from30),
    trend90,
    topOwners: await topOwnersByRisk(query, realm.id),
    connectedSourceTypes: connected,
    owasp: owaspCoverageOf(connected, alerts.byOwasp),
  };
}

const totalOpen = (open: Record<Severity, number>) => severities.reduce((sum, key) => sum + open[key], 0);

async function changesOf(
  query: RealmQuery,
  realmId: string,
  previous: { createdAt: Date; figures: PostureFigures },
  now: PostureFigures,
): Promise<ReportChanges> {
  const before = previous.figures;
  return {
    since: previous.createdAt.toISOString(),
    ...(await changesSince(query, realmId, previous.createdAt)),
    openAlerts: { before: totalOpen(before.openBySeverity), after: totalOpen(now.openBySeverity) },
    riskScore: { before: before.headline.riskScore, after: now.headline.riskScore },
    riskLevels: riskLevels.map((level) => ({
      level,
      before: before.riskLevels[level] ?? 0,
      after: now.riskLevels[level] ?? 0,
    })),
  };
}

/** JSON as a Json column takes it (dates as ISO strings, no undefined). */
const asJson = (value: object) => JSON.parse(JSON.stringify(value));

export interface ReportOptions {
  /** Kept as a PostureReport (figures and changes), so the next report can say what changed since. */
  store?: ReportTrigger;
  now?: Date;
  /** Runs in the transaction that stores the report: it is kept only when this does not throw. */
  onStored?: (tx: RealmTx, reportId: string) => Promise<void>;
}

/**
 * Produces the posture report of a realm given by id: what the schedule job and the page both
 * call; and reads a stored one back as it was produced.
 */
@injectable()
export class PostureReports {
  constructor(
    @inject(PLATFORM_DATABASE) private readonly database: PlatformDatabase,
    @inject(CLOCK) private readonly clock: Clock,
  ) {}

  async report(realmId: string, options: ReportOptions = {}): Promise<PostureReport> {
    const now = options.now ?? this.clock.now();
    return new RealmDb(this.database, realmId).transaction(
      async (tx) => {
        const query: RealmQuery = (statement) => tx.$queryRaw(statement);
        const realm = await tx.realm.findFirstOrThrow({
          where: { id: realmId },
          select: { id: true, slug: true, name: true },
        });
        const figures = await figuresOfRealm(query, realm, now);
        const previous = await tx.postureReport.findFirst({
          orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
          select: { createdAt: true, figures: true },
        });
        const changes = previous
          ? await changesOf(
              query,
              realmId,
              { createdAt: previous.createdAt, figures: previous.figures as unknown as PostureFigures },
              figures,
            )
          : null;
        if (!options.store) return { id: null, figures, changes };
        const stored = await tx.postureReport.create({
          data: {
            trigger: options.store,
            figures: asJson(figures),
            ...(changes ? { changes: asJson(changes) } : {}),
            createdAt: now,
          },
          select: { id: true },
        });
        await options.onStored?.(tx, stored.id);
        return { id: stored.id, figures, changes };
      },
      { timeout: reportTimeoutMs },
    );
  }

  /** A stored report as it was produced (not counted again), or null when there is none of that id. */
  async stored(realmId: string, id: string): Promise<PostureReport | null> {
    const row = await new RealmDb(this.database, realmId).transaction((tx) =>
      tx.postureReport.findFirst({ where: { id }, select: { id: true, figures: true, changes: true } }),
    );
    if (!row) return null;
    return {
      id: row.id,
      figures: row.figures as unknown as PostureFigures,
      changes: (row.changes ?? null) as unknown as ReportChanges | null,
    };
  }
}

/** The report of the request's realm, for a caller who sees all of it. */
@injectable()
export class PostureReportService {
  constructor(
    @inject(REQUEST_CONTEXT) private readonly context: RequestContext,
    @inject(REQUEST_PERMISSIONS) private readonly permissions: RequestPermissions,
    @inject(PostureReports) private readonly reports: PostureReports,
  ) {}

  /** The report as it would be produced now, compared with the last one; nothing is stored. */
  async preview(): Promise<PostureReport> {
    this.requireRealmWide();
    return this.reports.report(this.context.realm.id, { now: this.context.clock.now() });
  }

  /** Produces and keeps the report (a download, or the page's "produce" action). */
  async produce(): Promise<PostureReport> {
    this.requireRealmWide();
    return this.reports.report(this.context.realm.id, { store: 'manual', now: this.context.clock.now() });
  }

  /**
   * A member whose grants cover only some teams gets no report: its figures are the whole realm's
   * (as are the snapshots behind its trends).
   */
  private requireRealmWide(): void {
    const partial = ['report:read', 'nhi:read', 'alert:read'].some(
      (permission) =>
        this.permissions.has(permission) && this.permissions.coverage(permission).kind !== 'all',
    );
    if (partial) throw new ReportsAreRealmWideError();
  }
}
