/**
 * Users (admin) and the audit log (operator):
 *   GET /api/v1/users   POST /api/v1/users {username, role, display?, teams?, sites?, password?}
 *   PATCH /api/v1/users/:username {role?, disabled?, teams?, sites?, display?}
 *   POST /api/v1/users/:username/password {password?}   (reset; absent: a one-time password is returned)
 *   GET /api/v1/audit?since=&until=&actor=&action=&limit=
 * Nothing here, or anywhere, edits or deletes the audit log.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import Type, { type Static } from 'typebox';
import { parseTimeParam } from '../../lib/time.js';
import { recordAudit } from './audit.js';
import { hashPassword, oneTimePassword, passwordProblem } from './password.js';
import { userView } from './routes.js';
import type { AuthService } from './service.js';
import { ROLES, type Role } from './types.js';
import { USERNAME_PATTERN, type User } from './users.js';

const RoleSchema = Type.Union(ROLES.map((r) => Type.Literal(r)));
const Names = Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { maxItems: 100 });
const NewUser = Type.Object(
  {
    username: Type.String({ pattern: USERNAME_PATTERN }),
    role: RoleSchema,
    display: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    teams: Type.Optional(Names),
    sites: Type.Optional(Names),
    password: Type.Optional(Type.String({ maxLength: 1024 })),
  },
  { additionalProperties: false },
);
const Patch = Type.Object(
  {
    role: Type.Optional(RoleSchema),
    disabled: Type.Optional(Type.Boolean()),
    teams: Type.Optional(Names),
    sites: Type.Optional(Names),
    display: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  },
  { additionalProperties: false, minProperties: 1 },
);
const UserParam = Type.Object({ username: Type.String({ pattern: USERNAME_PATTERN }) });
const Reset = Type.Object({ password: Type.Optional(Type.String({ maxLength: 1024 })) }, { additionalProperties: false });
const AuditQuery = Type.Object(
  {
    since: Type.Optional(Type.String({ maxLength: 64 })),
    until: Type.Optional(Type.String({ maxLength: 64 })),
    actor: Type.Optional(Type.String({ maxLength: 256 })),
    action: Type.Optional(Type.String({ maxLength: 128 })),
    limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,5}$' })),
  },
  { additionalProperties: false },
);

const fail = (reply: FastifyReply, status: 400 | 404 | 409, message: string) =>
  reply.code(status).send({ statusCode: status, code: 'RW_INVALID_REQUEST', error: ({ 400: 'Bad Request', 404: 'Not Found', 409: 'Conflict' } as const)[status], message });

export async function adminRoutes(app: FastifyInstance, opts: { auth: AuthService }): Promise<void> {
  const { auth } = opts;
  const enabledAdmins = (except?: string) => auth.users.list().filter((u) => u.role === 'admin' && !u.disabled && u.username !== except).length;

  app.get('/api/v1/users', { config: { access: 'admin' } }, async () => ({ users: auth.users.list().map(userView) }));

  app.post<{ Body: Static<typeof NewUser> }>('/api/v1/users', { config: { access: 'admin' }, schema: { body: NewUser } }, async (request, reply) => {
    const b = request.body;
    const given = b.password !== undefined;
    const password = b.password ?? oneTimePassword();
    const problem = given ? passwordProblem(password, b.username) : undefined;
    if (problem) return fail(reply, 400, `body/password: ${problem}`);
    const added = auth.users.add(
      { username: b.username, role: b.role as Role, display: b.display, teams: b.teams, sites: b.sites, passwordHash: await hashPassword(password), mustChangePassword: true },
      auth.now(),
    );
    if (!added) return fail(reply, 409, `user ${b.username} exists`);
    recordAudit(request, 'user.create', `user:${b.username}`, { role: b.role, teams: b.teams ?? [], sites: b.sites ?? [] });
    const user = auth.users.get(b.username) as User;
    return reply.code(201).send({ user: userView(user), ...(given ? {} : { one_time_password: password }) });
  });

  app.patch<{ Params: Static<typeof UserParam>; Body: Static<typeof Patch> }>(
    '/api/v1/users/:username',
    { config: { access: 'admin' }, schema: { params: UserParam, body: Patch } },
    async (request, reply) => {
      const { username } = request.params;
      const before = auth.users.get(username);
      if (!before) return fail(reply, 404, `no user ${username}`);
      const b = request.body;
      const losesAdmin = before.role === 'admin' && !before.disabled && ((b.role !== undefined && b.role !== 'admin') || b.disabled === true);
      if (losesAdmin && enabledAdmins(username) === 0) return fail(reply, 409, `${username} is the last enabled admin; make another admin first`);
      const after = auth.users.update(username, { role: b.role as Role | undefined, disabled: b.disabled, teams: b.teams, sites: b.sites, display: b.display }, auth.now()) as User;
      const ended = after.disabled ? auth.sessions.endAllFor(username) : 0;
      const changes = Object.fromEntries(Object.keys(b).map((k) => [k, { from: before[k as keyof User], to: after[k as keyof User] }]));
      recordAudit(request, after.disabled && !before.disabled ? 'user.disable' : 'user.update', `user:${username}`, { changes, sessions_ended: ended });
      return { user: userView(after) };
    },
  );

  app.post<{ Params: Static<typeof UserParam>; Body: Static<typeof Reset> | undefined }>(
    '/api/v1/users/:username/password',
    { config: { access: 'admin' }, schema: { params: UserParam, body: Type.Optional(Reset) } },
    async (request, reply) => {
      const { username } = request.params;
      const user = auth.users.get(username);
      if (!user) return fail(reply, 404, `no user ${username}`);
      if (user.source !== 'local') return fail(reply, 400, `${username} signs in through the directory (LDAP); reset the password there`);
      const given = request.body?.password;
      const problem = given !== undefined ? passwordProblem(given, username) : undefined;
      if (problem) return fail(reply, 400, `body/password: ${problem}`);
      const password = given ?? oneTimePassword();
      auth.users.setPassword(username, await hashPassword(password), true, auth.now());
      const ended = auth.sessions.endAllFor(username);
      recordAudit(request, 'user.password_reset', `user:${username}`, { sessions_ended: ended });
      return given !== undefined ? { user: userView(auth.users.get(username) as User) } : { user: userView(auth.users.get(username) as User), one_time_password: password };
    },
  );

  app.get<{ Querystring: Static<typeof AuditQuery> }>('/api/v1/audit', { config: { access: 'operator' }, schema: { querystring: AuditQuery } }, async (request, reply) => {
    const q = request.query;
    const now = auth.now();
    const time = (name: string, v: string | undefined) => (v === undefined ? undefined : parseTimeParam(v, now));
    const since = time('since', q.since);
    const until = time('until', q.until);
    if (q.since !== undefined && since === undefined) return fail(reply, 400, `since: '${q.since}' is not a time (write -24h, epoch ms or an ISO date)`);
    if (q.until !== undefined && until === undefined) return fail(reply, 400, `until: '${q.until}' is not a time (write now, epoch ms or an ISO date)`);
    return { entries: auth.audit.query({ since, until, actor: q.actor, action: q.action, limit: q.limit === undefined ? undefined : Number(q.limit) }) };
  });
}
