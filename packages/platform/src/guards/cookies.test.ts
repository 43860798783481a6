import { describe, expect, it } from 'vitest';
import { readCookie } from './cookies.ts';

const headersWith = (cookie: string) => new Headers({ cookie });

describe('readCookie', () => {
  it.each([
    ['nhi_session=abc.def; theme=dark', 'abc.def'],
    ['theme=dark;  nhi_session = a%2Fb ', 'a/b'],
    ['theme=dark', undefined],
  ])('reads %j as %j', (cookie, expected) => {
    expect(readCookie(headersWith(cookie), 'nhi_session')).toBe(expected);
  });

  it.each(['nhi_session=%%%.%%%.%%%', 'nhi_session=%ED%A0%80'])(
    'treats a value that is not valid percent-encoding (%s) as no cookie',
    (cookie) => {
      expect(readCookie(headersWith(cookie), 'nhi_session')).toBeUndefined();
    },
  );
});
