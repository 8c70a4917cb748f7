/**
 * Checks of a rule pack's text that `roomwatch rules check` runs on top of
 * loading: a summary may not claim a duration the rule does not look at
 * ("for 10 minutes" on a rule that fires on one sample), and, when asked, every
 * rule has its summary and runbook in each required language. They are not
 * load errors: a running collector keeps loading a pack that only reads badly.
 */
import { longestWindow } from './evaluate.js';
import type { RuleDef, RuleProblem } from './types.js';

export const TEXT_LANGS = ['en', 'zh-CN'] as const;
export type TextLang = (typeof TEXT_LANGS)[number];

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "for 10 minutes", "over the last 15 min", "持续 10 分钟", "连续5分钟": a claim about how long the data was seen. */
const CLAIMS: Array<{ re: RegExp; unit: (u: string) => string }> = [
  {
    re: /\b(?:for|over|during|in)\s+(?:the\s+(?:last|past)\s+)?(\d+(?:\.\d+)?)\s*(seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h|days?|d)\b/gi,
    unit: (u) => u[0]!.toLowerCase(),
  },
  { re: /(?:持续|连续|超过|长达)\s*(\d+(?:\.\d+)?)\s*(秒|分钟|小时|天)/g, unit: (u) => ({ 秒: 's', 分钟: 'm', 小时: 'h', 天: 'd' })[u] as string },
];

/** The longest span a rule really looks at: its `for`, or the longest window of its condition. */
export function coveredMs(rule: RuleDef): number {
  return Math.max(rule.forMs, longestWindow(rule.when));
}

/** Durations a text claims, in ms, with the phrase that claims them. */
export function claimedDurations(text: string): Array<{ ms: number; phrase: string }> {
  const out: Array<{ ms: number; phrase: string }> = [];
  for (const { re, unit } of CLAIMS) {
    for (const m of text.matchAll(re)) out.push({ ms: Number(m[1]) * (UNIT_MS[unit(m[2] as string)] ?? 0), phrase: m[0] });
  }
  return out;
}

export function textOf(rule: RuleDef, lang: TextLang): { summary?: string; runbook?: string } {
  if (lang === 'en') return { summary: rule.summary, runbook: rule.runbook };
  return rule.translations?.[lang] ?? {};
}

export function lintRules(rules: readonly RuleDef[], opts: { requireLangs?: readonly string[] } = {}): RuleProblem[] {
  const problems: RuleProblem[] = [];
  for (const rule of rules) {
    const at = { ...rule.pos, group: rule.group, rule: rule.name };
    const covered = coveredMs(rule);
    for (const lang of TEXT_LANGS) {
      const text = textOf(rule, lang);
      for (const [field, value] of Object.entries(text)) {
        if (!value) continue;
        for (const claim of claimedDurations(value)) {
          if (claim.ms > covered) {
            const key = lang === 'en' ? field : `${field}_${lang}`;
            problems.push({
              ...at,
              message: `${key} says '${claim.phrase}' but the rule looks at ${covered === 0 ? 'a single sample' : `only ${formatMs(covered)}`}; give it for: ${formatMs(claim.ms)} or a window that long, or reword the text`,
            });
          }
        }
      }
    }
    for (const lang of opts.requireLangs ?? []) {
      const text = textOf(rule, lang as TextLang);
      const suffix = lang === 'en' ? '' : `_${lang}`;
      for (const field of ['summary', 'runbook'] as const) {
        if (!text[field]) problems.push({ ...at, message: `missing ${field}${suffix} (${lang} text is required by --require-lang ${lang})` });
      }
    }
  }
  return problems;
}

function formatMs(ms: number): string {
  for (const [u, n] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1_000],
  ] as const)
    if (ms % n === 0 && ms >= n) return `${ms / n}${u}`;
  return `${ms}ms`;
}
