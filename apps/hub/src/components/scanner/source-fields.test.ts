import { describe, expect, it } from 'vitest';
import { sourceFormValues } from './source-fields.ts';

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
