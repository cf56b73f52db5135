import type { HubStats } from './hub.js';

const HELP: Record<keyof HubStats, [string, 'gauge' | 'counter']> = {
  connections: ['Connected instances', 'gauge'],
  vars: ['Vars held by the hub', 'gauge'],
  follows: ['Follows held by connected instances', 'gauge'],
  messagesIn: ['Messages received', 'counter'],
  messagesOut: ['Messages sent', 'counter'],
  valuesRouted: ['Values routed to followers', 'counter'],
  coalesced: ['Queued values replaced by a newer one before sending', 'counter'],
  refused: ['Requests and connections refused', 'counter'],
  errors: ['Errors (bad frames, failed requests)', 'counter'],
  storeUp: ['1 when the store takes writes, 0 while a shared store (NATS) is unreachable', 'gauge'],
  eventsIn: ['Events accepted from publishers', 'counter'],
  eventsOut: ['Events queued for subscribers', 'counter'],
  requestsIn: ['Service request and reply messages received', 'counter'],
  requestsOut: ['Service request and reply messages sent', 'counter'],
};

/**
 * The hub's counters in the Prometheus text exposition format (`GET /metrics`).
 * @example prometheusText(hub.stats())
 */
export function prometheusText(stats: HubStats): string {
  const lines: string[] = [];
  for (const key of Object.keys(HELP) as (keyof HubStats)[]) {
    const [help, type] = HELP[key];
    const name = `varspace_hub_${key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}${type === 'counter' ? '_total' : ''}`;
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, `${name} ${stats[key]}`);
  }
  return `${lines.join('\n')}\n`;
}
