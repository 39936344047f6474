// A one-line progress display for long scans: shown on stderr only when stdout is a terminal (a
// person is watching) and only once the work has taken longer than a second; nothing at all
// when the output is piped, so scripts see clean streams.

/** Options of `startProgress`. */
export interface ProgressOptions {
  /** Where the line is drawn (stderr). */
  stream: { write(text: string): unknown };
  /** Draw at all; the CLI passes `process.stdout.isTTY`. */
  enabled: boolean;
  /** Quiet period before the first draw. Default 1000 ms. */
  delayMs?: number;
  /** Runs `fn` after `ms`; returns a cancel function. Default: an unref'd setTimeout. */
  schedule?: (fn: () => void, ms: number) => () => void;
}

/** A running progress display. */
export interface Progress {
  /** Sets the text; drawn at once if the quiet period is over, else when it ends. */
  update(text: string): void;
  /** Erases the line if anything was drawn; later updates are ignored. */
  stop(): void;
}

const CLEAR_LINE = '\r\x1b[2K';

function defaultSchedule(fn: () => void, ms: number): () => void {
  const timer = setTimeout(fn, ms);
  timer.unref();
  return () => clearTimeout(timer);
}

/** Starts the quiet period now. */
export function startProgress(options: ProgressOptions): Progress {
  if (!options.enabled) return { update: () => {}, stop: () => {} };
  let text = '';
  let due = false;
  let drawn = false;
  let stopped = false;
  const draw = () => {
    if (stopped || !due || text === '') return;
    options.stream.write(`${CLEAR_LINE}${text}…`);
    drawn = true;
  };
  const cancel = (options.schedule ?? defaultSchedule)(() => {
    due = true;
    draw();
  }, options.delayMs ?? 1000);
  return {
    update(next) {
      text = next;
      draw();
    },
    stop() {
      if (stopped) return;
      stopped = true;
      cancel();
      if (drawn) options.stream.write(CLEAR_LINE);
    },
  };
}
