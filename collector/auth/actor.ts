/**
 * Who acted, for the handlers of state-changing routes: always the identity
 * the guard established. A body may still carry `by` (older scripts do); when
 * it names someone else the request is refused rather than misattributed.
 */
import type { FastifyRequest } from 'fastify';
import createError from '@fastify/error';
import type { Identity } from './types.js';

const ByMismatch = createError('RW_BY_MISMATCH', "'by' is taken from your sign-in (you are %s), not from the body; drop the field or send by: %s", 400);
const OutOfScope = createError('RW_OUT_OF_SCOPE', '%s', 403);
const NoIdentity = createError('RW_NO_IDENTITY', 'this route has no signed-in identity (its access level must be a role)', 500);

export function actorOf(request: FastifyRequest, bodyBy?: unknown): string {
  const who = request.identity;
  if (!who) throw new NoIdentity();
  if (bodyBy !== undefined && bodyBy !== who.username) throw new ByMismatch(who.username, JSON.stringify(who.username));
  return who.username;
}

/** Where a device belongs, for roles limited to teams or sites. */
export interface DeviceScope {
  team?: string;
  site?: string;
}

/**
 * Whether the identity may act on a device: a role limited to teams acts only
 * on devices of those teams, and likewise for sites. A device with no team
 * (or site) in the inventory is anyone's with the role.
 */
export function scopeProblem(who: Identity, scope: DeviceScope): string | undefined {
  if (who.teams.length > 0 && scope.team !== undefined && !who.teams.includes(scope.team)) {
    return `the device belongs to team ${scope.team}; ${who.username} acts for ${who.teams.join(', ')}`;
  }
  const sites = who.sites ?? [];
  if (sites.length > 0 && scope.site !== undefined && !sites.includes(scope.site)) {
    return `the device is at site ${scope.site}; ${who.username} acts for ${sites.join(', ')}`;
  }
  return undefined;
}

export function assertScope(request: FastifyRequest, scope: DeviceScope): void {
  const who = request.identity;
  if (!who) throw new NoIdentity();
  const problem = scopeProblem(who, scope);
  if (problem) throw new OutOfScope(problem);
}
