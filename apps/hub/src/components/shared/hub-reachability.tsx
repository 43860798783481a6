import { useRouter } from '@tanstack/react-router';
import { useEffect, useState } from 'react';

/** Raised by a call that could not reach the hub at all (no answer, not an error answer). */
export const unreachableEvent = 'nhi:hub-unreachable';

const probeEveryMs = 3000;

async function hubAnswers(): Promise<boolean> {
  try {
    return (await fetch('/healthz', { cache: 'no-store' })).ok;
  } catch {
    return false;
  }
}

/**
 * "Cannot reach the hub", while that is so: shown when the browser goes offline or a call finds
 * nobody answering; it probes /healthz until the hub answers, then reloads the page's data and
 * goes away by itself.
 */
export function HubReachability() {
  const router = useRouter();
  const [unreachable, setUnreachable] = useState(false);

  useEffect(() => {
    const lost = () => setUnreachable(true);
    window.addEventListener('offline', lost);
    window.addEventListener(unreachableEvent, lost);
    return () => {
      window.removeEventListener('offline', lost);
      window.removeEventListener(unreachableEvent, lost);
    };
  }, []);

  useEffect(() => {
    if (!unreachable) return;
    let stopped = false;
    const timer = window.setInterval(async () => {
      if (stopped || !(await hubAnswers())) return;
      stopped = true;
      window.clearInterval(timer);
      setUnreachable(false);
      await router.invalidate();
    }, probeEveryMs);
    return () => {
      stopped = true;
      window.clearInterval(timer);
    };
  }, [unreachable, router]);

  if (!unreachable) return null;
  return (
    <div role="status" className="hub-unreachable" data-testid="hub-unreachable">
      Cannot reach the hub. Retrying every few seconds; this page updates when it is back.
    </div>
  );
}
