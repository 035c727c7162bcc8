// The module anywidget imports for every rater widget: a few hundred bytes. anywidget
// evaluates a widget's `_esm` afresh for each widget (a new blob URL each time), which
// for the whole frontend cost 30-60 ms per widget in Chromium. So the frontend itself
// travels as a synced string (`_rw_core`, built from js/index.ts) and is imported once
// per page and per version (`_rw_core_key`, a hash of that string): the second rater on
// a page, or the same cell run again, starts at once. All raters of one version share
// that module, which keys its sessions by each widget's `_uid`.

type Lifecycle = (ctx: { model: { get(name: string): unknown } }) => unknown;
type Core = { initialize: Lifecycle; render: Lifecycle };
type Ctx = Parameters<Lifecycle>[0];

const cores = ((globalThis as Record<symbol, Map<string, Promise<Core>>>)[Symbol.for("rater_widgets.cores")] ??=
  new Map<string, Promise<Core>>());

function core(model: Ctx["model"]): Promise<Core> {
  const key = String(model.get("_rw_core_key") ?? "");
  let loading = cores.get(key);
  if (!loading) {
    const src = model.get("_rw_core");
    if (!key || typeof src !== "string" || !src) {
      return Promise.reject(new Error("rater_widgets: the widget's frontend code (_rw_core) is missing"));
    }
    const url = URL.createObjectURL(new Blob([src], { type: "text/javascript" }));
    loading = import(/* @vite-ignore */ url).then(
      (mod: { default: Core }) => {
        URL.revokeObjectURL(url);
        return mod.default;
      },
      (err: unknown) => {
        URL.revokeObjectURL(url);
        cores.delete(key); // a later widget may try again
        throw err;
      },
    );
    cores.set(key, loading);
  }
  return loading;
}

export default {
  async initialize(ctx: Ctx): Promise<unknown> {
    return (await core(ctx.model)).initialize(ctx);
  },
  async render(ctx: Ctx): Promise<unknown> {
    return (await core(ctx.model)).render(ctx);
  },
};
