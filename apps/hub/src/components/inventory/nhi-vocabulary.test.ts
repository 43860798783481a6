import * as schema from '@nhi/nhi/schema';
import { describe, expect, it } from 'vitest';
import * as vocabulary from './nhi-vocabulary.ts';

describe('inventory vocabulary of the pages', () => {
  it('is the shared schema’s, value for value and in the same order', () => {
    expect(vocabulary.nhiKinds).toEqual(schema.nhiKinds);
    expect(vocabulary.nhiProviders).toEqual(schema.nhiProviders);
    expect(vocabulary.nhiEnvironments).toEqual(schema.nhiEnvironments);
    expect(vocabulary.nhiStatuses).toEqual(schema.nhiStatuses);
    expect(vocabulary.credentialKinds).toEqual(schema.credentialKinds);
    expect(vocabulary.sortableColumns).toEqual(schema.sortableColumns);
  });
});
