import { inject, injectable } from 'tsyringe';
import { isUniqueViolation } from '../../auth/realm-admin-writes.ts';
import type { RequestContext } from '../../context/request-context.ts';
import type { RealmDb, RealmTx } from '../../database/realm-db.ts';
import { REALM_DB } from '../../database/tokens.ts';
import { REQUEST_CONTEXT, REQUEST_PERMISSIONS } from '../../di/tokens.ts';
import {
  ConflictError,
  NotFoundError,
  PermissionDeniedError,
  ValidationError,
} from '../../errors/domain-errors.ts';
import type { Prisma } from '../../generated/prisma/client.ts';
import { parseInput } from '../../validation/parse-input.ts';
import {
  type CreateSavedViewInput,
  createSavedViewInput,
  type ListSavedViewsInput,
  listSavedViewsInput,
  type SavedViewIdInput,
  type SavedViewPageName,
  savedViewIdInput,
  type UpdateSavedViewInput,
  updateSavedViewInput,
} from '../api/saved-views.schema.ts';
import { SAVED_VIEW_PAGES, type SavedViewPages, viewSearchOf } from './saved-view-pages.ts';

/** Enough for every morning's triage; a list longer than this is no longer a menu. */
export const maxViewsPerPage = 50;

/** A value of a page's URL search as stored: text, a number, a flag, or a list of them. */
export type SavedViewSearchValue = string | number | boolean | null | (string | number)[];
export type SavedViewSearch = Record<string, SavedViewSearchValue>;

export interface SavedView {
  id: string;
  page: SavedViewPageName;
  name: string;
  shared: boolean;
  search: SavedViewSearch;
  /** The caller's own view. */
  mine: boolean;
  /** Who keeps it, by email; null once they are no longer a member. */
  owner: string | null;
  /** The caller may rename, change or delete it. */
  editable: boolean;
  updatedAt: Date;
}

export interface SavedViewList {
  views: SavedView[];
  /** The caller may share views with the realm (the save dialog offers it). */
  canShare: boolean;
}

const viewFields = {
  id: true,
  ownerUserId: true,
  page: true,
  name: true,
  shared: true,
  search: true,
  updatedAt: true,
} as const;

type ViewRow = Prisma.SavedViewGetPayload<{ select: typeof viewFields }>;

/**
 * Saved views: a member's named searches of a page, personal or shared with the realm. Another
 * member's personal view does not exist for the caller (404); somebody else's shared view is
 * seen by all, and changed or deleted only with view:share.
 */
@injectable()
export class SavedViews {
  constructor(
    @inject(REQUEST_CONTEXT) private readonly context: RequestContext,
    @inject(REALM_DB) private readonly realmDb: RealmDb,
    @inject(REQUEST_PERMISSIONS) private readonly permissions: ReadonlySet<string>,
    @inject(SAVED_VIEW_PAGES) private readonly pages: SavedViewPages,
  ) {}

  /** The caller's own views of the page and the realm's shared ones, by name. */
  async list(input: ListSavedViewsInput): Promise<SavedViewList> {
    const { page } = parseInput(listSavedViewsInput, input, 'saved views');
    const userId = this.mayKeepViewsOf(page);
    return this.realmDb.transaction(async (tx) => {
      const rows = await tx.savedView.findMany({
        where: { page, OR: [{ ownerUserId: userId }, { shared: true }] },
        select: viewFields,
        orderBy: [{ name: 'asc' }, { id: 'asc' }],
      });
      return { views: await this.described(tx, rows), canShare: this.canShare() };
    });
  }

  async create(input: CreateSavedViewInput): Promise<SavedView> {
    const { page, name, shared, search } = parseInput(createSavedViewInput, input, 'view');
    const userId = this.mayKeepViewsOf(page);
    if (shared) this.requireShare();
    const stored = viewSearchOf(page, this.pages[page], search);
    return this.unique(name, () =>
      this.realmDb.transaction(async (tx) => {
        const count = await tx.savedView.count({ where: { page, ownerUserId: userId } });
        if (count >= maxViewsPerPage) {
          throw new ValidationError(
            `You keep ${maxViewsPerPage} views of this page already: delete one first`,
          );
        }
        await this.requireFreeName(tx, { page, ownerUserId: userId, name });
        const row = await tx.savedView.create({
          data: { page, name, shared, search: stored as Prisma.InputJsonObject, ownerUserId: userId },
          select: viewFields,
        });
        const [view] = await this.described(tx, [row]);
        return view as SavedView;
      }),
    );
  }

