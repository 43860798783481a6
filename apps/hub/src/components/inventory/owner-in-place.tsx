import type { NhiDetail, OwnerGroup, RealmMember } from '@nhi/nhi';
import { Command } from 'cmdk';
import { useRef, useState } from 'react';
import { ServerFnError } from '../../lib/server-fn-error.ts';
import { updateNhi } from '../../server/functions/nhi.functions.ts';
import { AlertMessage } from '../shared/alert-message.tsx';
import { DialogActions, ModalDialog } from '../shared/modal-dialog.tsx';
import { useFailureMessage } from '../shared/use-failure-message.ts';
import { ConflictDialog, conflictOf, type NhiConflict } from './conflict-dialog.tsx';
import type { NhiChanges } from './nhi-schema.ts';

/** Who answers for the identity: a person, a team, both or nobody (null). */
interface OwnerChoice {
  person: string | null;
  team: string | null;
}

function choiceOf(nhi: NhiDetail): OwnerChoice {
  return { person: nhi.owner?.id ?? null, team: nhi.ownerGroup?.id ?? null };
}

/** Only the fields that differ from the saved identity: the update sends nothing else. */
export function ownerChangesOf(saved: OwnerChoice, chosen: OwnerChoice): NhiChanges {
  return {
    ...(chosen.person === saved.person ? {} : { ownerUserId: chosen.person }),
    ...(chosen.team === saved.team ? {} : { ownerGroupId: chosen.team }),
  };
}

/** Matches the words shown (email, team name), not the ids behind them. */
function matchShown(_value: string, search: string, keywords?: string[]): number {
  const needle = search.trim().toLowerCase();
  return !needle || (keywords ?? []).some((word) => word.toLowerCase().includes(needle)) ? 1 : 0;
}

function OwnerOption({
  kind,
  label,
  id,
  chosen,
  onSelect,
}: {
  kind: 'person' | 'team';
  label: string;
  id: string | null;
  chosen: boolean;
  onSelect: () => void;
}) {
  return (
    <Command.Item
      value={`${kind}:${id ?? 'none'}`}
      keywords={[label]}
      onSelect={onSelect}
      className="owner-option"
      data-testid="owner-option"
      data-kind={kind}
      data-chosen={chosen ? 'true' : undefined}
    >
      <span className="owner-option-mark" aria-hidden="true">
        {chosen ? '✓' : ''}
      </span>
      {label}
      {chosen ? <span className="visually-hidden"> (chosen)</span> : null}
    </Command.Item>
  );
}

/**
 * Changes who answers for an identity where it is shown: a searchable list of the realm's members
 * and groups, saved with the version the page shows. A stale version opens the same comparison
 * as the edit form. One trigger whatever the state, so focus returns to it after a save.
 */
export function OwnerInPlace({
  nhi,
  members,
  groups,
  onSaved,
}: {
  nhi: NhiDetail;
  members: RealmMember[];
  groups: OwnerGroup[];
  onSaved: () => Promise<void>;
}) {
  const trigger = useRef<HTMLButtonElement>(null);
  const failureMessage = useFailureMessage();
  const [open, setOpen] = useState(false);
  const [chosen, setChosen] = useState<OwnerChoice>(choiceOf(nhi));
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [conflict, setConflict] = useState<{ details: NhiConflict; mine: NhiChanges } | null>(null);
  const changes = ownerChangesOf(choiceOf(nhi), chosen);
  const unowned = !nhi.owner && !nhi.ownerGroup;

  function openWith(isOpen: boolean) {
    if (isOpen) {
      setChosen(choiceOf(nhi));
      setError(null);
    }
    setOpen(isOpen);
  }

  async function done() {
    setConflict(null);
    setOpen(false);
    await onSaved();
    trigger.current?.focus();
  }

  async function save(mine: NhiChanges, expectedVersion: number, force: boolean) {
    setPending(true);
    setError(null);
    try {
      await updateNhi({ data: { id: nhi.id, expectedVersion, force, changes: mine } });
      await done();
    } catch (failure) {
      const details =
        failure instanceof ServerFnError && failure.code === 'CONFLICT' ? conflictOf(failure.details) : null;
      if (details) {
        setOpen(false);
        setConflict({ details, mine });
      } else {
        setError(await failureMessage(failure));
      }
    } finally {
      setPending(false);
    }
  }

  const personLabel = members.find((member) => member.id === chosen.person)?.email ?? 'no person';
  const teamLabel = groups.find((group) => group.id === chosen.team)?.name ?? 'no team';
  return (
    <>
      <button
        ref={trigger}
        type="button"
        className={unowned ? 'button small' : 'button small secondary'}
        onClick={() => openWith(true)}
        data-testid="owner-change"
      >
        {unowned ? 'Assign owner' : 'Change owner'}
      </button>
      <ModalDialog
        open={open}
        onOpenChange={(isOpen) => !pending && openWith(isOpen)}
        title={unowned ? `Assign an owner to ${nhi.name}` : `Change the owner of ${nhi.name}`}
        description="A person, a team, or both answer for this identity."
        testId="owner-dialog"
        className="owner-dialog"
        onCloseAutoFocus={(event) => {
          event.preventDefault();
          trigger.current?.focus();
        }}
      >
        <Command label="People and teams" filter={matchShown} className="owner-combobox">
          <Command.Input
            className="owner-search"
            placeholder="Search people and teams"
            aria-label="Search people and teams"
            data-testid="owner-search"
          />
          <Command.List className="owner-list">
            <Command.Empty className="muted">No person or team matches.</Command.Empty>
            <Command.Group heading="People">
              {members.map((member) => (
                <OwnerOption
                  key={member.id}
                  kind="person"
                  id={member.id}
                  label={member.email}
                  chosen={chosen.person === member.id}
                  onSelect={() => setChosen((now) => ({ ...now, person: member.id }))}
                />
              ))}
              <OwnerOption
                kind="person"
                id={null}
                label="No person"
                chosen={chosen.person === null}
                onSelect={() => setChosen((now) => ({ ...now, person: null }))}
              />
            </Command.Group>
            <Command.Group heading="Teams">
              {groups.map((group) => (
                <OwnerOption
                  key={group.id}
                  kind="team"
                  id={group.id}
                  label={group.name}
                  chosen={chosen.team === group.id}
                  onSelect={() => setChosen((now) => ({ ...now, team: group.id }))}
                />
              ))}
              <OwnerOption
                kind="team"
                id={null}
                label="No team"
                chosen={chosen.team === null}
                onSelect={() => setChosen((now) => ({ ...now, team: null }))}
              />
            </Command.Group>
          </Command.List>
        </Command>
        <p data-testid="owner-choice" aria-live="polite">
          Answers for it: {personLabel}, {teamLabel}.
        </p>
        <AlertMessage message={error} testId="owner-error" />
        <DialogActions
          pending={pending}
          disabled={Object.keys(changes).length === 0}
          label="Save owner"
          pendingLabel="Saving…"
          testId="owner-save"
          onClick={() => save(changes, nhi.version, false)}
        />
      </ModalDialog>
      {conflict ? (
        <ConflictDialog
          conflict={conflict.details}
          mine={conflict.mine}
          members={members}
          groups={groups}
          pending={pending}
          onReload={done}
          onOverwrite={() => save(conflict.mine, conflict.details.currentVersion, true)}
        />
      ) : null}
    </>
  );
}
