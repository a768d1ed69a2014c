/**
 * Encrypted backups on the page (issue 13): the set-up (the strength meter, the refusals next
 * to the fields, the recovery key shown once and typed back), the lock in the list, the
 * password prompt of a restore (before its counts) and of a verification, and one case per
 * way it goes wrong, each with its fixture: a wrong password, a key the backup was not made
 * for, a damaged key file, the public keys missing, an encrypted file damaged in its middle.
 * Keys are set up once per worker with the CLI (`key init`, scrypt at age's work factor) and
 * copied into each test's backup dir before its shell starts.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ERROR_TITLES } from '../src/contract/errorTitles.ts';
import { createAgeEncryption } from '../src/infra/age/index.ts';
import { REPO, expect, flipByte, test as base, type SettingsPage } from './support/shell.ts';

const PASSWORD = 'correct horse battery staple';
const SHOTS = '/tmp/shots';

interface Keys {
  readonly dir: string;
  readonly recoveryKey: string;
  readonly publicKeys: readonly string[];
}

const test = base.extend<{ keysSetUp: boolean }, { keys: Keys }>({
  keys: [
    async ({}, use) => {
      const dir = await mkdtemp(join(tmpdir(), 'casevault-e2e-keys-'));
      await writeFile(join(dir, 'password'), `${PASSWORD}\n`);
      await promisify(execFile)(process.execPath, [join(REPO, 'bin/casevault.mjs'), 'key', 'init', '--password-file', join(dir, 'password'), '--recovery-key-file', join(dir, 'recovery'), '--backup-dir', join(dir, 'backups')]);
      const recoveryKey = /^AGE-SECRET-KEY-1\S+$/m.exec(await readFile(join(dir, 'recovery'), 'utf8'))![0];
      const ring = JSON.parse(await readFile(join(dir, 'backups', 'casevault-keys.json'), 'utf8')) as { recipients: { publicKey: string }[] };
      await use({ dir, recoveryKey, publicKeys: ring.recipients.map((r) => r.publicKey) });
      await rm(dir, { recursive: true, force: true });
    },
    { scope: 'worker' },
  ],
  keysSetUp: [false, { option: true }],
  beforeStart: async ({ keysSetUp, keys }, use) => {
    await use(
      keysSetUp
        ? async ({ backupDir }) => {
            for (const name of ['casevault-key.age', 'casevault-keys.json']) await copyFile(join(keys.dir, 'backups', name), join(backupDir, name));
          }
        : null,
    );
  },
});

const prompt = (settings: SettingsPage) => settings.page.getByTestId('unlock-dialog');
const row = (settings: SettingsPage, fileName: string) => settings.page.locator(`[data-testid="backup-row"][data-file-name="${fileName}"]`);

/** Answers the open password prompt. */
async function unlock(settings: SettingsPage, secret: { password: string } | { recoveryKey: string }): Promise<void> {
  const dialog = prompt(settings);
  await expect(dialog).toBeVisible();
  if ('recoveryKey' in secret) {
    await dialog.getByRole('button', { name: 'Use the recovery key instead' }).click();
    await dialog.getByLabel('Recovery key').fill(secret.recoveryKey);
  } else {
    await dialog.getByLabel('Encryption password').fill(secret.password);
  }
  await dialog.locator('button[type="submit"]').click();
}

