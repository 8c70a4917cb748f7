/**
 * Renders summary and runbook templates: {{device}}, {{value}}, {{rule}},
 * {{priority}}, {{group}}, a tag ({{mount}} or {{tags.mount}}), or another
 * metric of the same device ({{ups.battery_runtime_min}}).
 */
export interface TemplateVars {
  device: string;
  value: number | null;
  rule: string;
  group: string;
  priority: string;
  tags: Record<string, string>;
  /** The latest value of `measurement.field` for this device, if known. */
  metric(name: string): number | undefined;
}

const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*\}\}/g;

export function formatNumber(v: number): string {
  if (Number.isInteger(v)) return String(v);
  const abs = Math.abs(v);
  return abs >= 100 ? v.toFixed(0) : abs >= 10 ? v.toFixed(1) : v.toFixed(2);
}

export function renderTemplate(template: string, vars: TemplateVars): string {
  return template.replace(PLACEHOLDER, (_m, name: string) => {
    switch (name) {
      case 'device':
        return vars.device;
      case 'value':
        return vars.value === null ? '?' : formatNumber(vars.value);
      case 'rule':
        return vars.rule;
      case 'group':
        return vars.group;
      case 'priority':
        return vars.priority;
    }
    const tag = name.startsWith('tags.') ? name.slice(5) : name;
    if (vars.tags[tag] !== undefined) return vars.tags[tag] as string;
    if (name.includes('.')) {
      const v = vars.metric(name);
      return v === undefined ? '?' : formatNumber(v);
    }
    return '?';
  });
}
