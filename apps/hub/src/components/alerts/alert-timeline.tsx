import { formatInstant } from '../shared/format-instant.ts';

interface HistoryEntry {
  kind?: 'state' | 'assignment';
  fromState: string | null;
  toState: string;
  reason: string | null;
  actorType: string;
  /** Who, as people recognise them (an email), where the history names them. */
  actor?: string;
  createdAt: Date;
}

interface Comment {
  id: string;
  body: string;
  author: string | null;
  createdAt: Date;
}

type Line =
  | { at: Date; entry: HistoryEntry; comment?: never }
  | { at: Date; comment: Comment; entry?: never };

/** State changes, assignment changes and comments in the order they happened. */
export function AlertTimeline({ history, comments }: { history: HistoryEntry[]; comments: Comment[] }) {
  const lines: Line[] = [
    ...history.map((entry) => ({ at: entry.createdAt, entry })),
    ...comments.map((comment) => ({ at: comment.createdAt, comment })),
  ];
  // A stable sort: at the same instant, history stays before comments, each in its own order.
  lines.sort((a, b) => a.at.getTime() - b.at.getTime());
  return (
    <ol className="history" data-testid="alert-history">
      {lines.map((line) =>
        line.comment ? (
          <li key={line.comment.id} data-testid="alert-comment" data-kind="comment">
            {formatInstant(line.at)} · comment · {line.comment.author ?? 'a former member'}
            <p className="comment-body">{line.comment.body}</p>
          </li>
        ) : (
          <HistoryLine
            key={`${line.at.toISOString()}-${line.entry.kind}-${line.entry.toState}-${line.entry.reason}`}
            entry={line.entry}
          />
        ),
      )}
    </ol>
  );
}

function HistoryLine({ entry }: { entry: HistoryEntry }) {
  const reason = entry.reason ? ` · ${entry.reason}` : '';
  if (entry.kind === 'assignment') {
    return (
      <li data-kind="assignment">
        {formatInstant(entry.createdAt)} · assignment · {entry.actor ?? entry.actorType}
        {reason}
      </li>
    );
  }
  return (
    <li data-kind="state">
      {formatInstant(entry.createdAt)} · {entry.fromState ?? 'new'} → {entry.toState} ·{' '}
      {entry.actor ?? entry.actorType}
      {reason}
    </li>
  );
}
