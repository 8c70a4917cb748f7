/** The console's pages, matched in order. `chrome: false` pages (the wall screen, sign-in) have no navigation bar. */
import { alertsView } from './views/alerts.js';
import { auditView } from './views/audit.js';
import { boardView } from './views/board.js';
import { deviceView } from './views/device.js';
import { incidentView } from './views/incident.js';
import { kbView } from './views/kb.js';
import { loginView } from './views/login.js';
import { maintenanceView } from './views/maintenance.js';
import { reportsView } from './views/reports.js';
import { roomView } from './views/room.js';
import { rulesView } from './views/rules.js';
import { wallView } from './views/wall.js';

export type View = (main: HTMLElement, params: Record<string, string>) => (() => void) | void;

export const routes: Array<{ pattern: RegExp; view: View; chrome?: boolean }> = [
  { pattern: /^\/$/, view: boardView },
  { pattern: /^\/incidents\/(?<id>\d+)$/, view: incidentView },
  { pattern: /^\/alerts$/, view: alertsView },
  { pattern: /^\/room$/, view: roomView },
  { pattern: /^\/devices\/(?<device>[^/]+)$/, view: deviceView },
  { pattern: /^\/maintenance$/, view: maintenanceView },
  { pattern: /^\/kb$/, view: kbView },
  { pattern: /^\/reports$/, view: reportsView },
  { pattern: /^\/rules$/, view: rulesView },
  { pattern: /^\/audit$/, view: auditView },
  { pattern: /^\/wall$/, view: wallView, chrome: false },
  { pattern: /^\/login$/, view: loginView, chrome: false },
];