test.describe('setting up encryption', () => {
  test('password twice with the meter, the recovery key shown once, typed back wrong then right; the next backup has the lock', async ({ settings, page }) => {
    const panel = page.getByTestId('encryption-panel');
    await expect(panel.getByTestId('encryption-state')).toHaveAttribute('data-state', 'not-set-up');
    await panel.getByRole('button', { name: 'Set up encryption…' }).click();
    const dialog = page.getByTestId('key-setup');
    const meter = dialog.getByTestId('strength');
    const password = dialog.getByLabel('Encryption password');
    const repeat = dialog.getByLabel('The same password again');

    // The meter follows each key typed.
    await password.fill('casev');
    await expect(dialog.getByTestId('strength-label')).toHaveText('Too short');
    await password.fill('Password1!');
    await expect(dialog.getByTestId('strength-label')).toHaveText('Weak');
    await password.fill(PASSWORD);
    await expect(meter).toHaveAttribute('data-score', '4');
    await expect(dialog.getByTestId('strength-label')).toHaveText('Strong');

    // Refused next to the field: too short, then not the same twice.
    await password.fill('short');
    await repeat.fill('short');
    await dialog.getByRole('button', { name: 'Next' }).click();
    await expect(dialog.getByTestId('password-error')).toHaveText(/at least 8 characters/);
    await expect(password).toHaveAttribute('aria-invalid', 'true');
    await password.fill(PASSWORD);
    await repeat.fill(`${PASSWORD}!`);
    await dialog.getByRole('button', { name: 'Next' }).click();
    await expect(dialog.getByTestId('repeat-error')).toHaveText(/not the same/);
    await expect(dialog.getByTestId('password-error')).toHaveCount(0);
    await expect(dialog.getByRole('heading', { name: 'Set up encryption' })).toBeVisible();

    await repeat.fill(PASSWORD);
    await dialog.getByRole('button', { name: 'Next' }).click();
    await expect(dialog.getByRole('heading', { name: 'Your recovery key' })).toBeVisible();
    await expect(dialog.getByText('Write this down: it is the only way in without the password.')).toBeVisible();
    await expect(dialog.getByRole('button', { name: 'Copy' })).toBeVisible();
    await expect(dialog.getByRole('button', { name: 'Print' })).toBeVisible();
    const shown = (await dialog.getByTestId('recovery-key').textContent()) ?? '';
    expect(shown).toMatch(/^AGE-SECRET-KEY-1( [0-9A-Z]{1,4}){15}$/);
    await page.screenshot({ path: `${SHOTS}/encryption-recovery-key.png` });
    // Nothing is on before the key comes back.
    await expect(panel.getByTestId('encryption-state')).toHaveAttribute('data-state', 'not-set-up');

    await dialog.getByRole('button', { name: 'I have written it down' }).click();
    const typeBack = dialog.getByLabel('Recovery key');
    await expect(typeBack).toBeFocused();
    // One character wrong (as written down wrongly).
    const last = shown.at(-1) === 'Q' ? 'P' : 'Q';
    await typeBack.fill(`${shown.slice(0, -1)}${last}`);
    await dialog.getByRole('button', { name: 'Turn encryption on' }).click();
    await expect(dialog.getByTestId('type-back-error')).toHaveText(/not the recovery key shown.*Encryption is not on yet/);
    await expect(panel.getByTestId('encryption-state')).toHaveAttribute('data-state', 'not-set-up');

    // As written down: in groups, in lower case.
    await typeBack.fill(shown.toLowerCase());
    await dialog.getByRole('button', { name: 'Turn encryption on' }).click();
    await expect(settings.toast('success', 'Encryption is on')).toBeVisible();
    await expect(dialog).toBeHidden();
    await expect(panel.getByTestId('encryption-state')).toHaveAttribute('data-state', 'on');
    await expect(panel.getByTestId('encryption-key')).toHaveCount(2);
    await expect(panel.getByTestId('encryption-key').first()).toHaveAttribute('data-role', 'password');
    await settings.closeToasts();

    const fileName = await settings.exportNow();
    expect(fileName).toMatch(/\.zip\.age$/);
    await expect(row(settings, fileName).getByRole('img', { name: 'encrypted' })).toBeVisible();
    await settings.closeToasts();
    await panel.scrollIntoViewIfNeeded();
    await panel.screenshot({ path: `${SHOTS}/encryption-panel.png` });
    await page.screenshot({ path: `${SHOTS}/encryption-page.png`, fullPage: true });
  });
});

