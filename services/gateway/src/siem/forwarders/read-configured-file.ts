import { readFileSync } from 'node:fs';
import { ValidationError } from '@portcullis/events';

/** Reads a file a forwarder's config names; a failure says which forwarder and key, never the content. */
export function readConfiguredFile(forwarder: string, key: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new ValidationError(
      `forwarder ${forwarder}: cannot read ${key} ${path}: ${(error as Error).message}`,
    );
  }
}
