import { describe, expect, it } from 'vitest';
import { type LockPriority, PriorityLock } from './priority-lock.ts';

/** A lock whose callers say their priority, on a clock the test moves. */
function setup() {
  let priority: LockPriority = 'request';
  let time = 0;
  const lock = new PriorityLock({
    priorityOf: () => priority,
    backgroundMaxWaitMs: 500,
    now: () => time,
  });
  const order: string[] = [];
  const gates = new Map<string, () => void>();
  /** Asks for the lock as `name`; holds it until release(name). */
  const ask = (name: string, as: LockPriority) => {
    priority = as;
    return lock.run(async () => {
      order.push(name);
      await new Promise<void>((resolve) => gates.set(name, resolve));
    });
  };
  /** Ends `name`'s turn once it has the lock; fails when it never gets it. */
  const release = async (name: string) => {
    for (let turn = 0; !gates.has(name); turn++) {
      if (turn > 100) throw new Error(`${name} never got the lock (order so far: ${order.join(', ')})`);
      await Promise.resolve();
    }
    gates.get(name)?.();
  };
  return { lock, order, ask, release, advance: (ms: number) => (time += ms) };
}

describe('PriorityLock', () => {
  it('serves waiting requests before waiting background work', async () => {
    const t = setup();
    const all = [
      t.ask('job slice 1', 'background'),
      t.ask('job slice 2', 'background'),
      t.ask('request 1', 'request'),
      t.ask('request 2', 'request'),
    ];

    for (const name of ['job slice 1', 'request 1', 'request 2', 'job slice 2']) await t.release(name);
    await Promise.all(all);

    expect(t.order).toEqual(['job slice 1', 'request 1', 'request 2', 'job slice 2']);
  });

  it('lets background work that waited too long go ahead of requests, once per wait', async () => {
    const t = setup();
    const all = [
      t.ask('request 1', 'request'),
      t.ask('job slice', 'background'),
      t.ask('job slice 2', 'background'),
    ];
    t.advance(600);
    all.push(t.ask('request 2', 'request'), t.ask('request 3', 'request'));

    for (const name of ['request 1', 'job slice', 'request 2', 'request 3', 'job slice 2'])
      await t.release(name);
    await Promise.all(all);

    expect(t.order).toEqual(['request 1', 'job slice', 'request 2', 'request 3', 'job slice 2']);
  });

  it('is free again once every holder has finished, and says how many wait meanwhile', async () => {
    const t = setup();
    const first = t.ask('first', 'request');
    const second = t.ask('second', 'background');
    const waitingWhileHeld = t.lock.waiting;

    await t.release('first');
    await t.release('second');
    await Promise.all([first, second]);

    expect(waitingWhileHeld).toBe(1);
    expect(t.lock.locked).toBe(false);
    expect(t.lock.waiting).toBe(0);
  });
});
