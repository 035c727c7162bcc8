// The anywidget entry: one Session per model, one Shell + body per view.
import "./styles.css";
import "./render/render.css";

import { Session, type ModelLike } from "./session";
import { Shell, type Body, type ViewContext } from "./ui/shell";
import { ItemBody } from "./views/item";
import { PairwiseBody } from "./views/pairwise";
import { RankBody } from "./views/rank";
import { TraceBody } from "./views/trace";

// anywidget hands every view its own proxy of the model, so the session (one per model,
// shared by all its views) is keyed by the widget's `_uid` trait. It is made in
// `initialize`, whose proxy lives as long as the model, so its message handler survives
// any single view being removed.
const sessions = new Map<string, Session>();

function sessionFor(model: ModelLike): Session {
  const uid = String(model.get("_uid") ?? "");
  let s = sessions.get(uid);
  if (!s) {
    s = new Session(model);
    sessions.set(uid, s);
  }
  return s;
}

function initialize({ model }: { model: ModelLike }): () => void {
  const uid = String(model.get("_uid") ?? "");
  const session = sessionFor(model);
  // ask for the first items now: they arrive while JupyterLab builds the first view
  try {
    session.hello("init");
  } catch {
    /* no live kernel behind a restored model: the view says so */
  }
  return () => {
    session.dispose();
    sessions.delete(uid);
  };
}

const bodies: Record<string, (s: Session, ctx: ViewContext) => Body> = {
  item: (s, ctx) => new ItemBody(s, ctx),
  pairwise: (s, ctx) => new PairwiseBody(s, ctx),
  rank: (s, ctx) => new RankBody(s, ctx),
  trace: (s, ctx) => new TraceBody(s, ctx),
};

function render({ model, el }: { model: ModelLike; el: HTMLElement }): () => void {
  const session = sessionFor(model);
  const kind = String(model.get("_kind") ?? "item");
  const make = bodies[kind] ?? bodies.item!;
  // the body may call back into its view (e.g. to open the guidelines) once it exists
  let shell: Shell | null = null;
  const ctx: ViewContext = {
    get viewId() { return shell?.viewId ?? ""; },
    openGuideline: (section?: string) => shell?.openGuideline(section),
  };
  const view = new Shell(session, make(session, ctx), kind);
  shell = view;
  el.replaceChildren(view.root);
  // for tests and debugging from the page: the model behind this view
  Object.defineProperty(view.root, "__rwModel", { value: model, enumerable: false });
  const onVisibility = () => session.timer.setVisible(document.visibilityState === "visible");
  document.addEventListener("visibilitychange", onVisibility);
  return () => {
    document.removeEventListener("visibilitychange", onVisibility);
    view.dispose();
  };
}

export default { initialize, render };