test.describe('an encrypted backup', () => {
  test.use({ keysSetUp: true });

  test('restore asks for the password, then shows what the backup holds, and restores', async ({ settings, page }) => {
    const fileName = await settings.exportNow();
    await settings.closeToasts();
    await row(settings, fileName).getByRole('button', { name: `Restore ${fileName}` }).click();
    await expect(prompt(settings)).toBeVisible();
    await expect(prompt(settings)).toContainText(`${fileName} is encrypted`);
    await expect(prompt(settings).getByLabel('Encryption password')).toBeFocused();
    await page.screenshot({ path: `${SHOTS}/encryption-password-prompt.png` });
    await unlock(settings, { password: PASSWORD });
    const dialog = settings.dialog();
    await expect(dialog.getByRole('heading', { name: 'Restore this backup?' })).toBeVisible();
    await expect(dialog.getByTestId('backup-cases')).toHaveText('36');
    await dialog.getByRole('button', { name: 'Restore' }).click();
    await expect(settings.toast('success', 'Backup restored successfully')).toBeVisible();
    await expect(settings.toast('error')).toHaveCount(0);
  });

  test('a wrong password: the prompt says it is wrong and that the recovery key works, and the recovery key does', async ({ settings, keys }) => {
    const fileName = await settings.exportNow();
    await settings.closeToasts();
    await row(settings, fileName).getByRole('button', { name: `Verify ${fileName}` }).click();
    await unlock(settings, { password: 'not the password at all' });
    const failure = prompt(settings).getByTestId('unlock-failure');
    await expect(failure).toContainText(ERROR_TITLES.WRONG_PASSWORD);
    await expect(failure).toContainText('That password does not open the key beside the backups');
    await expect(failure).toContainText('the recovery key (AGE-SECRET-KEY-1…) also opens every backup');
    await expect(prompt(settings).getByLabel('Encryption password')).toHaveValue('');
    await settings.page.screenshot({ path: `${SHOTS}/encryption-wrong-password.png` });
    await unlock(settings, { recoveryKey: keys.recoveryKey });
    await expect(settings.toast('success', 'Backup verified: it is intact')).toBeVisible();
  });

  test('a key it was not made for: WRONG_KEY, listing the public keys it was made for', async ({ settings, keys }) => {
    const fileName = await settings.exportNow();
    await settings.closeToasts();
    const stranger = createAgeEncryption();
    await row(settings, fileName).getByRole('button', { name: `Restore ${fileName}` }).click();
    await unlock(settings, { recoveryKey: stranger.exportSecretKey(stranger.generateKey()) });
    const failure = prompt(settings).getByTestId('unlock-failure');
    await expect(failure).toContainText(ERROR_TITLES.WRONG_KEY);
    await expect(failure).toContainText('encrypted to other keys (listed below)');
    await expect(failure.getByTestId('made-for').locator('li')).toHaveText([...keys.publicKeys]);
    await expect(settings.dialog()).toHaveCount(0);
  });

  test('a damaged key file: KEY_FILE_DAMAGED on a verification with the password, and on export when the public keys are damaged', async ({ settings, shell }) => {
    const fileName = await settings.exportNow();
    await settings.closeToasts();
    await writeFile(join(shell.backupDir, 'casevault-key.age'), 'age-encryption.org/v1\n-> scrypt damaged\n');
    await row(settings, fileName).getByRole('button', { name: `Verify ${fileName}` }).click();
    await unlock(settings, { password: PASSWORD });
    const error = settings.toast('error', ERROR_TITLES.KEY_FILE_DAMAGED);
    await expect(error).toBeVisible();
    await expect(error.locator('.toast-message')).toHaveText(/recovery key still opens every backup/);
    await settings.closeToasts();

    const ring = join(shell.backupDir, 'casevault-keys.json');
    await writeFile(ring, (await readFile(ring, 'utf8')).replace('"recipients"', '"recipients_"'));
    await settings.page.getByRole('button', { name: 'Export backup' }).click();
    const onExport = settings.toast('error', ERROR_TITLES.KEY_FILE_DAMAGED);
    await expect(onExport.locator('.toast-message')).toHaveText(/no backup was made \(never an unencrypted one\)/);
    await expect(settings.rows()).toHaveCount(1);
  });

  test('the public keys missing: ENCRYPTION_UNAVAILABLE on export, and no backup', async ({ settings, shell }) => {
    await rm(join(shell.backupDir, 'casevault-keys.json'));
    await settings.page.getByRole('button', { name: 'Export backup' }).click();
    const error = settings.toast('error', ERROR_TITLES.ENCRYPTION_UNAVAILABLE);
    await expect(error.locator('.toast-message')).toHaveText(/keys are missing.*no backup was made.*Put casevault-key.age and casevault-keys.json back/);
    await expect(settings.page.getByTestId('no-backups')).toBeVisible();
  });

  test('an encrypted file damaged in its middle (its sidecar made to match): ENCRYPTED_DAMAGED naming the chunk', async ({ settings, shell, keys }) => {
    const fileName = await settings.exportNow();
    await settings.closeToasts();
    const path = join(shell.backupDir, fileName);
    await flipByte(path);
    const sha = createHash('sha256').update(await readFile(path)).digest('hex');
    await writeFile(`${path}.sha256`, `${sha}  ${fileName}\n`);
    await row(settings, fileName).getByRole('button', { name: `Verify ${fileName}` }).click();
    await unlock(settings, { recoveryKey: keys.recoveryKey });
    const error = settings.toast('error', ERROR_TITLES.ENCRYPTED_DAMAGED);
    await expect(error.locator('.toast-message')).toHaveText(/part of it is damaged or was changed/);
    await error.getByText('Details', { exact: true }).click();
    await expect(error.locator('.toast-details-text')).toHaveText(/chunk \d+ of \d+/);
  });
});
