/**
 * Copies off this computer (issue 14), in the browser shell: a folder destination (a temp dir
 * standing in for a USB drive) gets a backup with Copy now, with progress, and the list marks
 * the backup "on USB drive ✓"; a folder that is not there is "the drive is not mounted"; S3
 * storage on a real server (OpenStack Swift's s3api, which checks SigV4 signatures): Test
 * connection works with the right keys, a wrong secret is "access denied", and after saving
 * the secret is neither in the page nor in any answer the page received; removal.
 */
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page, Response } from '@playwright/test';
import { createBucket, startS3Server, type S3Server } from '../spec/support/s3Server.ts';
import { expect, test, type SettingsPage } from './support/shell.ts';

async function addFolder(settings: SettingsPage, name: string, path: string): Promise<void> {
  const page = settings.page;
  await page.getByRole('button', { name: 'Add a folder…' }).click();
  const dialog = page.locator('dialog[open][data-testid="add-destination"]');
  await dialog.getByLabel('Name').fill(name);
  await dialog.getByLabel(/^Folder/).fill(path);
  await dialog.getByRole('button', { name: 'Add', exact: true }).click();
}

function destination(page: Page, name: string) {
  return page.locator(`[data-testid="destination"][data-name="${name}"]`);
}

/** Every answer of the shell's API the page received, as text. */
function recordAnswers(page: Page): string[] {
  const answers: string[] = [];
  page.on('response', (response: Response) => {
    if (response.url().includes('/api/')) void response.text().then((t) => answers.push(t), () => {});
  });
  return answers;
}

/**
 * Records every text the element `testId` shows from now on: a copy of a small backup to a
 * local folder can be over before a poll would see its progress bar.
 */
