// Reads a JSON list of {tex, display} from stdin; prints a JSON list of error messages (null = parsed).
// MathJax 3's TeX input jax with the packages a typical site enables (base, ams, newcommand,
// noundefined). MathJax does not throw on bad TeX: a parse error becomes an <merror> node (caught
// here through the formatError hook) and, with noundefined, an unknown macro becomes a coloured
// <mtext>\name</mtext> (marked here with a sentinel colour and reported as undefined).
const { mathjax } = require("mathjax-full/js/mathjax.js");
const { TeX } = require("mathjax-full/js/input/tex.js");
const { liteAdaptor } = require("mathjax-full/js/adaptors/liteAdaptor.js");
const { RegisterHTMLHandler } = require("mathjax-full/js/handlers/html.js");
const { STATE } = require("mathjax-full/js/core/MathItem.js");
require("mathjax-full/js/input/tex/base/BaseConfiguration.js");
require("mathjax-full/js/input/tex/ams/AmsConfiguration.js");
require("mathjax-full/js/input/tex/newcommand/NewcommandConfiguration.js");
require("mathjax-full/js/input/tex/noundefined/NoUndefinedConfiguration.js");

const UNDEFINED = "tracer-undefined-macro";
RegisterHTMLHandler(liteAdaptor());
let error = null;
const tex = new TeX({
  packages: ["base", "ams", "newcommand", "noundefined"],
  noundefined: { color: UNDEFINED },
  formatError: (jax, err) => {
    error = String(err.message || err);
    return jax.formatError(err);
  },
});
const doc = mathjax.document("", { InputJax: tex });

function problems(node, found) {
  if (node.isKind("merror")) found.push("merror");
  if (node.isKind("mtext") && node.attributes.get("mathcolor") === UNDEFINED) {
    found.push("Undefined control sequence " + node.childNodes.map((c) => c.getText()).join(""));
  }
  for (const child of node.childNodes || []) if (child && child.isKind) problems(child, found);
  return found;
}

let input = "";
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  const results = JSON.parse(input).map(({ tex: source, display }) => {
    error = null;
    try {
      const root = doc.convert(source, { display, end: STATE.CONVERT });
      const found = problems(root, []);
      if (error !== null) return error;
      return found.length ? found.join("; ") : null;
    } catch (err) {
      return String(err.message || err);
    }
  });
  process.stdout.write(JSON.stringify(results));
});
