import type { SavedView, SavedViewPageName } from '@nhi/platform';
import * as Menu from '@radix-ui/react-dropdown-menu';
import { type FormEvent, useCallback, useEffect, useState } from 'react';
import {
  createSavedView,
  deleteSavedView,
  listSavedViews,
} from '../../server/functions/saved-views.functions.ts';
import { AlertMessage } from '../shared/alert-message.tsx';
import { DialogActions, ModalDialog } from '../shared/modal-dialog.tsx';
import { usePendingAction } from '../shared/use-pending-action.ts';
import { sameSearch } from './same-search.ts';

type Search = Record<string, unknown>;

/**
 * The "Views" control of a list page: the realm's shared views and the caller's own, each applied
 * by navigating to its search (so the address is the view and can be passed on), saving the
 * current search under a name, and deleting the view that is showing. `search` is the page's
 * search without paging; `onApply` navigates.
 */
export function SavedViewsMenu({
  page,
  search,
  onApply,
}: {
  page: SavedViewPageName;
  /** An object rather than a record: the pages type their searches as interfaces. */
  search: object;
  onApply: (search: Search) => void;
}) {
  const [views, setViews] = useState<SavedView[]>([]);
  const [canShare, setCanShare] = useState(false);
  const [dialog, setDialog] = useState<'save' | 'delete' | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);

  const reload = useCallback(async () => {
    try {
      const list = await listSavedViews({ data: { page } });
      setViews(list.views);
      setCanShare(list.canShare);
      setLoadError(null);
    } catch {
      setLoadError('Saved views could not be loaded.');
    }
  }, [page]);

  useEffect(() => {
    void reload();
  }, [reload]);

  const active = views.find((view) => sameSearch(view.search, search));
  const shared = views.filter((view) => view.shared);
  const mine = views.filter((view) => view.mine && !view.shared);

  return (
    <div className="saved-views" data-testid="saved-views">
      <Menu.Root modal={false}>
        <Menu.Trigger className="button secondary small" data-testid="views-button">
          <span data-testid="active-view">{active ? `Views: ${active.name}` : 'Views'}</span>
          <span aria-hidden="true">▾</span>
        </Menu.Trigger>
        <Menu.Portal>
          <Menu.Content className="saved-views-menu" align="start" sideOffset={4} data-testid="views-menu">
            <ViewGroup label="Shared" views={shared} active={active} onApply={onApply} />
            <ViewGroup label="Mine" views={mine} active={active} onApply={onApply} />
            <Menu.Separator className="saved-views-separator" />
            <Menu.Item
              className="saved-views-item"
              data-testid="save-view"
              onSelect={() => setDialog('save')}
            >
              Save current view…
            </Menu.Item>
            {active?.editable ? (
              <Menu.Item
                className="saved-views-item danger"
                data-testid="view-delete"
                onSelect={() => setDialog('delete')}
              >
                Delete “{active.name}”…
              </Menu.Item>
            ) : null}
          </Menu.Content>
        </Menu.Portal>
      </Menu.Root>
      <AlertMessage message={loadError} inline />
      {dialog === 'save' ? (
        <SaveViewDialog
          page={page}
          search={search}
          canShare={canShare}
          onClose={() => setDialog(null)}
          onSaved={reload}
        />
      ) : null}
      {dialog === 'delete' && active ? (
        <DeleteViewDialog view={active} onClose={() => setDialog(null)} onDeleted={reload} />
      ) : null}
    </div>
  );
}

function ViewGroup({
  label,
  views,
  active,
  onApply,
}: {
  label: string;
  views: SavedView[];
  active: SavedView | undefined;
  onApply: (search: Search) => void;
}) {
  return (
    <Menu.Group>
      <Menu.Label className="saved-views-label">{label}</Menu.Label>
      {views.length === 0 ? <p className="saved-views-empty muted">None yet</p> : null}
      {views.map((view) => (
        <Menu.Item
          key={view.id}
          className="saved-views-item"
          data-testid="view-item"
          data-view-name={view.name}
          aria-current={view.id === active?.id ? 'true' : undefined}
          onSelect={() => onApply(view.search)}
        >
          {view.name}
          {view.shared && !view.mine && view.owner ? <span className="muted"> · {view.owner}</span> : null}
        </Menu.Item>
      ))}
    </Menu.Group>
  );
}

function SaveViewDialog({
  page,
  search,
  canShare,
  onClose,
  onSaved,
}: {
  page: SavedViewPageName;
  search: object;
  canShare: boolean;
  onClose: () => void;
  onSaved: () => Promise<void>;
}) {
  const action = usePendingAction();
  const [name, setName] = useState('');
  const [shared, setShared] = useState(false);

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    void action.run(
      () => createSavedView({ data: { page, name, shared, search: { ...search } } }),
      async () => {
        onClose();
        await onSaved();
      },
    );
  }

  return (
    <ModalDialog
      open
      onOpenChange={(open) => {
        if (!open && !action.pending) onClose();
      }}
      title="Save current view"
      description="Its filters, sort and grouping, to apply again from the Views menu."
      testId="save-view-dialog"
    >
      <form className="stack" onSubmit={onSubmit}>
        <label className="field">
          <span>Name</span>
          <input
            value={name}
            onChange={(event) => setName(event.target.value)}
            required
            maxLength={80}
            data-testid="view-name-input"
          />
        </label>
        {canShare ? (
          <label className="choice">
            <input
              type="checkbox"
              checked={shared}
              onChange={(event) => setShared(event.target.checked)}
              data-testid="view-shared"
            />{' '}
            Share with everyone in this realm
          </label>
        ) : null}
        <AlertMessage message={action.error} testId="save-view-error" />
        <DialogActions
          pending={action.pending}
          label="Save"
          pendingLabel="Saving…"
          testId="save-view-submit"
        />
      </form>
    </ModalDialog>
  );
}

function DeleteViewDialog({
  view,
  onClose,
  onDeleted,
}: {
  view: SavedView;
  onClose: () => void;
  onDeleted: () => Promise<void>;
}) {
  const action = usePendingAction();
  return (
    <ModalDialog
      open
      onOpenChange={(open) => {
        if (!open && !action.pending) onClose();
      }}
      title={`Delete the view “${view.name}”?`}
      description={view.shared ? 'It is shared: it goes for everyone in this realm.' : undefined}
      testId="delete-view-dialog"
    >
      <AlertMessage message={action.error} />
      <DialogActions
        pending={action.pending}
        danger
        label="Delete"
        pendingLabel="Deleting…"
        testId="view-delete-confirm"
        onClick={() =>
          void action.run(
            () => deleteSavedView({ data: { id: view.id } }),
            // The list is fresh before the dialog goes: the menu never offers the deleted view again.
            async () => {
              await onDeleted();
              onClose();
            },
          )
        }
      />
    </ModalDialog>
  );
}
