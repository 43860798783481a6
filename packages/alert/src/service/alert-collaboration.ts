import {
  actorOf,
  HubMailer,
  NotFoundError,
  normaliseEmail,
  parseInput,
  REALM_DB,
  REQUEST_CONTEXT,
  REQUEST_PERMISSIONS,
  type RealmDb,
  type RealmTx,
  type RequestContext,
  type RequestPermissions,
  ValidationError,
  writeAuditEntry,
} from '@nhi/platform';
import { inject, injectable } from 'tsyringe';
import {
  type AddAlertCommentInput,
  type AssignAlertInput,
  addAlertCommentInput,
  assignAlertInput,
} from '../api/alert.schema.ts';
import { assertAlertsCovered } from './alert-coverage.ts';
import { alertRuleOf } from './alert-rules.ts';

/** A member of the realm, as the assignee choice and mentions show them. */
export interface AlertMember {
  id: string;
  email: string;
}

/** Who answers for an alert, and by when. */
export interface AlertAssignment {
  assigneeId: string | null;
  /** The assignee's email; null without one, or once they left the realm. */
  assignee: string | null;
  dueAt: Date | null;
}

export interface AlertCommentView {
  id: string;
  body: string;
  /** The author's email; null for a system actor or an author who left the realm. */
  author: string | null;
  actorType: 'user' | 'token' | 'system';
  /** The realm members the comment mentions, by email. */
  mentions: string[];
  createdAt: Date;
}

/** A new comment, and how many of the people it mentions were sent a mail. */
export type AddedAlertComment = AlertCommentView & { mailed: number };

/** A mention is `@` and an address, not preceded by a word character (so a plain email is none). */
const mentionPattern = /(?<![\w.+-])@([\w.+-]+@[\w-]+(?:\.[\w-]+)+)/g;
const maxMentions = 20;

/** The addresses a comment mentions, normalised, each once, at most maxMentions. */
export function mentionedEmails(body: string): string[] {
  const found = [...body.matchAll(mentionPattern)].map((match) => normaliseEmail(match[1] ?? ''));
  return [...new Set(found)].slice(0, maxMentions);
}

/** Emails of realm members by id; row-level security hides everyone else, so former members drop out. */
async function memberEmails(tx: RealmTx, ids: Iterable<string | null>): Promise<Map<string, string>> {
  const wanted = [...new Set([...ids].filter((id): id is string => id !== null))];
  if (wanted.length === 0) return new Map();
  const members = await tx.realmMembership.findMany({
    where: { userId: { in: wanted } },
    select: { user: { select: { id: true, email: true } } },
  });
  return new Map(members.map(({ user }) => [user.id, user.email]));
}

/**
 * The assignee and due date of alerts given by id, for the list and the detail: one query for the
 * page, whatever reads its rows.
 */
export async function withAssignments<T extends { id: string }>(
  tx: RealmTx,
  items: T[],
): Promise<(T & AlertAssignment)[]> {
  if (items.length === 0) return [];
  const rows = await tx.alert.findMany({
    where: { id: { in: items.map((item) => item.id) } },
    select: { id: true, assigneeId: true, dueAt: true },
  });
  const byId = new Map(rows.map((row) => [row.id, row]));
  const emails = await memberEmails(
    tx,
    rows.map((row) => row.assigneeId),
  );
  return items.map((item) => {
    const row = byId.get(item.id);
    const assigneeId = row?.assigneeId ?? null;
    return {
      ...item,
      assigneeId,
      assignee: assigneeId ? (emails.get(assigneeId) ?? null) : null,
      dueAt: row?.dueAt ?? null,
    };
  });
}

/** A page whose items carry their assignment. */
export type WithAssignments<P extends { items: { id: string }[] }> = Omit<P, 'items'> & {
  items: (P['items'][number] & AlertAssignment)[];
};

/** One alert's assignment (the alert is known to exist). */
export async function assignmentOf(tx: RealmTx, id: string): Promise<AlertAssignment> {
  const [assigned] = await withAssignments(tx, [{ id }]);
  return {
    assigneeId: assigned?.assigneeId ?? null,
    assignee: assigned?.assignee ?? null,
    dueAt: assigned?.dueAt ?? null,
  };
}

function day(date: Date | null): string {
  return date ? date.toISOString().slice(0, 10) : 'none';
}

