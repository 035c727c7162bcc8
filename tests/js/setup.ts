// Unit tests run as ES modules, where the bundle's lazy `require("katex")` does not
// exist: give the renderer KaTeX up front.
import katex from "katex";

import { installKatex } from "../../js/render/katex_lazy";

installKatex(katex);
