// What the checked pages use of the browser beyond the DOM: the extension APIs (kept untyped:
// the replies' types are what matters, see core.d.ts) and the content script's own marks on
// `window`.
declare const chrome: any;

interface Window {
  __minicrmSmartbillPanel?: boolean;
  __mcsbDecided?: { url: string | null; shown: boolean; watching: boolean };
  /** How many times the panel was drawn anew (the tests wait for a redraw by it). */
  __mcsbRedraws?: number;
  /** How many of the core's answers the panel has drawn (or kept as they were). */
  __mcsbAnswers?: number;
  /** Whether a look at the page's changes is pending. */
  __mcsbChecking?: boolean;
}

/** The bundled worker's build hash (scripts/flavours.mjs; absent unbundled): see module-cache.js. */
declare const MCSB_BUILD: string | undefined;
