import type { LinkDelivery, RealmUser } from '@nhi/platform';
import { TableScroll } from '../shared/table-scroll.tsx';
import { UserRow } from './user-row.tsx';

export function UserTable({
  users,
  selfEmail,
  onChanged,
  onLink,
}: {
  users: RealmUser[];
  selfEmail: string | null;
  onChanged: () => Promise<void>;
  onLink: (email: string, outcome: LinkDelivery) => void;
}) {
  return (
    <section className="card" aria-labelledby="users-title">
      <h2 id="users-title">Members of this realm</h2>
      <TableScroll label="Members table">
        <table className="table" data-testid="user-table">
          <thead>
            <tr>
              <th scope="col">User</th>
              <th scope="col">Role</th>
              <th scope="col">Status</th>
              <th scope="col">Signs in with</th>
              <th scope="col">Last login</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {users.map((user) => (
              <UserRow
                key={user.id}
                user={user}
                self={user.email === selfEmail}
                onChanged={onChanged}
                onLink={onLink}
              />
            ))}
          </tbody>
        </table>
      </TableScroll>
    </section>
  );
}
