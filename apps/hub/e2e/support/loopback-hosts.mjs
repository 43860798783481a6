// Loaded into a hub process with `--import`: the host names in E2E_LOOPBACK_HOSTS (comma-separated)
// resolve to 127.0.0.1, so that a provider's fixed host name (SNS's certificate host) reaches a
// local stand-in. Every other name resolves as usual.
import dns from 'node:dns';

const hosts = new Set((process.env.E2E_LOOPBACK_HOSTS ?? '').split(',').filter(Boolean));
const lookup = dns.lookup;

dns.lookup = function loopbackLookup(hostname, options, callback) {
  if (!hosts.has(hostname)) return lookup.call(this, hostname, options, callback);
  const done = typeof options === 'function' ? options : callback;
  const all = typeof options === 'object' && options !== null && options.all;
  process.nextTick(() =>
    all ? done(null, [{ address: '127.0.0.1', family: 4 }]) : done(null, '127.0.0.1', 4),
  );
};
