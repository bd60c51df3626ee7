import atomicWrite from 'write-file-atomic';

/**
 * Every file polytune rewrites in place (ledger records, job state, manifests,
 * caches) goes through here: npm's write-file-atomic writes a temp file, fsyncs
 * it and renames it over the target, so a crash leaves the old file or the new
 * one, never half of either.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  await atomicWrite(
    file,
    typeof data === 'string' ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength),
  );
}

/** `value` as pretty JSON with a final newline, atomically. */
export async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  await atomicWrite(file, `${JSON.stringify(value, null, 2)}\n`);
}
