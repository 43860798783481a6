import type { GroupSummary } from '@nhi/policy';
import { Link } from '@tanstack/react-router';

/** The realm's groups as a nested list; each name selects the group. */
export function GroupTree({ groups, selectedId }: { groups: GroupSummary[]; selectedId: string | null }) {
  const children = new Map<string | null, GroupSummary[]>();
  for (const group of groups) {
    const list = children.get(group.parentId) ?? [];
    list.push(group);
    children.set(group.parentId, list);
  }
  const branch = (parentId: string | null) => {
    const list = children.get(parentId);
    if (!list) return null;
    return (
      <ul className="group-tree">
        {list.map((group) => (
          <li key={group.id}>
            <Link
              to="/policy/groups"
              search={{ group: group.id }}
              className={group.id === selectedId ? 'selected' : undefined}
              aria-current={group.id === selectedId ? 'true' : undefined}
              data-testid="group-link"
              data-group={group.name}
            >
              {group.name}
            </Link>{' '}
            <span className="hint">
              {group.memberCount} {group.memberCount === 1 ? 'member' : 'members'}
            </span>
            {group.builtInRole ? <span className="badge badge-plain">built-in</span> : null}
            {branch(group.id)}
          </li>
        ))}
      </ul>
    );
  };
  return (
    <section className="card" aria-labelledby="tree-title" data-testid="group-tree">
      <div className="card-heading">
        <h2 id="tree-title">Groups</h2>
      </div>
      {groups.length === 0 ? <p className="muted">No groups yet.</p> : branch(null)}
    </section>
  );
}
