"use strict";
// Bundles page/main.js (+ the frontend SDKs from node_modules) into build/page.js:
// one IIFE that sets window.e2e. Run at test start (and by `npm run build:page`).

const path = require("node:path");

const ROOT = path.resolve(__dirname, "..");
const OUT_FILE = path.join(ROOT, "build", "page.js");

async function buildPage() {
    const esbuild = require("esbuild");
    await esbuild.build({
        entryPoints: [path.join(ROOT, "page", "main.js")],
        outfile: OUT_FILE,
        bundle: true,
        format: "iife",
        platform: "browser",
        target: ["chrome120"],
        sourcemap: "inline",
        logLevel: "warning",
        absWorkingDir: ROOT,
    });
    return OUT_FILE;
}

module.exports = { buildPage, OUT_FILE };

if (require.main === module) {
    buildPage().then(
        (file) => console.log(`built ${path.relative(process.cwd(), file)}`),
        (err) => {
            console.error(err);
            process.exit(1);
        },
    );
}
