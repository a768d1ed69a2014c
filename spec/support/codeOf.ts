import { expect } from 'vitest';
import { BackupError } from '../../src/domain/errors.ts';

/** The code a promise rejects with (asserting it is a BackupError), or 'resolved'. */
export async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(BackupError);
    return (error as BackupError).code;
  }
  return 'resolved';
}
