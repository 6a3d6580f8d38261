import pg from 'pg';
import type { Queryable } from './pool';

/**
 * The schemas of a search_path setting, as PostgreSQL reads it (SHOW search_path): comma-separated
 * identifiers, unquoted ones folded to lower case, double-quoted ones as written (`""` is a quote).
 * `$user` is kept as is: it stands for the schema named after the connecting role.
 */
export function parseSearchPath(value: string): string[] {
  const names: string[] = [];
  let i = 0;
  while (i < value.length) {
    while (value[i] === ' ' || value[i] === ',') i++;
    if (i >= value.length) break;
    let name = '';
    if (value[i] === '"') {
      i++;
      while (i < value.length) {
        if (value[i] === '"' && value[i + 1] === '"') {
          name += '"';
          i += 2;
        } else if (value[i] === '"') {
          i++;
          break;
        } else {
          name += value[i++];
        }
      }
      names.push(name);
    } else {
      while (i < value.length && value[i] !== ',') name += value[i++];
      names.push(name.trim().toLowerCase());
    }
    while (i < value.length && value[i] !== ',') i++;
  }
  return names;
}

/**
 * Creates the schema the connection's search_path names first when it does not exist yet, so that
 * `?options=-c search_path=chat_a` works on a fresh database as it does on a prepared one (without
 * it, the migrations fail with "no schema has been selected to create in"). `$user` counts only
 * when that schema exists, as in PostgreSQL; a path naming nothing creatable is left to fail as
 * before. Run inside the migrations' transaction, under the lock keyed by the schema's name, so
 * that nodes starting together do not race to create it. Returns the schema created, if any.
 */
export async function createSearchPathSchema(
  tx: Queryable,
  lock: (schema: string) => Promise<void>,
): Promise<string | undefined> {
  const { rows } = await tx.query<{ search_path: string; user: string }>(
    'SELECT current_setting($1) AS search_path, current_user AS user',
    ['search_path'],
  );
  const [row] = rows;
  if (!row) return undefined;
  for (const entry of parseSearchPath(row.search_path)) {
    const name = entry === '$user' ? row.user : entry;
    const exists = await schemaExists(tx, name);
    if (entry === '$user' && !exists) continue;
    if (exists || name === '' || name.startsWith('pg_')) return undefined;
    await lock(name);
    // Checked again under the lock: a node that held it first may have created the schema.
    if (await schemaExists(tx, name)) return undefined;
    await tx.query(`CREATE SCHEMA ${pg.escapeIdentifier(name)}`);
    return name;
  }
  return undefined;
}

async function schemaExists(tx: Queryable, name: string): Promise<boolean> {
  const { rows } = await tx.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [name]);
  return rows.length > 0;
}
