// Starts a real helpdeskd (the Bazel-built binary) on free ports with a
// fresh data directory and demo data, for one test file or the screenshots.
// With HELPDESK_PG_HOST and HELPDESK_PG_PORT set (a local cluster's socket
// directory and port, see tools/pg_local), each helpdeskd gets a fresh
// database of that cluster instead of SQLite files.

import { execFileSync, spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** The binary: $HELPDESKD, else bazel-bin/ in the repository. */
export function helpdeskdBinary() {
  const binary = process.env.HELPDESKD || path.join(repoRoot, 'bazel-bin/services/helpdeskd/helpdeskd');
  if (!existsSync(binary)) {
    throw new Error(`helpdeskd not found at ${binary}: run \`bazel build //services/helpdeskd\` or set HELPDESKD`);
  }
  return binary;
}

/**
 * Starts helpdeskd; resolves to { url, dataDir, logPath, stop() } once it
 * printed its HTTP port (it is ready then). `flags` are extra flags.
 */
let databases = 0;

/** `--database_url=` of a fresh PostgreSQL database, or nothing. */
function databaseFlags() {
  const host = process.env.HELPDESK_PG_HOST;
  const port = process.env.HELPDESK_PG_PORT;
  if (!host || !port) return [];
  const name = `browser_${process.pid}_${++databases}`;
  execFileSync('/usr/lib/postgresql/15/bin/createdb', ['-h', host, '-p', port, '-U', 'postgres', name]);
  return [`--database_url=postgresql://postgres@/${name}?host=${host}&port=${port}`];
}

export async function startHelpdeskd(flags = [], { timeoutMs = 60_000 } = {}) {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'helpdesk-browser-'));
  const logPath = path.join(dataDir, 'helpdeskd.log');
  const log = createWriteStream(logPath);
  const child = spawn(helpdeskdBinary(), [
    `--data_dir=${dataDir}/data`,
    '--grpc_port=0',
    '--http_port=0',
    '--seed_demo=true',
    ...databaseFlags(),
    ...flags,
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr.pipe(log);

  const port = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`helpdeskd did not start within ${timeoutMs} ms (log: ${logPath})`)), timeoutMs);
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const found = /^http_port=(\d+)$/m.exec(out);
      if (found) {
        clearTimeout(timer);
        resolve(Number(found[1]));
      }
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`helpdeskd exited (${code ?? signal}) before it was ready (log: ${logPath})`));
    });
  });
  child.stdout.resume();

  let stopped = false;
  return {
    url: `http://127.0.0.1:${port}`,
    dataDir,
    logPath,
    async stop() {
      if (stopped) return;
      stopped = true;
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(timer);
      }
      log.end();
      if (!process.env.KEEP_HELPDESK_DATA) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
