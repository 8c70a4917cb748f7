/**
 * Synthetic rules over the bench room's metrics for bench/rules.ts: plain
 * comparisons, window functions, and/or across two metrics, and forecasts,
 * each pinned to one device (and often a mount or port), as site-specific
 * rules are. The first one is the latency probe's rule (no `for`: it fires on
 * its first breaching sample).
 */
export function syntheticRules(devices: readonly string[], count: number): string {
  const servers = devices.filter((d) => /^(db|app|mini)/.test(d));
  const switches = devices.filter((d) => d.startsWith('sw-'));
  const lines = ['group: synthetic', 'rules:', '  - name: latency probe', '    when: bench.latency_probe > 0', '    priority: P1'];
  for (let i = 0; i < count - 1; i++) {
    const srv = servers[i % servers.length] as string;
    const sw = switches[i % switches.length] as string;
    const when = [
      `avg(cpu.usage_pct{device="${srv}"}, 5m) > ${99 + (i % 7) / 10}`,
      `disk.used_pct{device="${srv}", mount="/u0${1 + (i % 2)}"} > 99.5`,
      `max(if.in_errors_ps{device="${sw}", ifname="Gi1/0/${1 + (i % 48)}"}, 10m) > 999`,
      `mem.used_pct{device="${srv}"} > 99.9 and swap.used_pct{device="${srv}"} > 99`,
      `predict(disk.used_pct{device="${srv}", mount="/var"}, 10m) >= 1000 within 1d`,
    ][i % 5];
    lines.push(`  - name: synthetic ${i}`, `    when: '${when}'`, `    priority: P${1 + (i % 4)}`);
  }
  // With count 0 the latency probe's rule stays: the latency figures need it.
  return `${lines.join('\n')}\n`;
}
