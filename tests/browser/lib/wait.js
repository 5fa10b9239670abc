// Waiting for conditions, never for fixed times.

/**
 * Calls `probe` until it returns a truthy value (which is returned), or
 * throws after `timeoutMs` with `what` in the message. Between probes it
 * yields briefly so the page and the server make progress.
 */
export async function eventually(what, probe, { timeoutMs = 15_000, intervalMs = 200 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${lastError ? `: ${lastError.message}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