/** The history line of an assignment change: what changed, in words. */
function assignmentReason(
  before: { assigneeId: string | null; dueAt: Date | null },
  after: { assigneeId: string | null; assignee: string | null; dueAt: Date | null },
): string {
  const parts: string[] = [];
  if (before.assigneeId !== after.assigneeId) {
    parts.push(after.assignee ? `Assigned to ${after.assignee}` : 'Unassigned');
  }
  if (day(before.dueAt) !== day(after.dueAt) && after.assigneeId) {
    parts.push(after.dueAt ? `due ${day(after.dueAt)}` : 'no due date');
  }
  return parts.join(', ');
}

/**
 * Working on an alert together: who answers for it and by when (changes recorded in the alert
 * history with their actor), and plain-text comments whose `@email` mentions of realm members send
 * those members a mail. Mail goes after the comment is stored and never fails the comment.
 * Comments are read within the caller's `alert:read` coverage, assignments and new comments within
 * its `alert:ack` coverage: another team's alert is NOT_FOUND.
 */
@injectable()
export class AlertCollaboration {
  constructor(
    @inject(REQUEST_CONTEXT) private readonly context: RequestContext,
    @inject(REALM_DB) private readonly realmDb: RealmDb,
    @inject(HubMailer) private readonly mailer: HubMailer,
    @inject(REQUEST_PERMISSIONS) private readonly permissions: RequestPermissions,
  ) {}

  /** Who an alert can be assigned to: the realm's members, by email. */
  async members(): Promise<AlertMember[]> {
    return this.realmDb.transaction(async (tx) => {
      const rows = await tx.realmMembership.findMany({
        select: { user: { select: { id: true, email: true, disabledAt: true } } },
        orderBy: { user: { email: 'asc' } },
      });
      return rows
        .filter(({ user }) => !user.disabledAt)
        .map(({ user }) => ({ id: user.id, email: user.email }));
    });
  }

  /** Sets or clears the assignee and due date; an unchanged assignment records nothing. */
  async assign(input: AssignAlertInput): Promise<AlertAssignment> {
    const { id, assigneeId, dueAt } = parseInput(assignAlertInput, input, 'assignment');
    if (!assigneeId && dueAt) {
      throw new ValidationError('A due date needs an assignee', [
        { path: ['dueAt'], message: 'Choose who the alert is due from' },
      ]);
    }
    const now = this.context.clock.now();
    return this.realmDb.transaction(async (tx) => {
      const alert = await tx.alert.findFirst({
        where: { id },
        select: { id: true, state: true, assigneeId: true, dueAt: true, nhiId: true },
      });
      if (!alert) throw new NotFoundError('Alert', id);
      await assertAlertsCovered(tx, this.permissions.coverage('alert:ack'), [alert]);
      const emails = await memberEmails(tx, [assigneeId]);
      // Anyone who is not a member of this realm, in another realm or nowhere, is unknown here.
      if (assigneeId && !emails.has(assigneeId)) throw new NotFoundError('Realm member', assigneeId);
      const after = { assigneeId, assignee: assigneeId ? (emails.get(assigneeId) ?? null) : null, dueAt };
      const reason = assignmentReason(alert, after);
      if (!reason) return after;
      await tx.alert.update({
        where: { id },
        data: { assigneeId, dueAt, updatedAt: now },
        select: { id: true },
      });
      await tx.alertEvent.create({
        data: {
          alertId: id,
          kind: 'assignment',
          fromState: alert.state,
          toState: alert.state,
          reason,
          ...actorOf(this.context.principal),
          createdAt: now,
        },
        select: { id: true },
      });
      await writeAuditEntry(tx, {
        realmId: this.realmDb.realmId,
        actor: this.context.principal,
        action: 'alert.assign',
        entityType: 'Alert',
        entityId: id,
        before: { assigneeId: alert.assigneeId, dueAt: alert.dueAt?.toISOString() ?? null },
        after: { assigneeId, dueAt: dueAt?.toISOString() ?? null },
        requestId: this.context.requestId,
      });
      return after;
    });
  }

