import { createFileRoute } from '@tanstack/react-router';
import { z } from 'zod';
import { GroupAssignments } from '../../../components/policy/group-assignments.tsx';
import { GroupMembers } from '../../../components/policy/group-members.tsx';
import { GroupStructure } from '../../../components/policy/group-structure.tsx';
import { GroupTree } from '../../../components/policy/group-tree.tsx';
import { PolicyError } from '../../../components/policy/policy-error.tsx';
import { PolicyNav } from '../../../components/policy/policy-nav.tsx';
import { policyGroupsPage } from '../../../server/functions/policy.functions.ts';
// The search schema parses in the browser too: zod without eval there, as the CSP requires.
import '../../../components/inventory/zod-jitless.ts';

const search = z.object({ group: z.string().max(64).optional() });

export const Route = createFileRoute('/_authenticated/policy/groups')({
  validateSearch: (input) => search.parse(input),
  loaderDeps: ({ search }) => search,
  head: () => ({ meta: [{ title: 'Groups · NHI Hub' }] }),
  loader: ({ deps }) => policyGroupsPage({ data: { groupId: deps.group } }),
  errorComponent: ({ error }) => <PolicyError error={error} />,
  component: GroupsPage,
});

function GroupsPage() {
  const { groups, selected, members, policies, canAdminister } = Route.useLoaderData();
  return (
    <div className="stack">
      <header className="page-header">
        <h1>Groups</h1>
        <p className="muted">
          A policy assigned to a group applies to its members and to every group below it. Built-in groups
          follow the realm roles.
        </p>
        <PolicyNav />
      </header>
      <div className="policy-layout">
        <GroupTree groups={groups} selectedId={selected?.id ?? null} />
        {selected ? (
          <div className="stack" data-testid="group-detail" data-group={selected.name}>
            <h2>{selected.path.map((p) => p.name).join(' › ')}</h2>
            {selected.description ? <p className="muted">{selected.description}</p> : null}
            <GroupMembers group={selected} members={members} canAdminister={canAdminister} />
            <GroupAssignments
              group={selected}
              policies={policies}
              groups={groups}
              canAdminister={canAdminister}
            />
            {canAdminister ? <GroupStructure group={selected} groups={groups} /> : null}
          </div>
        ) : null}
      </div>
    </div>
  );
}
