import { useRouter } from '@tanstack/react-router';

/**
 * A download of one of the hub's exports (/api/export/...): a plain link, so the browser streams
 * the file to disk. It names the page's realm in the query, since a link cannot set the realm header.
 */
export function ExportLink(props: {
  path: string;
  params: [string, string][];
  label: string;
  testId: string;
}) {
  const realm = useRouter().options.context.realmOfPage.slug;
  const query = new URLSearchParams(props.params);
  if (realm) query.set('realm', realm);
  return (
    <a href={`${props.path}?${query}`} download data-testid={props.testId}>
      {props.label}
    </a>
  );
}