  /** The alert's comments, oldest first. */
  async comments(alertId: string): Promise<AlertCommentView[]> {
    return this.realmDb.transaction(async (tx) => {
      await this.alertOf(tx, alertId, 'alert:read');
      const rows = await tx.alertComment.findMany({
        where: { alertId },
        orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
        select: {
          id: true,
          body: true,
          actorType: true,
          authorId: true,
          mentionedUserIds: true,
          createdAt: true,
        },
      });
      const emails = await memberEmails(
        tx,
        rows.flatMap((row) => [row.authorId, ...row.mentionedUserIds]),
      );
      return rows.map((row) => ({
        id: row.id,
        body: row.body,
        author: row.authorId ? (emails.get(row.authorId) ?? null) : null,
        actorType: row.actorType,
        mentions: row.mentionedUserIds.flatMap((userId) => emails.get(userId) ?? []),
        createdAt: row.createdAt,
      }));
    });
  }

  /** Stores the comment, then mails the realm members it mentions (never its author). */
  async addComment(input: AddAlertCommentInput): Promise<AddedAlertComment> {
    const { id: alertId, body } = parseInput(addAlertCommentInput, input, 'comment');
    const principal = this.context.principal;
    const authorId = principal.kind === 'system' ? null : principal.userId;
    const now = this.context.clock.now();
    const { comment, alert, notify } = await this.realmDb.transaction(async (tx) => {
      const alert = await this.alertOf(tx, alertId, 'alert:ack');
      const wanted = mentionedEmails(body);
      const mentioned = wanted.length
        ? await tx.realmMembership.findMany({
            where: { user: { email: { in: wanted } } },
            select: { user: { select: { id: true, email: true, disabledAt: true } } },
          })
        : [];
      const members = mentioned.map(({ user }) => user);
      const row = await tx.alertComment.create({
        data: {
          alertId,
          ...actorOf(principal),
          authorId,
          body,
          mentionedUserIds: members.map((member) => member.id),
          createdAt: now,
        },
        select: { id: true, actorType: true, createdAt: true },
      });
      await writeAuditEntry(tx, {
        realmId: this.realmDb.realmId,
        actor: principal,
        action: 'alert.comment',
        entityType: 'Alert',
        entityId: alertId,
        after: { commentId: row.id, mentions: members.map((member) => member.email) },
        requestId: this.context.requestId,
      });
      const author = authorId ? ((await memberEmails(tx, [authorId])).get(authorId) ?? null) : null;
      const comment: AlertCommentView = {
        id: row.id,
        body,
        author,
        actorType: row.actorType,
        mentions: members.map((member) => member.email),
        createdAt: row.createdAt,
      };
      const notify = members.filter((member) => member.id !== authorId && !member.disabledAt);
      return { comment, alert, notify };
    });
    const outcomes = await Promise.all(
      notify.map((member) => this.mailer.send(this.mentionMail(member.email, comment.author, alert))),
    );
    return { ...comment, mailed: outcomes.filter((outcome) => outcome === 'sent').length };
  }

  /** The alert, if the coverage of `permission` reaches it. */
  private async alertOf(tx: RealmTx, id: string, permission: 'alert:read' | 'alert:ack') {
    const alert = await tx.alert.findFirst({
      where: { id },
      select: { id: true, ruleId: true, severity: true, nhiId: true },
    });
    if (!alert) throw new NotFoundError('Alert', id);
    await assertAlertsCovered(tx, this.permissions.coverage(permission), [alert]);
    return alert;
  }

  /**
   * Says who mentioned whom on which alert, with a link to it: never the comment itself nor the
   * alert's evidence, which may quote what a scan found.
   */
  private mentionMail(
    to: string,
    author: string | null,
    alert: { id: string; ruleId: string; severity: string },
  ) {
    const who = author ?? 'Someone';
    const title = alertRuleOf(alert.ruleId)?.title ?? alert.ruleId;
    const realm = this.context.realm.slug;
    // Page URLs carry the realm (ADR 0036): the link opens the alert in its realm for anyone.
    const link = this.mailer.publicLink(`/r/${encodeURIComponent(realm)}/alerts/${alert.id}`);
    return {
      to,
      subject: `${who} mentioned you on an NHI Hub alert`,
      text: [
        `${who} mentioned you in a comment on the alert "${title}" (${alert.severity}) in the realm ${realm}.`,
        '',
        link ? `Open the alert: ${link}` : `Open the NHI Hub, realm ${realm}, to read it under Alerts.`,
        '',
      ].join('\n'),
    };
  }
}
