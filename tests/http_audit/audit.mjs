// The GraphQL over HTTP reference audit against the server at argv[2]: one JSON array of {id, name, status, reason}.
import { auditServer } from 'graphql-http';

const results = await auditServer({ url: process.argv[2] });
const summary = results.map(({ id, name, status, reason }) => ({ id, name, status, reason: reason ?? null }));
process.stdout.write(JSON.stringify(summary));
