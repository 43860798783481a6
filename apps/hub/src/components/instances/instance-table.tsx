import type { InstanceHealth } from '@nhi/platform';
import { InstantCell } from '../shared/instant-cell.tsx';

/** "5 seconds ago", "3 minutes ago": computed from the server's count, so both renders agree. */
export function heartbeatAge(seconds: number): string {
  const [amount, unit] =
    seconds < 120
      ? [seconds, 'second']
      : seconds < 7200
        ? [Math.floor(seconds / 60), 'minute']
        : seconds < 172_800
          ? [Math.floor(seconds / 3600), 'hour']
          : [Math.floor(seconds / 86_400), 'day'];
  return `${amount} ${unit}${amount === 1 ? '' : 's'} ago`;
}

function Health({ instance }: { instance: InstanceHealth }) {
  return (
    <>
      <span className={`status ${instance.up ? 'status-up' : 'status-down'}`} data-testid="instance-health">
        {instance.up ? 'Up' : 'Down'}
      </span>
      {instance.status === 'draining' ? <span className="hint"> draining: takes no new realms</span> : null}
    </>
  );
}

function LastHeartbeat({ instance }: { instance: InstanceHealth }) {
  if (instance.secondsSinceHeartbeat === null) return <span className="muted">Never</span>;
  return (
    <>
      <span data-testid="instance-heartbeat-age">{heartbeatAge(instance.secondsSinceHeartbeat)}</span>
      <span className="hint instance-detail">
        <InstantCell instant={instance.lastHeartbeatAt} empty="" />
      </span>
    </>
  );
}

function Realms({ realms }: { realms: InstanceHealth['realms'] }) {
  if (realms.length === 0) return <span className="muted">None</span>;
  return (
    <ul className="plain-list">
      {realms.map((realm) => (
        <li key={realm.slug}>
          {realm.name} <code>{realm.slug}</code>
        </li>
      ))}
    </ul>
  );
}

export function InstanceTable({ instances }: { instances: InstanceHealth[] }) {
  if (instances.length === 0) {
    return (
      <section className="card stack instance-empty" data-testid="no-instances">
        <p>No worker instances are registered: the hub serves every realm itself.</p>
        <p className="muted">
          To add one, start a worker with <code>NHI_MODE=worker</code>, then register it on the hub with{' '}
          <code>nhi instance add &lt;name&gt; --url &lt;base URL&gt;</code> and place realms on it with{' '}
          <code>nhi realm create --slug &lt;slug&gt; --instance &lt;name&gt;</code>.
        </p>
      </section>
    );
  }
  return (
    <section className="card" aria-labelledby="instances-title">
      <div className="card-heading">
        <h2 id="instances-title">Worker instances</h2>
        <span className="hint">Times in UTC</span>
      </div>
      <div className="table-scroll">
        <table className="table instance-table" data-testid="instance-table">
          <thead>
            <tr>
              <th scope="col">Instance</th>
              <th scope="col">Health</th>
              <th scope="col">Version</th>
              <th scope="col">Last heartbeat</th>
              <th scope="col">Realms</th>
            </tr>
          </thead>
          <tbody>
            {instances.map((instance) => (
              <tr
                key={instance.name}
                data-testid="instance-row"
                data-instance-name={instance.name}
                data-up={instance.up}
              >
                <th scope="row" className="row-name">
                  <span className="token-name">{instance.name}</span>
                  <code className="instance-detail">{instance.baseUrl}</code>
                </th>
                <td>
                  <Health instance={instance} />
                </td>
                <td>{instance.version ?? <span className="muted">Unknown</span>}</td>
                <td>
                  <LastHeartbeat instance={instance} />
                </td>
                <td>
                  <Realms realms={instance.realms} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
