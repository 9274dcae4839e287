/**
 * Handler code that writes one line without end on the descriptor of the runtime's channel (1 GiB, far
 * beyond the longest string Node can hold), waiting whenever the pipe is full. The caller's handler must
 * import `writeSync` from `node:fs` and be async.
 */
export const endlessChannelLine = `
  const chunk = Buffer.alloc(1 << 20, 'x');
  for (let written = 0; written < 1024 * chunk.length; ) {
    try {
      written += writeSync(3, chunk);
    } catch (error) {
      if (error.code !== 'EAGAIN') throw error;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }`;
