import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A tiny filesystem of its own (tmpfs) that a test can fill up, to see what a full disk does. */
export interface SmallFilesystem {
  dir: string;
  /** Fills every free byte with filler files. */
  fill(): void;
  /** Deletes the filler files: there is room again. */
  free(): void;
  unmount(): void;
}

/**
 * Mounts a tmpfs of `megabytes` in a fresh directory (read-only with `readOnly`: nothing can be created in it,
 * even by root), or answers why it cannot: mounting needs root (or CAP_SYS_ADMIN), which a developer's machine or
 * a CI runner may not give.
 */
export function mountSmallFilesystem(megabytes: number, { readOnly = false }: { readOnly?: boolean } = {}): SmallFilesystem | string {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-small-fs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `${readOnly ? 'ro,' : ''}size=${megabytes}m`, 'tmpfs', dir], { stdio: 'ignore' });
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return 'mounting a small tmpfs needs root (CAP_SYS_ADMIN)';
  }
  let fillers = 0;
  const fillerPath = (i: number) => join(dir, `filler-${i}`);
  return {
    dir,
    fill() {
      try {
        for (;;) writeFileSync(fillerPath(fillers++), Buffer.alloc(64 * 1024));
      } catch {
        // ENOSPC: full. Then the last bytes, smaller than a chunk.
      }
      try {
        for (;;) writeFileSync(fillerPath(fillers++), Buffer.alloc(512));
      } catch {
        // Full to the last block.
      }
    },
    free() {
      for (let i = 0; i < fillers; i++) rmSync(fillerPath(i), { force: true });
      fillers = 0;
    },
    unmount() {
      execFileSync('umount', ['-l', dir], { stdio: 'ignore' });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
