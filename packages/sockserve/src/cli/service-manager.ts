/**
 * `sd_notify` for the command: `READY=1` once the server takes traffic, `STOPPING=1` at the
 * first stop signal — when `NOTIFY_SOCKET` is set (systemd `Type=notify`). A failure to notify
 * is a warning, never a reason to stop serving.
 */

/** Sends `state` to the service manager if there is one; reports a failure through `warn`. */
export async function notifyServiceManager(
  state: string,
  warn: (line: string) => void,
): Promise<void> {
  if (process.env.NOTIFY_SOCKET === undefined || process.env.NOTIFY_SOCKET === '') return;
  try {
    // Imported only when needed: the Unix package loads a native addon to send.
    const { sdNotify } = await import('@sockserve/unix');
    await sdNotify(state);
  } catch (error) {
    warn(`cannot notify the service manager (${state}): ${(error as Error).message}`);
  }
}
