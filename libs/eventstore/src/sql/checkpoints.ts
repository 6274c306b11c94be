import type { Position } from '@portcullis/events';
import type { SqlExecutor } from './sql-database.js';

/**
 * Subscriber checkpoints. `storeCheckpoint` takes any executor so a projection
 * can store its checkpoint in the same transaction as its read-model update.
 */
export async function loadCheckpoint(db: SqlExecutor, subscriberId: string): Promise<Position | null> {
  const { rows } = await db.query<{ commit_position: string; prepare_position: string }>(
    `SELECT commit_position::text AS commit_position, prepare_position::text AS prepare_position
       FROM portcullis_checkpoints WHERE subscriber_id = $1`,
    [subscriberId],
  );
  const row = rows[0];
  return row ? { commit: BigInt(row.commit_position), prepare: BigInt(row.prepare_position) } : null;
}

export async function storeCheckpoint(
  db: SqlExecutor,
  subscriberId: string,
  position: Position,
): Promise<void> {
  await db.query(
    `INSERT INTO portcullis_checkpoints (subscriber_id, commit_position, prepare_position, updated_at)
     VALUES ($1, $2::text::xid8, $3, now())
     ON CONFLICT (subscriber_id) DO UPDATE
       SET commit_position = EXCLUDED.commit_position, prepare_position = EXCLUDED.prepare_position,
           updated_at = EXCLUDED.updated_at`,
    [subscriberId, position.commit.toString(), position.prepare.toString()],
  );
}

export async function resetCheckpoint(db: SqlExecutor, subscriberId: string): Promise<void> {
  await db.query(`DELETE FROM portcullis_checkpoints WHERE subscriber_id = $1`, [subscriberId]);
}
