/**
 * Preloaded (`node -r`) into both processes of a sidecar: when the launcher is gone — even killed with SIGKILL,
 * which it cannot pass on — the IPC channel closes, and the process stops itself the clean way (SIGTERM runs
 * Nest's shutdown hooks), then for certain after a grace period. No half of a sidecar outlives the launcher.
 */
const GRACE_MS = 15_000;

if (process.send) {
  process.on('disconnect', () => {
    setTimeout(() => process.exit(1), GRACE_MS).unref();
    process.kill(process.pid, 'SIGTERM');
  });
}
