// The GraphQL over HTTP reference audit against the server at argv[2]: one JSON array of {id, name, status, reason}.
// With AUDIT_AUTHORIZATION set, every request carries it as its Authorization header.
import { auditServer } from 'graphql-http';

const authorization = process.env.AUDIT_AUTHORIZATION;
const fetchFn = authorization
  ? (input, init = {}) => {
      const headers = new Headers(init.headers);
      headers.set('authorization', authorization);
      return fetch(input, { ...init, headers });
    }
  : fetch;
const results = await auditServer({ url: process.argv[2], fetchFn });
const summary = results.map(({ id, name, status, reason }) => ({ id, name, status, reason: reason ?? null }));
process.stdout.write(JSON.stringify(summary));
