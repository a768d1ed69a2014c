import { useEffect, useState } from 'preact/hooks';
import type { DestinationState, DestinationStore, NewDestination } from './destinationStore.ts';
import { FormDialog } from './FormDialog.tsx';

interface Fields {
  name: string;
  path: string;
  endpoint: string;
  region: string;
  bucket: string;
  prefix: string;
  pathStyle: boolean;
  checksum: 'when-supported' | 'when-required';
  accessKeyId: string;
  secretAccessKey: string;
}

const EMPTY: Fields = { name: '', path: '', endpoint: '', region: 'us-east-1', bucket: '', prefix: 'casevault/', pathStyle: false, checksum: 'when-supported', accessKeyId: '', secretAccessKey: '' };

/** What the fields describe; the keys only when both are typed (else the environment's or the profile's). */
function destinationOf(kind: 'folder' | 's3', f: Fields): NewDestination {
  if (kind === 'folder') return { name: f.name.trim(), target: { kind: 'folder', path: f.path.trim() } };
  const prefix = f.prefix.trim();
  const typed = f.accessKeyId.trim() !== '' && f.secretAccessKey !== '';
  return {
    name: f.name.trim(),
    target: {
      kind: 's3',
      endpoint: f.endpoint.trim() === '' ? null : f.endpoint.trim().replace(/\/+$/, ''),
      region: f.region.trim() || 'us-east-1',
      bucket: f.bucket.trim(),
      prefix: prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`,
      pathStyle: f.pathStyle,
      checksum: f.checksum,
    },
    ...(typed ? { credentials: { accessKeyId: f.accessKeyId.trim(), secretAccessKey: f.secretAccessKey } } : {}),
  };
}

/**
 * "Add a folder" and "Add S3 storage": the fields, a Test connection that really writes,
 * reads and removes a test file there, and Add (which tests again before it saves). What is
 * typed lives in this component only: it goes when the dialog closes.
 */
export function AddDestinationDialog({ state, store }: { state: DestinationState; store: DestinationStore }) {
  const adding = state.adding;
  const kind = adding?.kind ?? 'folder';
  const [f, setFields] = useState<Fields>(EMPTY);
  useEffect(() => {
    if (adding === null) setFields(EMPTY);
  }, [adding === null]);
  useEffect(() => {
    if (adding?.chosenPath) setFields((old) => ({ ...old, path: adding.chosenPath! }));
  }, [adding?.chosenPath]);
  const set = <K extends keyof Fields>(key: K) => (value: Fields[K]) => setFields((old) => ({ ...old, [key]: value }));
  const text = (key: keyof Fields) => (e: Event) => set(key)((e.currentTarget as HTMLInputElement).value as never);
  const busy = adding?.saving === true || adding?.test?.state === 'running';
  const keysUnavailable = state.keys?.unavailable ?? null;
  const field = (key: keyof Fields, label: string, props: Record<string, unknown> = {}) => (
    <label class="field" for={`dest-${key}`}>
      {label}
      <input id={`dest-${key}`} type="text" value={f[key] as string} onInput={text(key)} autoComplete="off" spellcheck={false} {...props} />
    </label>
  );
  const test = adding?.test ?? null;
  return (
    <FormDialog
      id="add-destination"
      open={adding !== null}
      title={kind === 'folder' ? 'Add a folder' : 'Add S3 storage'}
      submitLabel={adding?.saving ? 'Adding…' : 'Add'}
      busy={busy}
      onSubmit={() => void store.add(destinationOf(kind, f))}
      onCancel={() => store.closeAdd()}
      extraActions={
        <button type="button" disabled={busy} onClick={() => void store.testNew(destinationOf(kind, f))}>
          Test connection
        </button>
      }
    >
      {field('name', 'Name', { autoFocus: true, placeholder: kind === 'folder' ? 'USB drive' : 'Offsite S3', maxLength: 40 })}
      {kind === 'folder' ? (
        <>
          <div class="inline dest-path">
            {field('path', 'Folder (a USB drive, a network share)', { placeholder: '/media/usb/casevault' })}
            {state.canChooseFolder && (
              <button type="button" disabled={busy} onClick={() => void store.chooseFolder()}>
                Choose…
              </button>
            )}
          </div>
          <p class="hint muted">casevault checks that the drive is mounted and writable before each copy.</p>
        </>
      ) : (
        <>
          {field('endpoint', 'Endpoint (empty for AWS itself)', { placeholder: 'https://s3.eu-central-003.backblazeb2.com', type: 'url' })}
          <div class="dest-two">
            {field('bucket', 'Bucket', { placeholder: 'firm-backups' })}
            {field('region', 'Region')}
          </div>
          {field('prefix', 'Prefix (a folder in the bucket)')}
          <label class="check">
            <input type="checkbox" checked={f.pathStyle} onChange={(e) => set('pathStyle')(e.currentTarget.checked)} />
            <span>Path-style addresses (MinIO, Ceph and most servers of your own)</span>
          </label>
          <label class="field" for="dest-checksum">
            Checksums
            <select id="dest-checksum" value={f.checksum} onChange={(e) => set('checksum')(e.currentTarget.value as Fields['checksum'])}>
              <option value="when-supported">When supported (AWS, Backblaze, Wasabi, MinIO)</option>
              <option value="when-required">When required</option>
            </select>
          </label>
          <p class="hint muted">Choose “when required” for Cloudflare R2 and Oracle Cloud, which refuse the default checksums.</p>
          <fieldset disabled={keysUnavailable !== null}>
            <div class="dest-two">
              {field('accessKeyId', 'Access key id')}
              <label class="field" for="dest-secretAccessKey">
                Secret key
                <input id="dest-secretAccessKey" type="password" value={f.secretAccessKey} onInput={text('secretAccessKey')} autoComplete="off" />
              </label>
            </div>
          </fieldset>
          <p class="hint muted" data-testid="dest-keys-where">
            {keysUnavailable !== null
              ? `Keys cannot be saved here: ${keysUnavailable}.`
              : state.keys?.where === 'the OS keychain'
                ? 'Saved in the OS keychain, never in a file in plain text; the page never shows the secret again. Leave both empty to use the environment (AWS_ACCESS_KEY_ID) or a profile.'
                : `Keys typed here are ${state.keys?.where ?? 'kept by this host'}. Leave both empty to use the environment (AWS_ACCESS_KEY_ID) or a profile.`}
          </p>
        </>
      )}
      <div aria-live="polite" class="dest-test" data-testid="dest-test">
        {test?.state === 'running' && <p class="muted">Testing: writing, reading and removing a test file…</p>}
        {test?.state === 'ok' && (
          <p class="check-ok" data-result="ok">
            <span aria-hidden="true">✓ </span>
            <strong>The connection works.</strong> {test.text}
          </p>
        )}
        {test?.state === 'failed' && (
          <p data-result="failed">
            <strong class="bad">
              <span aria-hidden="true">✕ </span>
              {test.title}.
            </strong>{' '}
            {test.text}
          </p>
        )}
      </div>
    </FormDialog>
  );
}
