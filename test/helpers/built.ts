/**
 * The compiled build, as `npm run build` makes it, in a temporary directory: `tsc -p
 * tsconfig.build.json` into it, the SDL beside it, a package.json marking it ESM and a link to the
 * project's node_modules so that bare imports resolve. `startBuilt` runs `node <dir>/src/main.js`
 * (no tsx) as a child process and waits for its "listening" log line.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const ROOT = resolve(import.meta.dirname, '../..');

export interface Build {
  readonly dir: string;
  remove(): void;
}

export async function buildInto(): Promise<Build> {
  const dir = mkdtempSync(join(tmpdir(), 'copygraph-build-'));
  await promisify(execFile)(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', dir], {
    cwd: ROOT,
  });
  cpSync(join(ROOT, 'schema'), join(dir, 'schema'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface BuiltServer {
  readonly child: ChildProcess;
  /** The GraphQL URL from the "copygraph is listening" line. */
  readonly url: string;
  /** Every stdout line so far. */
  readonly lines: string[];
  stop(): Promise<number | null>;
}

export function startBuilt(build: Build, env: Record<string, string>): Promise<BuiltServer> {
  const child = spawn(process.execPath, [join(build.dir, 'src/main.js')], {
    cwd: build.dir,
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => {
    stderr += String(c);
  });
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
  return new Promise((resolveStart, reject) => {
    let buffered = '';
    child.stdout?.on('data', (c: Buffer) => {
      buffered += String(c);
      let nl = buffered.indexOf('\n');
      while (nl >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        lines.push(line);
        if (line.includes('copygraph is listening')) {
          const { url } = JSON.parse(line) as { url: string };
          resolveStart({
            child,
            url,
            lines,
            stop: () => {
              if (child.exitCode === null) child.kill('SIGTERM');
              return exited;
            },
          });
        }
        nl = buffered.indexOf('\n');
      }
    });
    void exited.then((code) => reject(new Error(`the built server exited (${code}) before listening: ${stderr}`)));
  });
}
