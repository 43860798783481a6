import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { sourceFormValues } from './source-fields.ts';
import { SourceSettingFields } from './source-form-fields.tsx';

function form(fields: Record<string, string>) {
  const data = new FormData();
  for (const [key, value] of Object.entries(fields)) data.set(key, value);
  return data;
}

describe('secrets source form', () => {
  it('leaves verification off unless its box is ticked', () => {
    expect(sourceFormValues('secrets', form({ name: 'repos' })).settings).toEqual({});
    expect(
      sourceFormValues(
        'secrets',
        form({
          name: 'repos',
          'setting.verify': 'on',
          'setting.verifyEndpoints': ' github=https://ghe.example.com/api/v3 ',
        }),
      ).settings,
    ).toEqual({ verify: true, verifyEndpoints: 'github=https://ghe.example.com/api/v3' });
  });

  it('never sets verification on another type of source', () => {
    expect(sourceFormValues('github', form({ name: 'org', 'setting.verify': 'on' })).settings).toEqual({});
  });
});

describe('remediation opt-in of a source', () => {
  it('allows remediation only when its box is ticked', () => {
    expect(
      sourceFormValues('aws_iam', form({ name: 'prod', 'setting.region': 'eu-west-1' })).settings,
    ).toEqual({
      region: 'eu-west-1',
    });
    expect(sourceFormValues('aws_iam', form({ name: 'prod', 'setting.remediation': 'on' })).settings).toEqual(
      {
        remediation: true,
      },
    );
  });

  it('never allows remediation on a source of leaked secrets, which has no provider to act at', () => {
    expect(
      sourceFormValues('secrets', form({ name: 'repos', 'setting.remediation': 'on' })).settings,
    ).toEqual({});
  });
});

describe('credentials pasted as several lines', () => {
  const pem = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\nAbCd==\n-----END CERTIFICATE-----';

  it.each([
    ['kubernetes', ['caCert', 'kubeconfig'], ['token']],
    ['gcp', ['serviceAccountKey'], []],
  ] as const)('a %s source asks for %j in boxes that keep line breaks', (type, multiline, oneLine) => {
    const html = renderToStaticMarkup(<SourceSettingFields type={type} />);

    const tagOf = (key: string) =>
      new RegExp(`<(\\w+)[^>]*name="secret\\.${key}"[^>]*>`).exec(html)?.[0] ?? '';

    for (const key of multiline) expect(tagOf(key)).toMatch(/^<textarea /);
    for (const key of oneLine) expect(tagOf(key)).toMatch(/^<input [^>]*type="password"/);
  });

  it('keeps the line breaks of a pasted certificate', () => {
    const values = sourceFormValues('kubernetes', form({ name: 'prod', 'secret.caCert': `\n${pem}\n` }));

    expect(values.secrets).toEqual({ caCert: pem });
  });
});
