import { RE2JS } from 're2js';
import { gitleaksConfig } from './generated/gitleaks-config.ts';
import type { SecretHit, TextFile } from './secret-hit.ts';
import { secretTypeOf } from './secret-types.ts';

/**
 * gitleaks' default rules, evaluated as gitleaks evaluates them: a rule runs only where one of its
 * keywords occurs, its secret is its `secretGroup` (else the first non-empty group), a secret at or
 * under the rule's entropy is dropped, and the global and rule allowlists (paths, regexes against the
 * secret, match or line, stopwords; `condition = "AND"`) drop what they allow. Regexes are RE2, as in
 * gitleaks, so no input makes one run in more than linear time.
 *
 * Unlike gitleaks, a rule does not read the whole file: it reads the lines around each occurrence of
 * its keywords (the line and the next; 2 KB before and 64 KB after for rules that span lines, such as
 * private keys), which keeps keyword-sparse files fast. Decoding passes (secrets inside base64) and
 * path-only rules (a .p12 file is binary, never scanned) are not done. A secret may also end at `<`
 * (markup), which gitleaks' rules do not allow (see withMarkupEnd).
 */

interface Allowlist {
  condition: 'AND' | 'OR';
  target: 'secret' | 'match' | 'line';
  regexes: RE2JS[];
  paths: RE2JS[];
  stopwords: string[];
  commits: string[];
}

interface Rule {
  id: string;
  regex: RE2JS;
  secretGroup: number;
  entropy: number;
  keywords: string[];
  path: RE2JS | null;
  multiline: boolean;
  allowlists: Allowlist[];
}

interface RuleSet {
  rules: Rule[];
  global: Allowlist[];
}

/** An allowlist as gitleaks' configuration spells it. */
export interface GitleaksAllowlistConfig {
  condition?: string;
  regexTarget?: string;
  regexes?: string[];
  paths?: string[];
  stopwords?: string[];
  commits?: string[];
}

/** A gitleaks configuration, with the fields the detector reads (see scripts/generate-gitleaks-rules.mjs). */
export interface GitleaksConfig {
  allowlists: GitleaksAllowlistConfig[];
  rules: {
    id: string;
    regex?: string;
    secretGroup?: number;
    entropy?: number;
    keywords?: string[];
    path?: string;
    allowlists: GitleaksAllowlistConfig[];
  }[];
}

function allowlistOf(table: GitleaksAllowlistConfig): Allowlist {
  return {
    condition: table.condition === 'AND' ? 'AND' : 'OR',
    target: table.regexTarget === 'match' || table.regexTarget === 'line' ? table.regexTarget : 'secret',
    regexes: (table.regexes ?? []).map((pattern) => RE2JS.compile(pattern)),
    paths: (table.paths ?? []).map((pattern) => RE2JS.compile(pattern)),
    stopwords: (table.stopwords ?? []).map((word) => word.toLowerCase()),
    commits: (table.commits ?? []).map((commit) => commit.toLowerCase()),
  };
}

/** gitleaks' end of a secret: a quote, a backtick, white space, `;`, an escaped newline or the end. */
const secretEnd = '[\\x60\'"\\s;]';

/**
 * A rule's regex, with `<` among the characters that may end a secret: in XML and HTML a value ends
 * at the next tag (`<string name="google_api_key">AIza...</string>` in an Android resource file),
 * which gitleaks' rules do not allow for.
 */
export function withMarkupEnd(regex: string): string {
  return regex.replaceAll(secretEnd, '[\\x60\'"\\s;<]');
}

