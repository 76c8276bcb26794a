import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import type { ApiKey, Role } from '../../lib/config';
import { HttpProblem } from './problem';

/** Who made the request: the key's name and role, never the key. */
export interface Principal {
  name: string;
  role: Role;
}

/** The roles each role includes: an operator may do everything a viewer may. */
const GRANTS: Record<Role, readonly Role[]> = { viewer: ['viewer'], operator: ['viewer', 'operator'] };

export type RequireRole = (role: Role) => RequestHandler;

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

export type Authenticate = (authorization: string | undefined) => Principal | undefined;

/**
 * Who an `Authorization: Bearer <key>` header names, if anyone. Keys are compared as SHA-256
 * digests (equal lengths, so `timingSafeEqual` applies) and every key is compared, so the time
 * taken says nothing about which key, or how much of one, matched.
 */
export function createAuthenticator(keys: readonly ApiKey[]): Authenticate {
  const known = keys.map((key) => ({
    principal: { name: key.name, role: key.role },
    digest: digest(key.secret.reveal()),
  }));
  return (header) => {
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '');
    if (!match?.[1]) return undefined;
    const presented = digest(match[1]);
    let found: Principal | undefined;
    for (const key of known) {
      if (timingSafeEqual(presented, key.digest)) found = key.principal;
    }
    return found;
  };
}

/** Bearer-key authentication and role checks, as middleware factories: `requireRole('operator')`. */
export function createAuth(authenticate: Authenticate): RequireRole {
  return (role) => (req, res, next) => {
    const principal = (res.locals.principal as Principal | undefined) ?? authenticate(req.headers.authorization);
    if (!principal) {
      const challenge = req.headers.authorization ? 'Bearer error="invalid_token"' : 'Bearer';
      throw new HttpProblem(401, 'A valid API key is required: send "Authorization: Bearer <key>"', {
        headers: { 'WWW-Authenticate': challenge },
      });
    }
    res.locals.principal = principal;
    if (!GRANTS[principal.role].includes(role)) {
      throw new HttpProblem(403, `This action needs the ${role} role; key "${principal.name}" is a ${principal.role}`);
    }
    next();
  };
}

export function principalOf(res: Response): Principal | undefined {
  return res.locals.principal as Principal | undefined;
}
