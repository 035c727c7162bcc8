// The anywidget entry: one Session per model, one Shell + body per view.
import "./styles.css";
import "./render/render.css";

import { Session, type ModelLike } from "./session";
import { Shell, type Body } from "./ui/shell";
import { ItemBody } from "./views/item";

const sessions = new WeakMap<object, Session>();

function sessionFor(model: ModelLike): Session {
  let s = sessions.get(model);
  if (!s) {
    s = new Session(model);
    sessions.set(model, s);
  }
  return s;
}

const bodies: Record<string, (s: Session) => Body> = {
  item: (s) => new ItemBody(s),
};

function render({ model, el }: { model: ModelLike; el: HTMLElement }): () => void {
  const session = sessionFor(model);
  const kind = String(model.get("_kind") ?? "item");
  const make = bodies[kind] ?? bodies.item!;
  const shell = new Shell(session, make(session), kind);
  el.replaceChildren(shell.root);
  // for tests and debugging from the page: the model behind this view
  Object.defineProperty(shell.root, "__rwModel", { value: model, enumerable: false });
  const onVisibility = () => session.timer.setVisible(document.visibilityState === "visible");
  document.addEventListener("visibilitychange", onVisibility);
  return () => {
    document.removeEventListener("visibilitychange", onVisibility);
    shell.dispose();
  };
}

export default { render };
