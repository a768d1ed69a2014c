// A separate process writing to the live database the way the app does, for the live
// snapshot test and measurement: each transaction adds one case with exactly three tasks
// (the invariant a consistent snapshot keeps). Prints "ready", then "commits N" every
// 50 ms; on SIGTERM prints the final count and exits.
// usage: node writerProcess.mjs <database.sqlite> [pauseMs]
import Database from 'better-sqlite3';

const [path, pauseArg] = process.argv.slice(2);
const pauseMs = Number(pauseArg ?? 0);
const db = new Database(path, { timeout: 10_000 });
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
const insertCase = db.prepare(`INSERT INTO cases (user_id, title, notes) VALUES (NULL, ?, ?)`);
const insertTask = db.prepare(`INSERT INTO tasks (case_id, title, due_at, done) VALUES (?, ?, NULL, 0)`);
const commit = db.transaction((n) => {
  const id = insertCase.run(`live case ${n}`, 'x'.repeat(200)).lastInsertRowid;
  for (let t = 0; t < 3; t += 1) insertTask.run(id, `task ${t} of live case ${n}`);
});
let commits = 0;
let stopping = false;
process.on('SIGTERM', () => {
  stopping = true;
});
const report = setInterval(() => process.stdout.write(`commits ${commits}\n`), 50);
process.stdout.write('ready\n');
const loop = () => {
  if (stopping) {
    clearInterval(report);
    db.close();
    process.stdout.write(`commits ${commits}\nstopped\n`);
    return;
  }
  for (let i = 0; i < 5; i += 1) commit.immediate(commits++);
  if (pauseMs > 0) setTimeout(loop, pauseMs);
  else setImmediate(loop);
};
loop();
