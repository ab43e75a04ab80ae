/**
 * Reloads the config file when it changes or the process gets SIGHUP. The new file is loaded
 * and validated in full first: a bad one is logged and rejected, and the running config stays.
 * Editors that replace the file (write + rename) are handled by watching its folder.
 */
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Logger } from 'pino';
import { loadConfig, type LoadOptions } from './load.js';
import type { Config } from './schema.js';

export interface ConfigWatcher {
  /** reloads now (what a change or SIGHUP does); resolves true when the new config was applied */
  reload(reason: string): Promise<boolean>;
  close(): void;
}

export interface WatchOptions extends LoadOptions {
  file: string;
  /** wait this long after a change before reading, so a write in several steps is read whole */
  debounceMs?: number;
  /** also reload on SIGHUP (default true) */
  sighup?: boolean;
  /** reload when the file changes (default true) */
  watchFile?: boolean;
}

export function watchConfig(opts: WatchOptions, apply: (config: Config) => Promise<void>, logger: Logger): ConfigWatcher {
  const name = basename(opts.file);
  let timer: NodeJS.Timeout | undefined;
  let chain: Promise<boolean> = Promise.resolve(true);

  const reload = (reason: string): Promise<boolean> => {
    chain = chain.then(async () => {
      let config: Config;
      try {
        config = loadConfig(opts).config;
      } catch (err) {
        logger.error({ reason, file: opts.file, error: (err as Error).message }, 'config reload rejected: the file is invalid; the running config stays');
        return false;
      }
      try {
        await apply(config);
      } catch (err) {
        logger.error({ reason, file: opts.file, error: (err as Error).message }, 'config reload failed; the running config stays');
        return false;
      }
      logger.info({ reason, file: opts.file }, 'config reloaded');
      return true;
    });
    return chain;
  };

  let watcher: FSWatcher | undefined;
  if (opts.watchFile !== false) try {
    watcher = watch(dirname(opts.file), (_event, changed) => {
      if (changed !== null && changed !== name) return;
      clearTimeout(timer);
      timer = setTimeout(() => void reload('file changed'), opts.debounceMs ?? 100);
    });
    watcher.on('error', (err) => logger.warn({ error: err.message }, 'config watcher failed; SIGHUP still reloads'));
    watcher.unref();
  } catch (err) {
    logger.warn({ error: (err as Error).message, file: opts.file }, 'cannot watch the config file; SIGHUP still reloads');
  }

  const onHup = () => void reload('SIGHUP');
  if (opts.sighup !== false) process.on('SIGHUP', onHup);

  return {
    reload,
    close() {
      clearTimeout(timer);
      watcher?.close();
      process.off('SIGHUP', onHup);
    },
  };
}
