// Puts a dead job in place: a ticket.assigned job that used up its
// attempts, written into a running helpdeskd's jobs.db with Debian's sqlite3
// (as the queue leaves one when notifications stay unreachable). For the
// dead-jobs test and screenshot; the public API cannot make one.

import { execFileSync } from 'node:child_process';
import path from 'node:path';

// Protocol-buffer wire format, enough for the job payload.
function varint(value) {
  const bytes = [];
  let rest = BigInt(value);
  do {
    let byte = Number(rest & 0x7fn);
    rest >>= 7n;
    if (rest > 0n) byte |= 0x80;
    bytes.push(byte);
  } while (rest > 0n);
  return Buffer.from(bytes);
}
const varintField = (number, value) => Buffer.concat([varint(number << 3), varint(value)]);
const bytesField = (number, bytes) => Buffer.concat([varint((number << 3) | 2), varint(bytes.length), bytes]);

/** google.protobuf.Any holding helpdesk.jobs.v1.TicketAssignedPayload. */
function assignedPayload(ticketId, title, assigneeId) {
  const payload = Buffer.concat([
    varintField(1, ticketId),
    bytesField(2, Buffer.from(title)),
    varintField(3, assigneeId),
    varintField(4, assigneeId),
  ]);
  return Buffer.concat([
    bytesField(1, Buffer.from('type.googleapis.com/helpdesk.jobs.v1.TicketAssignedPayload')),
    bytesField(2, payload),
  ]);
}

/** Inserts a DEAD ticket.assigned job (5 of 5 attempts used); returns its id. */
export function insertDeadJob(dataDir, title) {
  const now = BigInt(Date.now()) * 1000n;
  const sql = `INSERT INTO jobs (type, state, attempts, max_attempts, run_time, last_error,
      dedupe_key, payload, create_time, update_time)
    VALUES ('ticket.assigned', 4, 5, 5, ${now}, 'UNAVAILABLE: notification service unreachable',
      'browser-test/${now}', X'${assignedPayload(1, title, 1).toString('hex')}', ${now}, ${now});
    SELECT last_insert_rowid();`;
  const out = execFileSync('sqlite3', ['-cmd', '.timeout 5000', path.join(dataDir, 'data', 'jobs.db'), sql]);
  return Number(String(out).trim());
}
