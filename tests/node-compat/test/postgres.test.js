"use strict";
// supertokens-node 24 ⇄ Rust core, PostgreSQL storage (a fresh st_node_<random>
// database on postgres://postgres@127.0.0.1:5432, dropped afterwards). Never skipped:
// an unreachable PostgreSQL is a failure. Own file = own process.
require("../lib/suite").defineSuite("postgres", "supertokens-node 24 against the Rust core (PostgreSQL)");