  /** Renames, shares or unshares, or stores a new search; only the fields given change. */
  async update(input: UpdateSavedViewInput): Promise<SavedView> {
    const { id, name, shared, search } = parseInput(updateSavedViewInput, input, 'view');
    return this.unique(name ?? '', () =>
      this.realmDb.transaction(async (tx) => {
        const view = await this.editableView(tx, id);
        if (shared !== undefined && shared !== view.shared) this.requireShare();
        const page = view.page as SavedViewPageName;
        if (name !== undefined && name !== view.name) {
          await this.requireFreeName(tx, { page, ownerUserId: view.ownerUserId, name });
        }
        const stored = search === undefined ? undefined : viewSearchOf(page, this.pages[page], search);
        const row = await tx.savedView.update({
          where: { id },
          data: { name, shared, search: stored as Prisma.InputJsonObject | undefined },
          select: viewFields,
        });
        const [updated] = await this.described(tx, [row]);
        return updated as SavedView;
      }),
    );
  }

  async delete(input: SavedViewIdInput): Promise<void> {
    const { id } = parseInput(savedViewIdInput, input, 'view');
    await this.realmDb.transaction(async (tx) => {
      await this.editableView(tx, id);
      await tx.savedView.delete({ where: { id }, select: { id: true } });
    });
  }

  /** The caller's user id, when they may read the page. */
  private mayKeepViewsOf(page: SavedViewPageName): string {
    const { principal } = this.context;
    const permission = this.pages[page].readPermission;
    if (principal.kind === 'system' || !this.permissions.has(permission)) {
      throw new PermissionDeniedError(permission);
    }
    return principal.userId;
  }

  private canShare(): boolean {
    return this.permissions.has('view:share');
  }

  private requireShare(): void {
    if (!this.canShare()) throw new PermissionDeniedError('view:share');
  }

  /** The view as the caller may change it: theirs, or a shared one with view:share. */
  private async editableView(tx: RealmTx, id: string): Promise<ViewRow> {
    const view = await tx.savedView.findFirst({ where: { id }, select: viewFields });
    const userId = view ? this.mayKeepViewsOf(view.page as SavedViewPageName) : undefined;
    if (!view || (view.ownerUserId !== userId && !view.shared)) throw new NotFoundError('SavedView', id);
    if (view.ownerUserId !== userId) this.requireShare();
    return view;
  }

  private async requireFreeName(
    tx: RealmTx,
    where: { page: SavedViewPageName; ownerUserId: string; name: string },
  ): Promise<void> {
    const taken = await tx.savedView.findFirst({ where, select: { id: true } });
    if (taken) throw new ConflictError(`You already have a view named “${where.name}”`);
  }

  /** Two saves of one name at once: the unique key refuses the second. */
  private async unique<T>(name: string, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictError(`You already have a view named “${name}”`);
      throw error;
    }
  }

  private async described(tx: RealmTx, rows: ViewRow[]): Promise<SavedView[]> {
    const ownerIds = [...new Set(rows.map((row) => row.ownerUserId))];
    // Members only: row-level security hides everyone else, so a former member's shared view has no owner.
    const owners = await tx.user.findMany({
      where: { id: { in: ownerIds } },
      select: { id: true, email: true },
    });
    const emails = new Map(owners.map((owner) => [owner.id, owner.email]));
    const userId = this.context.principal.kind === 'system' ? null : this.context.principal.userId;
    return rows.map((row) => {
      const mine = row.ownerUserId === userId;
      return {
        id: row.id,
        page: row.page as SavedViewPageName,
        name: row.name,
        shared: row.shared,
        search: row.search as SavedViewSearch,
        mine,
        owner: emails.get(row.ownerUserId) ?? null,
        editable: mine || this.canShare(),
        updatedAt: row.updatedAt,
      };
    });
  }
}
