/**
 * Where the CLI gets secrets: the password from --password-file F (its first line), else
 * CASEVAULT_PASSWORD, else a prompt without echo when stdin is a terminal; the recovery key
 * from --recovery-key-file F. A secret is never printed, logged, or put in a message.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Unlock } from '../domain/deps.ts';
import { BackupError } from '../domain/errors.ts';
import { UsageError, stringFlag, type FlagSpec, type ParsedArgs } from './args.ts';
import type { CliContext } from './context.ts';

export const PASSWORD_FILE_FLAG: FlagSpec = { name: 'password-file', kind: 'string', value: 'F', help: "the password, on the first line of F (else $CASEVAULT_PASSWORD, else asked for on a terminal)" };
export const RECOVERY_KEY_FILE_FLAG: FlagSpec = { name: 'recovery-key-file', kind: 'string', value: 'F', help: 'the recovery key (AGE-SECRET-KEY-1…) in F, instead of the password' };

/** The first line of a secret file, without its line ending (a file of only a newline is empty). */
export function readSecretFile(path: string, what: string): string {
  let text: string;
  try {
    text = readFileSync(resolve(path), 'utf8');
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new BackupError(code === 'ENOENT' ? 'NOT_FOUND' : 'PERMISSION_DENIED', `cannot read the ${what} file ${resolve(path)} (${code ?? 'error'})`);
  }
  // A key file may carry comments (# public key: …), as age-keygen writes one; a password is the first line as it is.
  const lines = text.split(/\r?\n/);
  const line = (what === 'password' ? lines[0] : lines.map((l) => l.trim()).find((l) => l !== '' && !l.startsWith('#'))) ?? '';
  if (line.length === 0) throw new UsageError(`the ${what} file ${resolve(path)} is empty`);
  return line;
}

/** Asks on the terminal without echo (stdin must be a TTY); resolves what was typed. */
export function promptHidden(question: string, ctx: Pick<CliContext, 'stderr'>): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) throw new UsageError('no terminal to ask for the password on: give --password-file F or set CASEVAULT_PASSWORD');
  ctx.stderr.write(question);
  return new Promise((resolvePrompt, reject) => {
    let typed = '';
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    const done = (error?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      ctx.stderr.write('\n');
      if (error) reject(error);
      else resolvePrompt(typed);
    };
    const onData = (data: string) => {
      for (const ch of data) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(new BackupError('CANCELLED', 'cancelled'));
        if (ch === '\u007f' || ch === '\b') typed = typed.slice(0, -1);
        else typed += ch;
      }
    };
    stdin.on('data', onData);
  });
}

/** The password from the flag, the environment or a prompt; undefined when none is available and `required` is false. */
export async function passwordOf(args: ParsedArgs, ctx: CliContext, options: { flag?: string; env?: string; prompt: string; required: boolean }): Promise<string | undefined> {
  const file = stringFlag(args, options.flag ?? 'password-file');
  if (file !== undefined) return readSecretFile(file, 'password');
  const fromEnv = ctx.env[options.env ?? 'CASEVAULT_PASSWORD'];
  if (fromEnv) return fromEnv;
  if (process.stdin.isTTY) return promptHidden(options.prompt, ctx);
  if (options.required) throw new UsageError(`give the password with --${options.flag ?? 'password-file'} F or $${options.env ?? 'CASEVAULT_PASSWORD'}`);
  return undefined;
}

/** What opens an encrypted backup: --recovery-key-file, --password-file or $CASEVAULT_PASSWORD; a prompt only for an encrypted file on a terminal. */
export async function unlockOf(args: ParsedArgs, ctx: CliContext, encrypted: boolean): Promise<Unlock | undefined> {
  const keyFile = stringFlag(args, 'recovery-key-file');
  const passwordFile = stringFlag(args, 'password-file');
  if (keyFile !== undefined && passwordFile !== undefined) throw new UsageError('give --password-file or --recovery-key-file, not both');
  if (keyFile !== undefined) return { recoveryKey: readSecretFile(keyFile, 'recovery key') };
  if (passwordFile !== undefined) return { password: readSecretFile(passwordFile, 'password') };
  if (ctx.env.CASEVAULT_PASSWORD) return { password: ctx.env.CASEVAULT_PASSWORD };
  if (encrypted && process.stdin.isTTY) return { password: await promptHidden('Password of the backup key (or Ctrl-C, then --recovery-key-file): ', ctx) };
  return undefined;
}
