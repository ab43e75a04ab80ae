/** A `polymath` subcommand: its one-line summary for --help and its run function. */
export interface Command {
  /** e.g. `serve [--config FILE] [--host HOST] [--port PORT]` */
  usage: string;
  summary: string;
  /** resolves to the process exit code: 0 ok, 1 runtime failure, 2 bad usage or invalid config */
  run(argv: string[]): Promise<number>;
}

/** Exit code for bad usage and invalid config. */
export const USAGE_EXIT = 2;
