/**
 * Who is asking (docs/auth.md). Every route declares the access it needs in
 * `config.access`; the guard (guard.ts) sets `request.identity` before the
 * handler runs, and handlers take `by` from it, never from the body.
 */
import type { AuditLog } from './audit.js';

export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** What a route needs: nothing, an agent token (ingest), or a role. */
export const ACCESS_LEVELS = ['public', 'agent', ...ROLES] as const;
export type Access = (typeof ACCESS_LEVELS)[number];

export interface Identity {
  username: string;
  display: string;
  role: Role;
  /** Empty: every team. Otherwise the incident actions are limited to devices of these teams (inventory.yaml). */
  teams: string[];
  via: 'session' | 'token' | 'link';
  /** Empty or absent: every site. Otherwise limited like teams, by the device's site. */
  sites?: string[];
  /** Signed in with a one-time password: only /api/v1/auth/{me,password,logout} until it is changed. */
  mustChangePassword?: boolean;
}

export function roleAtLeast(have: Role, need: Role): boolean {
  return ROLES.indexOf(have) >= ROLES.indexOf(need);
}

export function isRole(v: unknown): v is Role {
  return typeof v === 'string' && (ROLES as readonly string[]).includes(v);
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the guard on every route whose access is a role (and by signed links). */
    identity: Identity | undefined;
  }
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyInstance {
    /** The audit log, for recordAudit(). */
    rwAudit: AuditLog;
  }
}