function ruleOf(rule: GitleaksConfig['rules'][number]): Rule | null {
  // A rule without a regex names files by path alone (.p12 files): binary, never read here.
  if (!rule.regex) return null;
  return {
    id: rule.id,
    regex: RE2JS.compile(withMarkupEnd(rule.regex)),
    secretGroup: rule.secretGroup ?? 0,
    entropy: rule.entropy ?? 0,
    keywords: (rule.keywords ?? []).map((keyword) => keyword.toLowerCase()),
    path: rule.path ? RE2JS.compile(rule.path) : null,
    multiline: /\(\?s|\[\\s\\S|\\r|\\n/.test(rule.regex),
    allowlists: rule.allowlists.map(allowlistOf),
  };
}

/** Compiles a gitleaks configuration: its rules and its global allowlists. */
export function ruleSetOf(config: GitleaksConfig): RuleSet {
  return {
    rules: config.rules.map(ruleOf).filter((rule): rule is Rule => rule !== null),
    global: config.allowlists.map(allowlistOf),
  };
}

let defaultRules: RuleSet | null = null;
/** gitleaks' default rules, compiled once (a quarter of a second) on first use. */
export function gitleaksDefaultRules(): RuleSet {
  defaultRules ??= ruleSetOf(gitleaksConfig);
  return defaultRules;
}

// test() asks for no groups, so RE2JS answers with its DFA: several times faster than find().
const matches = (regex: RE2JS, text: string) => regex.test(text);

/** Shannon entropy in bits per character, as gitleaks computes it. */
export function shannonEntropy(text: string): number {
  if (!text) return 0;
  const counts = new Map<string, number>();
  for (const char of text) counts.set(char, (counts.get(char) ?? 0) + 1);
  let entropy = 0;
  for (const count of counts.values()) {
    const frequency = count / text.length;
    entropy -= frequency * Math.log2(frequency);
  }
  return entropy;
}

interface Finding {
  secret: string;
  match: string;
  line: string;
}

/** Whether an allowlist lets a file be skipped before any rule reads it (paths and commits, OR only). */
function fileAllowed(allowlist: Allowlist, file: TextFile): boolean {
  const path = allowlist.paths.length > 0 && allowlist.paths.some((regex) => matches(regex, file.path));
  const commit = !!file.commit && allowlist.commits.includes(file.commit.toLowerCase());
  if (allowlist.condition === 'OR') return path || commit;
  if (allowlist.regexes.length > 0 || allowlist.stopwords.length > 0) return false;
  const checks = [allowlist.paths.length > 0 ? path : null, allowlist.commits.length > 0 ? commit : null];
  const applicable = checks.filter((check) => check !== null);
  return applicable.length > 0 && applicable.every(Boolean);
}

function findingAllowed(allowlist: Allowlist, finding: Finding, file: TextFile): boolean {
  const target = finding[allowlist.target];
  const regex = !!target && allowlist.regexes.some((pattern) => matches(pattern, target));
  const lowerSecret = finding.secret.toLowerCase();
  const stopword = allowlist.stopwords.some((word) => lowerSecret.includes(word));
  if (allowlist.condition === 'OR') return regex || stopword;
  const checks: boolean[] = [];
  if (allowlist.commits.length > 0)
    checks.push(!!file.commit && allowlist.commits.includes(file.commit.toLowerCase()));
  if (allowlist.paths.length > 0) checks.push(allowlist.paths.some((pattern) => matches(pattern, file.path)));
  if (allowlist.regexes.length > 0) checks.push(regex);
  if (allowlist.stopwords.length > 0) checks.push(stopword);
  return checks.every(Boolean);
}

/**
 * Offsets of every occurrence of each keyword in the lower-cased text, in one pass: a keyword is
 * looked for only where its first two characters are (all keywords have at least two).
 */
function keywordOffsets(lower: string, keywords: Iterable<string>): Map<string, number[]> {
  const byPair = new Map<number, string[]>();
  const asciiPairs = new Uint8Array(128 * 128);
  for (const keyword of keywords) {
    const first = keyword.charCodeAt(0);
    const second = keyword.charCodeAt(1);
    const pair = first * 65536 + second;
    byPair.set(pair, [...(byPair.get(pair) ?? []), keyword]);
    if (first < 128 && second < 128) asciiPairs[first * 128 + second] = 1;
  }
  const offsets = new Map<string, number[]>();
  for (let at = 0; at < lower.length - 1; at += 1) {
    const first = lower.charCodeAt(at);
    const second = lower.charCodeAt(at + 1);
    if (first < 128 && second < 128 && asciiPairs[first * 128 + second] === 0) continue;
    for (const keyword of byPair.get(first * 65536 + second) ?? []) {
      if (!lower.startsWith(keyword, at)) continue;
      const found = offsets.get(keyword);
      if (found) found.push(at);
      else offsets.set(keyword, [at]);
    }
  }
  return offsets;
}

/** Longest region a rule's groups are taken from at once: where matches are, NFA time grows with it. */
const maxWindow = 8192;

/**
 * The regions of the text a rule reads: around its keywords' occurrences, merged where they touch
 * unless that makes a region longer than maxWindow (then the next one starts, overlapping).
 */
function windowsOf(content: string, occurrences: number[], multiline: boolean): [number, number][] {
  const windows: [number, number][] = [];
  for (const at of occurrences.sort((a, b) => a - b)) {
    const from = multiline ? Math.max(0, at - 2048) : at;
    const start = content.lastIndexOf('\n', from - 1) + 1;
    // The line of the keyword and the next (`password:\n  value` spans two); far more for rules that span lines.
    const lineEnd = content.indexOf('\n', multiline ? Math.min(content.length, at + 65_536) : at);
    const nextLineEnd = lineEnd === -1 || multiline ? lineEnd : content.indexOf('\n', lineEnd + 1);
    const end = nextLineEnd === -1 ? content.length : nextLineEnd + 1;
    const last = windows[windows.length - 1];
    if (last && start <= last[1] && (multiline || end - last[0] <= maxWindow))
      last[1] = Math.max(last[1], end);
    else if (!last || end > last[1]) windows.push([start, end]);
  }
  return windows;
}

function lineAround(content: string, start: number, end: number): string {
  const from = content.lastIndexOf('\n', start - 1) + 1;
  const to = content.indexOf('\n', Math.max(start, end - 1));
  return content.slice(from, to === -1 ? content.length : to);
}

/** The secret of a match: the rule's secret group, else its first non-empty group, else the match. */
function secretSpan(rule: Rule, matcher: ReturnType<RE2JS['matcher']>, offset: number): [number, number] {
  const groups = matcher.groupCount();
  const pick = (group: number): [number, number] | null => {
    const start = matcher.start(group);
    const end = matcher.end(group);
    return start >= 0 && end > start ? [offset + start, offset + end] : null;
  };
  if (groups >= 1) {
    if (rule.secretGroup > 0 && rule.secretGroup <= groups) {
      const span = pick(rule.secretGroup);
      if (span) return span;
    } else
      for (let group = 1; group <= groups; group += 1) {
        const span = pick(group);
        if (span) return span;
      }
  }
  return [offset + matcher.start(), offset + matcher.end()];
}

function ruleHits(rule: Rule, file: TextFile, windows: [number, number][], global: Allowlist[]): SecretHit[] {
  const hits: SecretHit[] = [];
  const content = file.content;
  const seen = new Set<number>();
  for (const [from, to] of windows) {
    const text = content.slice(from, to);
    if (!rule.regex.test(text)) continue;
    const matcher = rule.regex.matcher(text);
    while (matcher.find()) {
      const rawMatch = matcher.group() ?? '';
      // gitleaks trims newlines a match picked up at its ends.
      const match = rawMatch.replace(/^\n+|\n+$/g, '');
      const matchStart = from + matcher.start() + rawMatch.indexOf(match);
      // Overlapping windows find a match twice.
      if (seen.has(matchStart)) continue;
      seen.add(matchStart);
      const [start, end] = secretSpan(rule, matcher, from);
      const secret = content.slice(start, end);
      const line = lineAround(content, matchStart, matchStart + match.length);
      if (line.includes('gitleaks:allow')) continue;
      if (rule.entropy > 0 && shannonEntropy(secret) <= rule.entropy) continue;
      const finding = { secret, match, line };
      if ([...global, ...rule.allowlists].some((allowlist) => findingAllowed(allowlist, finding, file)))
        continue;
      hits.push({ rule: `gitleaks/${rule.id}`, secretType: secretTypeOf(`gitleaks/${rule.id}`), start, end });
    }
  }
  return hits;
}

/** The secrets gitleaks' rules find in a file. */
export function gitleaksHits(file: TextFile, ruleSet: RuleSet = gitleaksDefaultRules()): SecretHit[] {
  if (ruleSet.global.some((allowlist) => fileAllowed(allowlist, file))) return [];
  const lower = file.content.toLowerCase();
  // toLowerCase keeps offsets for ASCII; text where it does not (a few Unicode letters) is read whole.
  const offsetsKept = lower.length === file.content.length;
  const keywords = keywordOffsets(lower, new Set(ruleSet.rules.flatMap((rule) => rule.keywords)));
  const hits: SecretHit[] = [];
  for (const rule of ruleSet.rules) {
    if (rule.path && !matches(rule.path, file.path)) continue;
    if (rule.allowlists.some((allowlist) => fileAllowed(allowlist, file))) continue;
    const occurrences = rule.keywords.flatMap((keyword) => keywords.get(keyword) ?? []);
    if (rule.keywords.length > 0 && occurrences.length === 0) continue;
    const windows: [number, number][] =
      rule.keywords.length === 0 || !offsetsKept
        ? [[0, file.content.length]]
        : windowsOf(file.content, occurrences, rule.multiline);
    hits.push(...ruleHits(rule, file, windows, ruleSet.global));
  }
  return hits;
}
