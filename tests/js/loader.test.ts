// The widget's _esm (js/loader.ts): the frontend is imported once per page and version.
import { afterEach, describe, expect, it, vi } from "vitest";
import loader from "../../js/loader";

const CORE = "export default { initialize: (ctx) => 'init:' + ctx.model.get('_uid'), render: () => 'rendered' };";
const created: string[] = [];

function model(state: Record<string, unknown>) {
  return { get: (name: string) => state[name] };
}

// jsdom has no blob URLs: hand the loader a data: URL of the same code instead
URL.createObjectURL = vi.fn((blob: Blob) => {
  created.push("url");
  return `data:text/javascript;base64,${Buffer.from((blob as unknown as { __src: string }).__src).toString("base64")}`;
}) as unknown as typeof URL.createObjectURL;
URL.revokeObjectURL = vi.fn();
const RealBlob = globalThis.Blob;
globalThis.Blob = class extends RealBlob {
  __src: string;
  constructor(parts: BlobPart[], opts?: BlobPropertyBag) {
    super(parts, opts);
    this.__src = parts.join("");
  }
} as typeof Blob;

afterEach(() => { created.length = 0; });

describe("loader", () => {
  it("imports the core once per version and hands every widget to it", async () => {
    const a = model({ _rw_core: CORE, _rw_core_key: "v1", _uid: "a" });
    const b = model({ _rw_core: CORE, _rw_core_key: "v1", _uid: "b" });
    expect(await loader.initialize({ model: a })).toBe("init:a");
    expect(await loader.initialize({ model: b })).toBe("init:b");
    expect(await loader.render({ model: b })).toBe("rendered");
    expect(created.length).toBe(1); // one import for both widgets
    const c = model({ _rw_core: CORE.replace("rendered", "v2"), _rw_core_key: "v2", _uid: "c" });
    expect(await loader.render({ model: c })).toBe("v2"); // a new version is imported anew
    expect(created.length).toBe(2);
  });

  it("says clearly when the core is missing", async () => {
    await expect(loader.initialize({ model: model({ _rw_core_key: "v3" }) }))
      .rejects.toThrow("the widget's frontend code (_rw_core) is missing");
  });
});
