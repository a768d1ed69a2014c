/**
 * Every corrupted backup in fixtures/corrupt/ (named `<CODE>--<what>.zip`), replayed through
 * the restore flow of the page: choose the file, Restore, confirm if asked. The toast must be
 * the error of that code, and the data must be as it was.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_TITLES } from '../src/contract/errorTitles.ts';
import { isErrorCode } from '../src/domain/errors.ts';
import { REPO, expect, test } from './support/shell.ts';

const DIR = join(REPO, 'fixtures/corrupt');
const fixtures = (() => {
  try {
    return readdirSync(DIR).filter((name) => name.endsWith('.zip')).sort();
  } catch {
    return [];
  }
})();

test('fixtures/corrupt holds corrupted backups to replay', () => {
  expect(fixtures.length, `no *.zip in ${DIR}: the fixture script (fixtures/) has not been run or committed`).toBeGreaterThan(0);
});

for (const name of fixtures) {
  const code = name.split('--')[0]!;
  test(`restoring ${name} shows the ${code} error and changes nothing`, async ({ settings, page }) => {
    expect(isErrorCode(code), `${name}: "${code}" is not an error code of src/domain/errors.ts`).toBe(true);
    if (!isErrorCode(code)) return;
    const before = await settings.counts();

    const chooser = page.waitForEvent('filechooser');
    await page.getByRole('button', { name: 'Choose backup file…' }).click();
    await (await chooser).setFiles(join(DIR, name));
    await expect(page.getByTestId('selected-file')).toHaveText(name);
    await page.getByRole('button', { name: 'Restore from file' }).click();

    // Most broken files are refused when opened, before the confirmation; the others (a bad
    // entry deep inside) only while extracting, after it.
    const error = settings.toast('error');
    const dialog = settings.dialog();
    await expect(error.or(dialog)).toBeVisible();
    if (await dialog.isVisible()) await dialog.getByRole('button', { name: 'Restore' }).click();

    await expect(error).toHaveCount(1);
    await expect(error.locator('.toast-title')).toHaveText(ERROR_TITLES[code]);
    await expect(error.locator('.toast-message')).not.toBeEmpty();
    await expect(settings.toast('success')).toHaveCount(0);
    await expect(page.getByTestId('restore-progress')).toBeHidden();
    expect(await settings.counts()).toEqual(before);
    await page.reload();
    await expect(page.getByTestId('count-cases')).toHaveText(before.cases!);
    expect(await settings.counts()).toEqual(before);
  });
}
