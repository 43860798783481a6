// A named import: the bundler keeps this one field of package.json, not the whole file.
import { version } from '../../../package.json';

/** The build's version, the same on the hub and its workers when they run one release. */
export const buildVersion: string = version;
