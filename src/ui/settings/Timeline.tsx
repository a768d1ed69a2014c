import type { BackupListItem } from '../../contract/channels.ts';
import { formatBytes, formatDate } from '../format.ts';
import { useNow } from '../useNow.ts';
import { shortDate, timelineModel, type MarkKind, type TimelineMark } from './timeline.ts';

const WIDTH = 900;
const HEIGHT = 120;
const AXIS = 20; // room for the dates below
const TOP = 14; // room for the marks above the bars
const BAR = 5;

const KIND_TEXT: Record<MarkKind, string> = { verified: 'verified', failed: 'failed its check', unverified: 'not checked yet' };

/** The mark above a bar: a filled circle (verified), a cross (failed), a hollow circle (not checked): shape, not colour alone. */
function Marker({ kind, x, y }: { kind: MarkKind; x: number; y: number }) {
  if (kind === 'failed') {
    return <path class="mark-failed" d={`M${x - 4} ${y - 4} L${x + 4} ${y + 4} M${x - 4} ${y + 4} L${x + 4} ${y - 4}`} />;
  }
  return <circle class={kind === 'verified' ? 'mark-verified' : 'mark-unverified'} cx={x} cy={y} r={3.5} />;
}

function Bar({ mark }: { mark: TimelineMark }) {
  const x = mark.x * (WIDTH - 2 * BAR) + BAR;
  const plot = HEIGHT - AXIS - TOP;
  const h = Math.max(3, mark.height * plot);
  const y = HEIGHT - AXIS - h;
  return (
    <g class={`bar bar-${mark.kind}`} data-testid="timeline-mark" data-kind={mark.kind}>
      <title>{`${formatDate(mark.createdAt)}: ${formatBytes(mark.size)}, ${KIND_TEXT[mark.kind]}`}</title>
      <rect x={x - BAR / 2} y={y} width={BAR} height={h} fill={mark.kind === 'failed' ? 'url(#timeline-hatch)' : undefined} />
      <Marker kind={mark.kind} x={x} y={y - 7} />
    </g>
  );
}

/**
 * The last 90 days at a glance: one bar per backup at its time, as tall as its size, and
 * whether it is verified, failed its check or is not checked yet by colour and by shape
 * (filled / hatched with a cross / hollow), so a gap shows as empty space. Its text
 * alternative says the same in words, and a table behind "Show as a table" lists every mark.
 */
export function Timeline({ backups }: { backups: readonly BackupListItem[] | null }) {
  const now = useNow();
  if (backups === null) return null;
  const model = timelineModel(backups, now);
  const weeks = Array.from({ length: Math.floor(model.days / 7) + 1 }, (_, i) => model.end - i * 7 * 86_400_000).filter((t) => t >= model.start);
  return (
    <section class="card timeline" aria-labelledby="timeline-heading">
      <h2 id="timeline-heading">Last 90 days</h2>
      <p id="timeline-summary" class="timeline-summary" data-testid="timeline-summary">
        {model.summary}
      </p>
      <svg
        class="timeline-chart"
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-labelledby="timeline-heading timeline-summary"
        data-testid="timeline"
      >
        <defs>
          <pattern id="timeline-hatch" width="4" height="4" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
            <rect class="hatch-bg" width="4" height="4" />
            <line class="hatch-line" x1="0" y1="0" x2="0" y2="4" />
          </pattern>
        </defs>
        <line class="axis" x1={0} y1={HEIGHT - AXIS} x2={WIDTH} y2={HEIGHT - AXIS} />
        {weeks.map((t) => {
          const x = ((t - model.start) / (model.end - model.start)) * (WIDTH - 2 * BAR) + BAR;
          return (
            <g key={t} class="tick">
              <line x1={x} y1={HEIGHT - AXIS} x2={x} y2={HEIGHT - AXIS + 4} />
              <text x={Math.min(WIDTH - 24, Math.max(24, x))} y={HEIGHT - 4} text-anchor="middle">
                {t === model.end ? 'today' : shortDate(t)}
              </text>
            </g>
          );
        })}
        {[...model.marks].reverse().map((mark) => (
          <Bar key={mark.fileName} mark={mark} />
        ))}
      </svg>
      <ul class="legend" aria-hidden="true">
        <li>
          <svg width="14" height="14" viewBox="-7 -7 14 14">
            <circle class="mark-verified" r={4} />
          </svg>
          verified
        </li>
        <li>
          <svg width="14" height="14" viewBox="-7 -7 14 14">
            <path class="mark-failed" d="M-4 -4 L4 4 M-4 4 L4 -4" />
          </svg>
          failed its check (hatched)
        </li>
        <li>
          <svg width="14" height="14" viewBox="-7 -7 14 14">
            <circle class="mark-unverified" r={4} />
          </svg>
          not checked yet (hollow)
        </li>
        <li class="muted">height: size</li>
      </ul>
      {model.marks.length > 0 && (
        <details class="timeline-table">
          <summary>Show as a table</summary>
          <table>
            <thead>
              <tr>
                <th scope="col">Made</th>
                <th scope="col">Size</th>
                <th scope="col">Check</th>
              </tr>
            </thead>
            <tbody>
              {model.marks.map((m) => (
                <tr key={m.fileName}>
                  <td>{formatDate(m.createdAt)}</td>
                  <td>{formatBytes(m.size)}</td>
                  <td>{KIND_TEXT[m.kind]}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      )}
    </section>
  );
}
