"use strict";
// The website under test: a tiny static server (index.html + the bundled SDK script)
// at WEBSITE_DOMAIN = http://localhost:<port> (index.html also at /auth/verify, where
// magic links land, and at /auth/verify-email, where email verification links land). It
// never proxies to the backend: the page calls API_DOMAIN (another port of localhost)
// cross-origin, like a real SPA.

const fs = require("node:fs");
const http = require("node:http");

const INDEX_HTML = `<!doctype html>
<html>
<head><meta charset="utf-8"><title>supertokens-rs browser e2e</title></head>
<body>
<h1>supertokens-rs browser e2e</h1>
<script src="/page.js"></script>
</body>
</html>
`;

/**
 * @param {{pageScriptFile: string, port: number}} opts
 * @returns {Promise<{url: string, port: number, requests: string[], stop: () => Promise<void>}>}
 */
function startWebsite({ pageScriptFile, port }) {
    const pageScript = fs.readFileSync(pageScriptFile);
    const requests = [];
    const server = http.createServer((req, res) => {
        requests.push(`${req.method} ${req.url}`);
        const pathname = new URL(req.url, "http://localhost").pathname;
        if (req.method !== "GET" && req.method !== "HEAD") {
            res.writeHead(405).end();
        } else if (pathname === "/" || pathname === "/index.html" || pathname === "/auth/verify" || pathname === "/auth/verify-email") {
            // /auth/verify: where passwordless magic links land (websiteBasePath + "/verify");
            // /auth/verify-email: where email verification links land. The page reads the
            // link code / the token from the URL.
            res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" }).end(INDEX_HTML);
        } else if (pathname === "/page.js") {
            res.writeHead(200, { "content-type": "text/javascript; charset=utf-8", "cache-control": "no-store" }).end(pageScript);
        } else if (pathname === "/favicon.ico") {
            res.writeHead(204).end();
        } else {
            res.writeHead(404, { "content-type": "text/plain" }).end("not found");
        }
    });
    return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, "127.0.0.1", () => {
            resolve({
                url: `http://localhost:${port}`,
                port,
                requests,
                stop: () =>
                    new Promise((r) => {
                        server.close(() => r());
                        server.closeAllConnections();
                    }),
            });
        });
    });
}

module.exports = { startWebsite };
