import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { ChannelCredentialsForm, credentialChanges, emptyCredentials } from './channel-credentials-form.tsx';

const jira = {
  id: '6c1f0a8e-4a57-4d3f-9a44-1f3c2f6b9d10',
  type: 'jira' as const,
  settings: {
    flavour: 'cloud',
    email: 'bot@example.com',
    baseUrl: 'https://example.atlassian.net',
    hasWebhookSecret: true,
  },
};

describe('tracker credentials form', () => {
  it('asks for secrets in empty password boxes and shows the account only as a hint', () => {
    const html = renderToStaticMarkup(<ChannelCredentialsForm channel={jira} onSaved={() => {}} />);

    const tagOf = (name: string) => new RegExp(`<input [^>]*name="${name}"[^>]*>`).exec(html)?.[0] ?? '';
    for (const name of ['secret', 'webhookSecret']) {
      expect(tagOf(name)).toMatch(/type="password"/);
      expect(tagOf(name)).toMatch(/value=""/);
    }
    expect(tagOf('account')).toMatch(/placeholder="bot@example.com"/);
    expect(tagOf('url')).toMatch(/type="url"/);
    expect(tagOf('url')).toMatch(/placeholder="https:\/\/example.atlassian.net"/);
    expect(tagOf('url')).toMatch(/value=""/);
    expect(html).toContain('New API token');
  });

  it('offers to remove the webhook secret, in a labelled box, only when the channel has one', () => {
    const html = renderToStaticMarkup(<ChannelCredentialsForm channel={jira} onSaved={() => {}} />);
    const without = renderToStaticMarkup(
      <ChannelCredentialsForm
        channel={{ ...jira, settings: { ...jira.settings, hasWebhookSecret: false } }}
        onSaved={() => {}}
      />,
    );

    expect(html).toMatch(
      /<label[^>]*><input(?=[^>]*type="checkbox")(?=[^>]*name="removeWebhookSecret")[^>]*\/> Remove webhook secret[^<]*<\/label>/,
    );
    expect(without).not.toContain('removeWebhookSecret');
  });

  it('asks a Data Center Jira for a personal access token and no email', () => {
    const html = renderToStaticMarkup(
      <ChannelCredentialsForm
        channel={{ ...jira, settings: { flavour: 'datacenter' } }}
        onSaved={() => {}}
      />,
    );

    expect(html).toContain('New personal access token');
    expect(html).not.toContain('name="account"');
  });

  it('sends only the boxes filled in, named as each tracker takes them', () => {
    expect(credentialChanges('jira', emptyCredentials)).toBeNull();
    expect(credentialChanges('jira', { ...emptyCredentials, secret: 'new-token' })).toEqual({
      apiToken: 'new-token',
    });
    expect(
      credentialChanges('servicenow', {
        ...emptyCredentials,
        account: ' nhi.integration ',
        secret: 'new-password',
        webhookSecret: 'tracker-webhook-secret-0123',
      }),
    ).toEqual({
      username: 'nhi.integration',
      password: 'new-password',
      webhookSecret: 'tracker-webhook-secret-0123',
    });
  });

  it('sends a new address as url, and a ticked removal as a null webhook secret', () => {
    expect(credentialChanges('jira', { ...emptyCredentials, url: ' https://jira.example.org ' })).toEqual({
      url: 'https://jira.example.org',
    });
    expect(
      credentialChanges('servicenow', {
        ...emptyCredentials,
        webhookSecret: 'tracker-webhook-secret-0123',
        removeWebhookSecret: true,
      }),
    ).toEqual({ webhookSecret: null });
  });
});
