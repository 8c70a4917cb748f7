/**
 * Load-time checks of summary and runbook templates, so a typo is refused with
 * the rule file instead of showing up as a raw `{{...}}` in a page at 3 a.m.
 * The accepted forms are exactly what template.ts renders.
 */

export interface TemplateProblem {
  /** Offset of the offending `{{` in the template text. */
  offset: number;
  message: string;
}

// device, value, rule, priority, group, a tag (mount), tags.mount, or a metric (ups.battery_runtime_min).
const PLACEHOLDER = /^[A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z_][A-Za-z0-9_-]*)?$/;

const VALID = 'use {{device}}, {{value}}, {{rule}}, {{priority}}, {{group}}, a tag such as {{mount}} or {{tags.mount}}, or a metric of the same device such as {{ups.battery_runtime_min}}';

export function checkTemplate(text: string): TemplateProblem[] {
  const problems: TemplateProblem[] = [];
  let from = 0;
  while (true) {
    const open = text.indexOf('{{', from);
    if (open < 0) break;
    const close = text.indexOf('}}', open + 2);
    const reopened = text.indexOf('{{', open + 2);
    if (close < 0 || (reopened >= 0 && reopened < close)) {
      problems.push({ offset: open, message: `'{{' is not closed with '}}'; ${VALID}` });
      from = open + 2;
      continue;
    }
    const inner = text.slice(open + 2, close).trim();
    if (!PLACEHOLDER.test(inner)) {
      problems.push({ offset: open, message: `'${text.slice(open, close + 2)}' is not a placeholder; ${VALID}` });
    }
    from = close + 2;
  }
  return problems;
}
