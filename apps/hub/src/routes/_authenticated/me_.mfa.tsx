import { createFileRoute } from '@tanstack/react-router';
import { MfaSettings } from '../../components/mfa/mfa-settings.tsx';
import { myMfaStatus, realmMfaRequirement } from '../../server/functions/mfa.functions.ts';

/** The caller's second factor; the profile page links here. */
export const Route = createFileRoute('/_authenticated/me_/mfa')({
  head: () => ({ meta: [{ title: 'Two-factor authentication · NHI Hub' }] }),
  loader: async () => {
    const [status, realmRequirement] = await Promise.all([
      myMfaStatus(),
      // Only the realm's admins may see and change the requirement: for everyone else it is absent.
      realmMfaRequirement().catch(() => null),
    ]);
    return { status, realmRequirement };
  },
  component: MfaPage,
});

function MfaPage() {
  const { status, realmRequirement } = Route.useLoaderData();
  return <MfaSettings status={status} realmRequirement={realmRequirement} />;
}
