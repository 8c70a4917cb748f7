// Temporary until the auth branch (collector/auth/types.ts) is merged: the route access declaration.
declare module 'fastify' {
  interface FastifyContextConfig {
    access?: 'public' | 'agent' | 'viewer' | 'operator' | 'admin';
  }
}
export {};
