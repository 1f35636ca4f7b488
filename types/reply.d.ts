// The envelope of every reply (`App::handle` in src/api.rs): the command's reply with `ok: true`,
// or the error the command stopped on.
import type { ErrorView } from './core';

export type Reply<T> = (T & { ok: true }) | { ok: false; error: ErrorView };