async function watch(page: Page, testId: string): Promise<() => Promise<string[]>> {
  await page.evaluate((id) => {
    const seen: string[] = [];
    (window as unknown as { __seen: string[] }).__seen = seen;
    new MutationObserver(() => {
      const el = document.querySelector(`[data-testid="${id}"]`);
      if (el && el.querySelector('progress')) seen.push(el.textContent ?? '');
    }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
  }, testId);
  return () => page.evaluate(() => (window as unknown as { __seen: string[] }).__seen);
}

test.describe('a folder destination', () => {
  test('Copy now shows its progress, then the list marks the backup as on the drive', async ({ settings }) => {
    const page = settings.page;
    const usb = await mkdtemp(join(tmpdir(), 'casevault-usb-'));
    try {
      const fileName = await settings.exportNow();
      await settings.closeToasts();
      await addFolder(settings, 'USB drive', usb);
      await expect(settings.toast('success', 'USB drive added')).toBeVisible();
      const item = destination(page, 'USB drive');
      await expect(item.getByTestId('dest-last-copy')).toHaveText('Nothing copied yet.');
      await expect(item.getByTestId('dest-count')).toHaveText('No backups there yet.');
      const shown = await watch(page, 'copy-progress');
      await item.getByRole('button', { name: 'Copy now to USB drive' }).click();
      await expect(settings.toast('success', 'USB drive: Copied 1 backup')).toBeVisible();
      await expect(item.getByTestId('copy-progress')).toBeHidden();
      // The bar with what it copies where, and Cancel, was on screen while it ran.
      const texts = await shown();
      expect(texts.length).toBeGreaterThan(0);
      expect(texts.every((t) => /^Copying( casevault-backup-\S+)? to USB drive.*Cancel$/.test(t)), texts.join('\n')).toBe(true);
      await expect(item.getByTestId('dest-last-copy')).toHaveAttribute('data-outcome', 'ok');
      await expect(item.getByTestId('dest-last-copy')).toContainText('Copied just now');
      await expect(item.getByTestId('dest-count')).toHaveText('1 backup there.');
      const row = page.locator(`[data-testid="backup-row"][data-file-name="${fileName}"]`);
      await expect(row.getByTestId('dest-marks')).toHaveText('on USB drive ✓');
      expect((await readdir(usb)).sort()).toEqual([fileName, `${fileName}.sha256`]);
    } finally {
      await rm(usb, { recursive: true, force: true });
    }
  });

  test('a folder that is not there says the drive is not mounted, and is not added', async ({ settings }) => {
    const page = settings.page;
    const gone = join(tmpdir(), `casevault-not-mounted-${Date.now()}`, 'casevault');
    await addFolder(settings, 'USB drive', gone);
    const toast = settings.toast('error', 'The copy destination does not exist');
    await expect(toast).toBeVisible();
    await expect(toast).toContainText('The drive is not mounted');
    await expect(page.locator('dialog[open][data-testid="add-destination"]')).toBeVisible();
    await page.locator('dialog[open][data-testid="add-destination"]').getByRole('button', { name: 'Cancel' }).click();
    await expect(page.getByTestId('no-destinations')).toBeVisible();
  });
});

test.describe('S3 storage on a real server', () => {
  test.describe.configure({ mode: 'serial' });
  let server: S3Server;
  test.beforeAll(async () => {
    test.setTimeout(180_000);
    server = await startS3Server();
  });
  test.afterAll(async () => {
    await server?.stop();
  });

  async function fillS3(settings: SettingsPage, name: string, bucket: string, secret: string): Promise<void> {
    const dialog = settings.page.locator('dialog[open][data-testid="add-destination"]');
    await dialog.getByLabel('Name').fill(name);
    await dialog.getByLabel(/^Endpoint/).fill(server.endpoint);
    await dialog.getByLabel('Bucket', { exact: true }).fill(bucket);
    await dialog.getByLabel('Region').fill(server.region);
    await dialog.getByLabel(/^Path-style/).check();
    await dialog.getByLabel('Access key id').fill(server.accessKeyId);
    await dialog.getByLabel('Secret key').fill(secret);
  }

  test('Test connection works with the right keys, a wrong secret is access denied, and the secret never comes back', async ({ settings }) => {
    const page = settings.page;
    const answers = recordAnswers(page);
    const bucket = await createBucket(server, 'e2e-dest');
    const fileName = await settings.exportNow();
    await settings.closeToasts();
    await page.getByRole('button', { name: 'Add S3 storage…' }).click();
    const dialog = page.locator('dialog[open][data-testid="add-destination"]');
    await expect(dialog.getByTestId('dest-keys-where')).toContainText('not saved: this shell keeps keys until it stops');
    await expect(dialog).toContainText('choose “when required” for Cloudflare R2 and Oracle Cloud'.replace('choose', 'Choose'));

    // A wrong secret: the server refuses the signature.
    const wrong = `${server.secretAccessKey.slice(0, -2)}xx`;
    await fillS3(settings, 'Offsite', bucket, wrong);
    await dialog.getByRole('button', { name: 'Test connection' }).click();
    await expect(dialog.getByTestId('dest-test')).toContainText('Access denied: check the access key id and the secret key, and that the key has s3:PutObject');
    await dialog.getByRole('button', { name: 'Add', exact: true }).click();
    const denied = settings.toast('error', 'The copy destination refused access');
    await expect(denied).toBeVisible();
    await expect(denied).toContainText('s3:PutObject');
    // The dialog stays open with the refusal in it, to correct the key.
    await expect(dialog.getByTestId('dest-test')).toContainText('Access denied');

    // The right one: the test passes (a real put, get and delete), then it is added.
    await dialog.getByLabel('Secret key').fill(server.secretAccessKey);
    await dialog.getByRole('button', { name: 'Test connection' }).click();
    await expect(dialog.getByTestId('dest-test').locator('[data-result="ok"]')).toContainText('The connection works.');
    await dialog.getByRole('button', { name: 'Add', exact: true }).click();
    await expect(settings.toast('success', 'Offsite added')).toBeVisible();
    await expect(page.locator('dialog[open][data-testid="add-destination"]')).toHaveCount(0);
    const item = destination(page, 'Offsite');
    await expect(item.getByTestId('dest-keys')).toHaveText(`keys saved (key id …${server.accessKeyId.slice(-4)})`);

    await item.getByRole('button', { name: 'Test connection to Offsite' }).click();
    await expect(settings.toast('success', 'Offsite: the connection works')).toBeVisible();
    await item.getByRole('button', { name: 'Copy now to Offsite' }).click();
    await expect(settings.toast('success', 'Offsite: Copied 1 backup')).toBeVisible({ timeout: 30_000 });
    await expect(page.locator(`[data-testid="backup-row"][data-file-name="${fileName}"]`).getByTestId('dest-marks')).toHaveText('on Offsite ✓');

    // After saving: not in the page (markup or any field's value), not in any answer.
    const html = await page.content();
    const values = await page.evaluate(() => Array.from(document.querySelectorAll('input')).map((i) => i.value));
    expect(html.includes(server.secretAccessKey)).toBe(false);
    expect(values.includes(server.secretAccessKey)).toBe(false);
    await page.reload();
    await expect(destination(page, 'Offsite')).toBeVisible();
    expect(answers.length).toBeGreaterThan(5);
    expect(answers.filter((a) => a.includes(server.secretAccessKey) || a.includes(wrong))).toEqual([]);

    // Removed after a confirmation; its copies stay in the bucket.
    await destination(page, 'Offsite').getByRole('button', { name: 'Remove Offsite' }).click();
    await expect(settings.dialog()).toContainText('The copies already there stay where they are');
    await settings.dialog().getByRole('button', { name: 'Remove' }).click();
    await expect(settings.toast('success', 'Offsite removed; the copies there stay where they are')).toBeVisible();
    await expect(page.getByTestId('no-destinations')).toBeVisible();
  });

  test('the panel with a folder, S3 storage and a failing destination (screenshot)', async ({ settings }) => {
    const page = settings.page;
    const usb = await mkdtemp(join(tmpdir(), 'casevault-usb-'));
    const nas = await mkdtemp(join(tmpdir(), 'casevault-nas-'));
    try {
      const bucket = await createBucket(server, 'e2e-shot');
      await settings.exportNow();
      await addFolder(settings, 'USB drive', usb);
      await expect(destination(page, 'USB drive')).toBeVisible();
      await addFolder(settings, 'Office NAS', nas);
      await expect(destination(page, 'Office NAS')).toBeVisible();
      await page.getByRole('button', { name: 'Add S3 storage…' }).click();
      await fillS3(settings, 'Offsite S3', bucket, server.secretAccessKey);
      await page.locator('dialog[open][data-testid="add-destination"]').getByRole('button', { name: 'Add', exact: true }).click();
      await expect(destination(page, 'Offsite S3')).toBeVisible();
      await settings.closeToasts();
      for (const name of ['USB drive', 'Offsite S3']) {
        await destination(page, name).getByRole('button', { name: `Copy now to ${name}` }).click();
        await expect(destination(page, name).getByTestId('dest-last-copy')).toHaveAttribute('data-outcome', 'ok', { timeout: 30_000 });
      }
      // The NAS goes away: its copy fails, in words.
      await rm(nas, { recursive: true, force: true });
      await destination(page, 'Office NAS').getByRole('button', { name: 'Copy now to Office NAS' }).click();
      await expect(destination(page, 'Office NAS').getByTestId('dest-last-copy')).toHaveAttribute('data-outcome', 'failed');
      await expect(destination(page, 'Office NAS')).toContainText('The drive is not mounted');
      await settings.closeToasts();
      await mkdir('/tmp/shots', { recursive: true });
      await page.setViewportSize({ width: 1280, height: 900 });
      await page.getByTestId('destinations-panel').screenshot({ path: '/tmp/shots/destinations-panel.png' });
      await page.getByTestId('backup-list').screenshot({ path: '/tmp/shots/destinations-marks.png' });
      await page.getByRole('button', { name: 'Add S3 storage…' }).click();
      await page.locator('dialog[open][data-testid="add-destination"]').screenshot({ path: '/tmp/shots/destinations-add-s3.png' });
    } finally {
      await rm(usb, { recursive: true, force: true });
      await rm(nas, { recursive: true, force: true });
    }
  });
});
